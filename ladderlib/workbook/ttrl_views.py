"""09's TTRL tables from ``ttrl/summary.json``: the two figures and the adapter cache.

Flat rows of numbers and short strings for ``plots.tables.table``, never nested records shown as dict text. The
per-problem table is ``TTRLRun.table`` (``ladderlib.ladder.ttrl_results``).
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


PROBLEM_COLUMNS = {"id": "problem", "integrand": "integrand", "variants": "variants", "steps": "steps",
                   "stopped_by": "stopped by", "answer": "answer", "code": "verifier", "final_correct": "final correct",
                   "solved_during_adaptation": "solved during adaptation", "probe_passes": "probe passes",
                   "wall_s": "wall s", "gen_tokens": "generated tokens"}
"""Display names for ``TTRLRun.table``'s columns (the per-problem table)."""
