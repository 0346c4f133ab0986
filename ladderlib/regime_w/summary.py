"""Aggregate numbers over collected rollouts, for ``metrics.json`` and the notebook's tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def _mean(xs: Sequence[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def summarize_rollouts(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Means over rows (reward, scores, any-arm accuracy, tokens) and per-arm accuracy (``arm_accuracy``)."""
    out: dict[str, Any] = {"n_questions": len(rows)}
    out["any_correct_rate"] = _mean([1.0 if r["n_correct"] > 0 else 0.0 for r in rows])
    out["arm_correct_rate"] = _mean([o["correct"] * 1.0 for r in rows for o in r["arm_outputs"]])
    for key in ("reward", "s_end", "s_path", "s_cf", "s_wm"):
        out[f"mean_{key}"] = _mean([r[key] for r in rows if r.get(key) is not None])
    out["mean_tokens"] = _mean([o["n_tokens"] for r in rows for o in r["arm_outputs"]])
    out["no_answer_rate"] = _mean([1.0 if o["answer"] is None else 0.0 for r in rows for o in r["arm_outputs"]])
    acc: dict[str, list[float]] = {}
    for r in rows:
        for o in r["arm_outputs"]:
            acc.setdefault(o["arm_id"], []).append(1.0 if o["correct"] else 0.0)
    out["arm_accuracy"] = {k: _mean(v) for k, v in acc.items()}
    return out
