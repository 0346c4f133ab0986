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
    """Three panels: accepted vs dropped per source, difficulty histogram per source, variants per depth."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(13, 3.4))
    table = source_table(stats)
    names = [f"{r['source']}\n({r['prompts']} prompts)" if r["prompts"] else r["source"] for r in table]
    axes[0].bar(names, [r["accepted"] for r in table], label="accepted")
    axes[0].bar(names, [r["proposed"] - r["accepted"] for r in table], bottom=[r["accepted"] for r in table], label="dropped")
    axes[0].set(title="proposed variants per source", ylabel="count")
    axes[0].legend(fontsize=8)
    for source in sorted({r["source"] for r in rows}):
        d = [r["difficulty"] for r in rows if r["source"] == source and r["difficulty"] is not None]
        if d:
            axes[1].hist(d, bins=15, alpha=0.6, label=f"{source} ({len(d)})")
    axes[1].set(title="estimated difficulty", xlabel="difficulty")
    axes[1].legend(fontsize=8)
    depths = sorted({r["depth"] for r in rows}) or [1]
    axes[2].bar([str(d) for d in depths], [sum(r["depth"] == d for r in rows) for d in depths])
    axes[2].set(title="variants per depth", xlabel="depth")
    fig.tight_layout()
    return fig
