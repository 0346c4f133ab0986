"""PPO checkpoints on the shared convention (``ladderlib.train.checkpoints``): committed ``checkpoint-N`` folders.

A checkpoint is written into a temporary folder (policy adapter and value head, optimizer, RNG state,
``trainer_state.json``), marked committed, then renamed into ``<output_dir>/checkpoints/checkpoint-N`` in one
step; resuming trusts only committed checkpoints, deletes half-written ones, and cuts ``metrics.jsonl`` back to
the checkpoint's step (a torn last line, from a kill mid-write, is dropped), so no step is logged twice.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ladderlib.io import atomic_write_json
from ladderlib.train.checkpoints import checkpoint_step, committed_checkpoints, drop_uncommitted, write_committed
from ladderlib.train.metrics import truncate_metrics

STATE_FILE = "trainer_state.json"
CHECKPOINTS = "checkpoints"


def latest_checkpoint(output_dir: str | Path) -> Path | None:
    """The newest committed checkpoint under ``<output_dir>/checkpoints``, or ``None``."""
    done = committed_checkpoints(Path(output_dir) / CHECKPOINTS)
    return done[-1] if done else None


def rng_state() -> dict[str, Any]:
    """Python, NumPy, torch (and CUDA) random states, for a checkpoint."""
    np_state = np.random.get_state()
    state: dict[str, Any] = {
        "python": random.getstate(),
        "numpy": (np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *np_state[2:]),
        "torch": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict[str, Any]) -> None:
    """Restore the random states ``rng_state`` captured."""
    random.setstate(state["python"])
    kind, keys, *rest = state["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), *rest))
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save_checkpoint(trainer: Any) -> Path:
    """Write ``checkpoints/checkpoint-N`` for the trainer's current step, committed, in one rename; prune old ones."""
    if trainer.output_dir is None:
        raise ValueError("save_checkpoint needs output_dir")
    root = trainer.output_dir / CHECKPOINTS

    def fill(tmp: Path) -> None:
        trainer.model.save_pretrained(tmp / "policy")
        torch.save(trainer.optimizer.state_dict(), tmp / "optimizer.pt")
        torch.save(rng_state(), tmp / "rng_state.pt")
        atomic_write_json(tmp / STATE_FILE, {
            "step": trainer.step_count, "kl_ctl": trainer.kl_ctl.state_dict(), "config": trainer.config.model_dump(),
            "peft": trainer.model.is_peft, "saved_at": time.time(),
        })

    final = write_committed(root, trainer.step_count, fill)
    for old in committed_checkpoints(root)[: -trainer.config.keep_checkpoints]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def resume(trainer: Any, checkpoint: str | Path | None = None) -> int:
    """Load the given (or newest committed) checkpoint into ``trainer``; returns its step (0 when there is none).

    Restores policy weights, value head, optimizer, KL controller, step counter and RNG state, and cuts
    ``metrics.jsonl`` back to that step.
    """
    if trainer.output_dir is not None:
        root = trainer.output_dir / CHECKPOINTS
        drop_uncommitted(root)
        for d in root.glob(".tmp-checkpoint-*"):  # leftovers of a run killed mid-save
            shutil.rmtree(d, ignore_errors=True)
    if checkpoint is None:
        checkpoint = latest_checkpoint(trainer.output_dir) if trainer.output_dir is not None else None
    if checkpoint is None:
        if trainer.output_dir is not None:
            truncate_metrics(trainer.output_dir / "metrics.jsonl", 0)
        return 0
    ckpt = Path(checkpoint)
    state = json.loads((ckpt / STATE_FILE).read_text())
    trainer.model.load_adapter_weights(ckpt / "policy")
    trainer.model.load_value_head(ckpt / "policy")
    trainer.optimizer.load_state_dict(torch.load(ckpt / "optimizer.pt", map_location=trainer.device, weights_only=True))
    trainer.kl_ctl.load_state_dict(state["kl_ctl"])
    trainer.step_count = int(state["step"])
    if checkpoint_step(ckpt) != trainer.step_count:
        raise ValueError(f"{ckpt}: folder name and trainer_state.json disagree on the step")
    set_rng_state(torch.load(ckpt / "rng_state.pt", weights_only=True))
    if trainer.output_dir is not None:
        truncate_metrics(trainer.output_dir / "metrics.jsonl", trainer.step_count)
        trainer.close()
        trainer._purge_step = trainer.step_count + 1
    return trainer.step_count
