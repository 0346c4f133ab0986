"""Grading hand-off completions with our tasks: the one path both reward modules (veRL, OpenRLHF) take.

A task is built once per process (default verifier and sandbox settings); grading is batched per task, so
the integral verifier prepares each integrand once and the sandbox runs programs together.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from typing import Any

from ladderlib.export.records import TASK_OF_SOURCE


@functools.lru_cache(maxsize=None)
def task_for(data_source: str) -> Any:
    """Our task behind a hand-off ``data_source`` (``ladder/integrals``, ``openai/gsm8k``, ``ladder/code``)."""
    from ladderlib.tasks import get_task

    if data_source not in TASK_OF_SOURCE:
        raise KeyError(f"data_source {data_source!r} is not one of ours: {', '.join(sorted(TASK_OF_SOURCE))}")
    return get_task(TASK_OF_SOURCE[data_source])


def row_of(data_source: str, ground_truth: str, extra_info: dict[str, Any] | None = None) -> dict[str, Any]:
    """The task row a ground truth stands for (what ``records.ground_truth`` wrote)."""
    task = TASK_OF_SOURCE.get(data_source)
    if task == "integrals":
        return {"integrand": ground_truth, "variable": str((extra_info or {}).get("variable") or "x")}
    if task == "gsm8k":
        return {"question": "", "gold": ground_truth}
    if task == "code":
        return json.loads(ground_truth)
    raise KeyError(f"data_source {data_source!r} is not one of ours: {', '.join(sorted(TASK_OF_SOURCE))}")


def grade_many(data_sources: Sequence[str], solutions: Sequence[str], ground_truths: Sequence[str],
               extra_infos: Sequence[dict[str, Any] | None] | None = None) -> list[dict[str, float]]:
    """``{"score", "acc", "parsable"}`` per completion; ``score`` is 1/0 correctness, graded per task in batches."""
    extra_infos = list(extra_infos) if extra_infos is not None else [None] * len(solutions)
    if not len(data_sources) == len(solutions) == len(ground_truths) == len(extra_infos):
        raise ValueError("data_sources, solutions, ground_truths and extra_infos differ in length")
    groups: dict[str, list[int]] = {}
    for i, source in enumerate(data_sources):
        groups.setdefault(source, []).append(i)
    out: list[dict[str, float] | None] = [None] * len(solutions)
    for source, idx in groups.items():
        rows = [row_of(source, ground_truths[i], extra_infos[i]) for i in idx]
        grades = task_for(source).grade_batch(rows, [solutions[i] for i in idx])
        for i, g in zip(idx, grades, strict=True):
            out[i] = {"score": 1.0 if g.correct else 0.0, "acc": 1.0 if g.correct else 0.0,
                      "parsable": 1.0 if g.parsable else 0.0}
    return [o for o in out if o is not None]
