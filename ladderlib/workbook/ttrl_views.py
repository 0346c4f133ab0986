"""09's TTRL tables from ``ttrl/summary.json``: the two figures, the adapter cache, and one row per problem.

Flat rows of numbers and short strings for ``plots.tables.table``; nested records (token counts per phase,
adapter paths) are summarised, never shown as dict text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

FIGURE_MEANING = {
    "final_pass@1": "the adapted model's greedy answer to the original passes the verifier (the honest figure)",
    "solved_during_adaptation": "any answer sampled to the original during the steps passed (the paper's count)",
}


def _figure_row(label: str, f: Mapping[str, Any], meaning: str) -> dict[str, Any]:
    return {"figure": label, "solved": f"{f['k']}/{f['n']}", "value": f["value"],
            "95% CI": f"[{f['ci_low']:.3f}, {f['ci_high']:.3f}]", "meaning": meaning}


def figure_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``final_pass@1`` and ``solved_during_adaptation`` with their Wilson CIs, then the cached pass's accuracy."""
    figures = summary.get("figures") or {}
    rows = [_figure_row(name, figures[name], meaning) for name, meaning in FIGURE_MEANING.items() if name in figures]
    cache = summary.get("cache") or {}
    if cache.get("accuracy_with_cache"):
        rows.append(_figure_row("final_pass@1 with the adapter cache", cache["accuracy_with_cache"],
                                "the same, when a similar problem's adapter may start the adaptation"))
    return rows


def cache_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row: hits (exact fingerprint / near by embedding), hit rate, steps and seconds saved; empty without a cache."""
    c = summary.get("cache")
    if not c:
        return []
    return [{"problems": c["problems"], "hits": c["hits"], "exact hits": c["exact_hits"], "near hits": c["near_hits"],
             "hit rate": c["hit_rate"], "steps saved": c["steps_saved"], "seconds saved": c["time_saved_s"]}]


def problem_rows(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One row per test problem of the plain (no-cache) pass: what adaptation did and how the answer graded."""
    rows = []
    for p in summary.get("problems") or []:
        tokens = p.get("gen_tokens") or {}
        rows.append({"problem": p["id"], "integrand": p["integrand"], "variants": p["variants"], "steps": p["steps"],
                     "stopped by": p["stopped_by"], "answer": p.get("answer") or "—", "verifier": p.get("code") or "—",
                     "final correct": p["final_correct"], "solved during adaptation": p["solved_during_adaptation"],
                     "probe passes": f"{p.get('probe_passes', 0)}/{p.get('probe_samples', 0)}", "wall s": p["wall_s"],
                     "generated tokens": sum(v for v in tokens.values() if isinstance(v, int | float))})
    return rows
