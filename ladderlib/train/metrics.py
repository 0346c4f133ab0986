"""Per-step training metrics as JSON lines: the run folder's ``metrics.jsonl`` next to TensorBoard's events.

transformers' own loggers cover TensorBoard and W&B; none writes plain JSON lines a notebook or a benchmark
can read without TensorBoard, so this small callback does. On resume, rows past the checkpoint are dropped
first so no step appears twice.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ladderlib.io import append_jsonl, read_jsonl, write_jsonl


def truncate_metrics(path: str | Path, after_step: int) -> int:
    """Drop rows with ``step > after_step``, and end-of-run rows (``final``), from a metrics file before a run
    resumes (the resumed run writes its own); returns rows kept."""
    path = Path(path)
    if not path.is_file():
        return 0
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:  # the line a killed run was writing
            continue
        if int(row.get("step", 0)) <= after_step and not row.get("final"):
            rows.append(row)
    write_jsonl(path, rows)
    return len(rows)


def _jsonable(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def metrics_callback(path: str | Path) -> Any:
    """A ``TrainerCallback`` appending ``{"step": N, **logs}`` to ``path`` at every logging step."""
    from transformers import TrainerCallback

    target = Path(path)

    class MetricsJSONLCallback(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: ANN001 - transformers' signature
            if logs and state.is_world_process_zero:
                row = {"step": int(state.global_step), **{k: _jsonable(v) for k, v in logs.items()}}
                append_jsonl(target, row)
            return control

    return MetricsJSONLCallback()


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a ``metrics.jsonl`` file (empty when it does not exist)."""
    path = Path(path)
    return read_jsonl(path) if path.is_file() else []


def tensorboard_callback(log_dir: str | Path) -> Any:
    """transformers' ``TensorBoardCallback`` writing to ``log_dir`` (transformers 5 has no ``logging_dir``)."""
    from torch.utils.tensorboard import SummaryWriter
    from transformers.integrations import TensorBoardCallback

    return TensorBoardCallback(tb_writer=SummaryWriter(log_dir=str(log_dir)))
