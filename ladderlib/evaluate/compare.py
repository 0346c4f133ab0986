"""Several models on one task, each built from the base plus a chain of adapters, loaded one at a time.

Models are loaded, scored and freed in turn, so three 8B policies never share GPU memory.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ladderlib.config.model import ModelSettings
from ladderlib.evaluate.run import TaskEval, evaluate_task, results_table
from ladderlib.models.generation import Sampling
from ladderlib.tasks.base import Task


def compare_models(
    model_settings: ModelSettings,
    variants: Mapping[str, Sequence[str | Path]],
    task: Task,
    rows: Sequence[dict[str, Any]],
    sampling: Sampling,
    *,
    batch_size: int = 8,
    out_dir: str | Path | None = None,
) -> tuple[dict[str, TaskEval], list[dict[str, Any]]]:
    """Score each ``{name: [adapter, ...]}`` model (``[]`` = base) on ``rows``; returns (results, table rows)."""
    from ladderlib.models import Engine, load_with_adapters

    results: dict[str, TaskEval] = {}
    for name, adapters in variants.items():
        model, tok = load_with_adapters(model_settings, list(adapters))
        results[name] = evaluate_task(task, Engine(model, tok, batch_size=batch_size), rows, sampling, name=name,
                                      out_dir=out_dir)
        del model
        gc.collect()
    if out_dir is not None:
        from ladderlib.io import atomic_write_json

        atomic_write_json(Path(out_dir) / "summary.json", [r.summary() for r in results.values()])
    return results, results_table(results)
