"""Accuracy of any generator on any task: one batched generation, the task's grading, a Wilson 95% interval.

A *model* here is a ``GenerateFn`` (``ladderlib.models.generation``): an ``Engine`` over a transformers model,
a vLLM engine, an API client or a stub in a test. When it can report token counts (``complete``), the mean
number of generated tokens is recorded too.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ladderlib.evaluate.stats import wilson_interval
from ladderlib.models.generation import GREEDY, GenerateFn, Sampling
from ladderlib.tasks.base import Task


@dataclass
class TaskEval:
    """One model's result on one task: ``correct`` of ``n``, its Wilson CI, readable-answer rate, generation and
    grading wall time, records."""

    model: str
    task: str
    n: int
    correct: int
    accuracy: float
    ci_low: float
    ci_high: float
    parsable: float
    mean_new_tokens: float | None = None
    wall_s: float | None = None
    records: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def summary(self) -> dict[str, Any]:
        """The scalar fields (no records), for a table row or a JSON summary."""
        out = asdict(self)
        out.pop("records")
        return out


def evaluate_task(
    task: Task,
    generate: GenerateFn,
    rows: Sequence[dict[str, Any]],
    sampling: Sampling = GREEDY,
    *,
    name: str = "model",
    out_dir: str | Path | None = None,
    z: float = 1.96,
) -> TaskEval:
    """Answer every row with ``generate`` (one call), grade with ``task``; records go to ``out_dir/<name>.jsonl``."""
    rows = list(rows)
    if not rows:
        raise ValueError(f"no {task.name} rows to evaluate")
    t0 = time.perf_counter()
    prompts = [task.prompt(r) for r in rows]
    complete = getattr(generate, "complete", None)
    if callable(complete):
        done = complete(prompts, sampling)
        texts, tokens = [c.text for c in done], [c.n_tokens for c in done]
    else:
        texts, tokens = list(generate(prompts, sampling)), None
    if len(texts) != len(rows):
        raise ValueError(f"model {name!r} returned {len(texts)} completions for {len(rows)} prompts")
    grades = task.grade_batch(rows, texts)
    records = [
        {"id": r.get("id"), "prompt": p.user, "completion": t, "answer": g.answer, "correct": g.correct,
         "code": g.code, **({"n_tokens": tokens[i]} if tokens is not None else {})}
        for i, (r, p, t, g) in enumerate(zip(rows, prompts, texts, grades, strict=True))
    ]
    k = sum(g.correct for g in grades)
    lo, hi = wilson_interval(k, len(rows), z)
    result = TaskEval(
        model=name, task=task.name, n=len(rows), correct=k, accuracy=k / len(rows), ci_low=lo, ci_high=hi,
        parsable=sum(g.parsable for g in grades) / len(rows),
        mean_new_tokens=None if tokens is None else sum(tokens) / len(tokens),
        wall_s=round(time.perf_counter() - t0, 3), records=records,
    )
    if out_dir is not None:
        from ladderlib.io import write_jsonl

        write_jsonl(Path(out_dir) / f"{name}.jsonl", records)
    return result


def results_table(results: Mapping[str, TaskEval] | Sequence[TaskEval], digits: int = 3) -> list[dict[str, Any]]:
    """One row per model (accuracy, 95% CI, correct/n, readable-answer rate), best first, for a notebook table."""
    items = list(results.values()) if isinstance(results, Mapping) else list(results)
    return [
        {"model": r.model, "accuracy": round(r.accuracy, digits), "ci_low": round(r.ci_low, digits),
         "ci_high": round(r.ci_high, digits), "correct": r.correct, "n": r.n, "parsable": round(r.parsable, digits),
         "mean_new_tokens": None if r.mean_new_tokens is None else round(r.mean_new_tokens, 1)}
        for r in sorted(items, key=lambda r: r.accuracy, reverse=True)
    ]
