"""Evaluation of any generator on any task: accuracy with Wilson 95% intervals, model comparisons."""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "run": "TaskEval evaluate_task results_table",
    "compare": "compare_models",
    "stats": "bootstrap_mean_interval mcnemar_exact paired_bootstrap_diff pass_at_k wilson_interval",
})
