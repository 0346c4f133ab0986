"""Figures for 02_variants: valid-variant rate per source, and difficulty and depth distributions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def source_table(stats: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per variant source: prompts, proposed, accepted, valid rate and drop reasons."""
    rows = []
    for source, st in stats.items():
        proposed = st.get("proposed", 0)
        rows.append({
            "source": source, "prompts": st.get("prompts", 0), "proposed": proposed, "accepted": st.get("accepted", 0),
            "valid_rate": round(st.get("accepted", 0) / proposed, 3) if proposed else None,
            "dropped": dict(st.get("dropped", {})),
        })
    return rows


def plot_variant_overview(rows: Sequence[dict[str, Any]], stats: dict[str, dict[str, Any]]) -> Any:
    """Three panels: accepted vs dropped proposals per source, difficulty per source, variants per depth."""
    from ladderlib.plots.figure import missing, panels, tidy

    fig, (sources, difficulty, depth) = panels(3, "The variant forest")
    table = source_table(stats)
    names = [f"{r['source']}\n({r['prompts']} prompts)" if r["prompts"] else r["source"] for r in table]
    sources.bar(names, [r["accepted"] for r in table], label="accepted")
    sources.bar(names, [r["proposed"] - r["accepted"] for r in table], bottom=[r["accepted"] for r in table],
                label="dropped")
    sources.set(title="proposed variants per source", ylabel="proposals")
    sources.legend(fontsize=8)
    tidy(sources, integer_x=False)
    kinds = sorted({r["source"] for r in rows})
    for source in kinds:
        d = [r["difficulty"] for r in rows if r["source"] == source and r["difficulty"] is not None]
        if d:
            difficulty.hist(d, bins=12, alpha=0.6, label=f"{source} ({len(d)})")
    if kinds:
        difficulty.set(title="estimated difficulty", xlabel="difficulty score", ylabel="variants")
        difficulty.legend(fontsize=8)
        tidy(difficulty, integer_x=False)
    else:
        difficulty.set_title("estimated difficulty")
        missing(difficulty, "difficulty", "no variants")
    depths = sorted({r["depth"] for r in rows}) or [1]
    depth.bar([str(d) for d in depths], [sum(r["depth"] == d for r in rows) for d in depths])
    depth.set(title="variants per depth", xlabel="depth below the root", ylabel="variants")
    tidy(depth, integer_x=False)
    return fig
