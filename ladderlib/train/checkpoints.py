"""Resumable trainer checkpoints: a settings fingerprint per work folder and a commit marker per checkpoint.

transformers writes ``checkpoint-N`` file by file, so a run killed mid-save leaves a half-written folder that
``get_last_checkpoint`` would pick. ``CommitCheckpoints`` (a ``TrainerCallback``) writes a marker into each
checkpoint once the trainer has finished saving it; resuming only trusts marked checkpoints and deletes the rest.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from ladderlib.io import atomic_write_json, atomic_write_text

FINGERPRINT = "ladder_fingerprint.json"
COMMITTED = "ladder_committed"
_CHECKPOINT_RE = re.compile(r"^checkpoint-(\d+)$")


class CheckpointMismatchError(ValueError):
    """Resume was asked for, but the checkpoints were written by a run with other settings or data."""


def committed_checkpoints(work_dir: str | Path) -> list[Path]:
    """Checkpoints in ``work_dir`` that were completely written, oldest first."""
    work_dir = Path(work_dir)
    if not work_dir.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in work_dir.iterdir() if (m := _CHECKPOINT_RE.match(p.name)) and p.is_dir()]
    return [p for _, p in sorted(found) if (p / COMMITTED).is_file()]


def drop_uncommitted(work_dir: str | Path) -> list[Path]:
    """Delete half-written checkpoints (no commit marker) left by a killed run; returns what was removed."""
    work_dir = Path(work_dir)
    if not work_dir.is_dir():
        return []
    removed = [p for p in work_dir.iterdir() if _CHECKPOINT_RE.match(p.name) and p.is_dir() and not (p / COMMITTED).is_file()]
    for p in removed:
        shutil.rmtree(p, ignore_errors=True)
    return removed


def fingerprint_differences(work_dir: str | Path, fingerprint: dict[str, Any]) -> list[str]:
    """Top-level keys whose value differs from the fingerprint stored in ``work_dir`` (all keys when none is)."""
    marker = Path(work_dir) / FINGERPRINT
    if not marker.is_file():
        return sorted(fingerprint)
    stored = json.loads(marker.read_text())
    return sorted(k for k in set(stored) | set(fingerprint) if stored.get(k) != fingerprint.get(k))


def prepare_work_dir(work_dir: str | Path, fingerprint: dict[str, Any], resume: bool, strict: bool = False) -> str | None:
    """Ready ``work_dir`` for training and return the checkpoint to resume from (None: start fresh).

    With ``resume``, the last committed checkpoint of a run with the same fingerprint is returned; a different
    fingerprint raises ``CheckpointMismatchError`` when ``strict`` and otherwise starts fresh. Without ``resume``
    old checkpoints are removed.
    """
    work_dir = Path(work_dir)
    checkpoint = None
    if resume:
        diff = fingerprint_differences(work_dir, fingerprint) if work_dir.exists() else []
        if diff and committed_checkpoints(work_dir):
            if strict:
                raise CheckpointMismatchError(
                    f"cannot resume from {work_dir}: its checkpoints were written with different {', '.join(diff)}"
                )
        elif not diff:
            drop_uncommitted(work_dir)
            done = committed_checkpoints(work_dir)
            checkpoint = str(done[-1]) if done else None
    if checkpoint is None:
        shutil.rmtree(work_dir, ignore_errors=True)
    work_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(work_dir / FINGERPRINT, fingerprint)
    return checkpoint


def checkpoint_step(checkpoint: str | Path | None) -> int:
    """The global step a ``checkpoint-N`` folder was saved at (0 for None)."""
    if checkpoint is None:
        return 0
    m = _CHECKPOINT_RE.match(Path(checkpoint).name)
    if not m:
        raise ValueError(f"not a checkpoint folder: {checkpoint}")
    return int(m.group(1))


def commit_callback() -> Any:
    """A ``TrainerCallback`` that marks each checkpoint complete once the trainer has saved it."""
    from transformers import TrainerCallback

    class CommitCheckpoints(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):  # noqa: ANN001 - transformers' callback signature
            path = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            if state.is_world_process_zero and path.is_dir():  # the process that wrote it, once it is done
                atomic_write_text(path / COMMITTED, f"{state.global_step}\n")
            return control

    return CommitCheckpoints()


def write_committed(root: str | Path, step: int, fill: Any) -> Path:
    """Write ``root/checkpoint-<step>`` atomically: ``fill(tmp_folder)`` writes the contents into a temporary
    folder, which is then marked committed and renamed into place in one step (nothing half-written is ever
    named ``checkpoint-N``); returns the final path."""
    import os

    from ladderlib.io import atomic_replace_dir

    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".tmp-checkpoint-{step}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        fill(tmp)
        atomic_write_text(tmp / COMMITTED, f"{step}\n")
        return atomic_replace_dir(tmp, root / f"checkpoint-{step}")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
