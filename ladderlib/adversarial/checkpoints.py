"""Adversarial checkpoints: committed ``checkpoints/checkpoint-N`` folders (the shared convention of
``ladderlib.train.checkpoints``), each with the seed's metadata, and ``checkpoints/checkpoint_best``.

A checkpoint is written after every stage epoch (and every ``save_every`` steps) into a temporary folder:
``generator/`` and ``discriminator/`` (PEFT adapter, value head, optimizer; the generator folder also holds the
tokenizer), ``rng_state.pt``, ``trainer_state.json`` (global step, each role's PPO step and KL controller,
the settings fingerprint) and ``metadata.json`` (the seed's: stage, epoch, rewards, test validity, settings,
timestamp, score); then it is marked committed and renamed into place in one step.

``checkpoint_best`` is a copy of the stage-epoch checkpoint with the highest
``0.7 * generator_reward + 0.3 * test_validity`` (training rewards, never test numbers), replaced atomically.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

from ladderlib.io import atomic_replace_dir, atomic_write_json
from ladderlib.train.checkpoints import (
    COMMITTED,
    checkpoint_step,
    committed_checkpoints,
    drop_uncommitted,
    write_committed,
)

CHECKPOINTS = "checkpoints"
BEST = "checkpoint_best"
METADATA = "metadata.json"
STATE = "trainer_state.json"
GENERATOR_WEIGHT, VALIDITY_WEIGHT = 0.7, 0.3  # the seed's best-checkpoint score


class CheckpointError(ValueError):
    """A checkpoint that cannot be used (missing, half-written, from other settings); the message says which."""


def best_score(generator_reward: float, validity: float) -> float:
    """The seed's checkpoint score: ``0.7 * generator_reward + 0.3 * test_validity``."""
    return GENERATOR_WEIGHT * generator_reward + VALIDITY_WEIGHT * validity


def save(roles: Any, out_dir: Path, step: int, metadata: dict[str, Any], state: dict[str, Any]) -> Path:
    """Write the committed ``checkpoint-<step>`` (see the module docstring); returns its path."""
    import torch

    from ladderlib.rl.checkpoint import rng_state

    def fill(tmp: Path) -> None:
        roles.save(tmp)
        torch.save(rng_state(), tmp / "rng_state.pt")
        atomic_write_json(tmp / STATE, {**state, "step": step, "roles": roles.trainer_state()})
        atomic_write_json(tmp / METADATA, {**metadata, "step": step, "timestamp": time.time(),
                                           "time": time.strftime("%Y-%m-%dT%H:%M:%S%z")})

    return write_committed(out_dir / CHECKPOINTS, step, fill)


def read_metadata(checkpoint: Path) -> dict[str, Any]:
    """The ``metadata.json`` of a checkpoint folder."""
    return json.loads((Path(checkpoint) / METADATA).read_text())


def resolve(checkpoint: str | Path) -> Path:
    """A checkpoint folder from a user path (the folder or its ``metadata.json``); refuses anything that is not
    a complete adversarial checkpoint, naming the path and why."""
    path = Path(checkpoint)
    if path.is_file() and path.name == METADATA:
        path = path.parent
    if not path.exists():
        raise CheckpointError(f"checkpoint {path} does not exist")
    if not path.is_dir() or not (path / COMMITTED).is_file():
        raise CheckpointError(f"{path} is not a complete adversarial checkpoint (no commit marker {COMMITTED})")
    if not (path / "generator" / "adapter_config.json").is_file() or not (path / METADATA).is_file():
        raise CheckpointError(f"{path} lacks generator/adapter_config.json or {METADATA}: not an adversarial checkpoint")
    return path


def restore(roles: Any, checkpoint: Path) -> dict[str, Any]:
    """Load a checkpoint into ``roles`` (weights, value heads, optimizers, KL, RNG); returns its trainer state."""
    import torch

    from ladderlib.rl.checkpoint import set_rng_state

    state = json.loads((checkpoint / STATE).read_text())
    if checkpoint.name != BEST and checkpoint_step(checkpoint) != int(state["step"]):
        raise CheckpointError(f"{checkpoint}: folder name and {STATE} disagree on the step")
    roles.load(checkpoint, state["roles"])
    set_rng_state(torch.load(checkpoint / "rng_state.pt", weights_only=True))
    return state


def clean(out_dir: Path, after_step: int | None = None) -> None:
    """Remove half-written checkpoints (and, with ``after_step``, committed ones past it: a run resumed from an
    earlier checkpoint abandons its later ones)."""
    root = out_dir / CHECKPOINTS
    drop_uncommitted(root)
    for leftover in [*root.glob(".tmp-checkpoint-*"), *root.glob(".tmp-best-*")] if root.is_dir() else []:
        shutil.rmtree(leftover, ignore_errors=True)
    if after_step is not None:
        for ckpt in committed_checkpoints(root):
            if checkpoint_step(ckpt) > after_step:
                shutil.rmtree(ckpt, ignore_errors=True)


def refresh_best(out_dir: Path) -> Path | None:
    """Make ``checkpoint_best`` a copy of the best stage-epoch checkpoint on disk (ties: the earlier one);
    returns it (None when there is none yet)."""
    root = out_dir / CHECKPOINTS
    best_path = root / BEST
    candidates = [(read_metadata(c), c) for c in committed_checkpoints(root)]
    candidates = [(m, c) for m, c in candidates if m.get("ends_epoch")]
    if not candidates:
        shutil.rmtree(best_path, ignore_errors=True)
        return None
    meta, source = max(candidates, key=lambda mc: (mc[0]["score"], -mc[0]["step"]))
    if best_path.is_dir() and (best_path / METADATA).is_file() and read_metadata(best_path).get("step") == meta["step"]:
        return best_path
    tmp = root / f".tmp-best-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(source, tmp)
    atomic_write_json(tmp / METADATA, {**meta, "best_of": str(source.name)})
    return atomic_replace_dir(tmp, best_path)
