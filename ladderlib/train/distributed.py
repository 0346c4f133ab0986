"""Rank awareness for runs under ``accelerate launch`` (or ``torchrun``): one process writes the run folder.

The trainers (transformers/TRL) already shard the data with a seeded sampler, synchronise gradients and save
checkpoints from the main process; what they do not know about are our own side effects: preparing the
output folder, held-out evaluations, ``metrics.jsonl``, TensorBoard events, commit markers, the final adapter
and ``summary.json``. Those go through here: the main process does them, the others wait at a barrier and
receive the outcome (``main_then_share``). The launcher's ``WORLD_SIZE``/``RANK`` environment says whether a
run is distributed, so a single-process run never starts a process group.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


def world_size() -> int:
    """Processes in this run (1 without a launcher)."""
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    """This process's global rank (0 without a launcher)."""
    return int(os.environ.get("RANK", "0"))


def is_main() -> bool:
    """True on the process that writes the run folder."""
    return rank() == 0


def _state() -> Any:
    """accelerate's process state (initialises the process group on first use: gloo on CPU, NCCL on GPUs)."""
    from accelerate import PartialState

    return PartialState()


def barrier() -> None:
    """Wait for every process (nothing in a single-process run)."""
    if world_size() > 1:
        _state().wait_for_everyone()


def main_then_share(fn: Callable[[], T]) -> T:
    """Run ``fn`` on the main process only and give its result to every process; an exception on the main
    process is raised on all of them (so no process waits forever at a barrier)."""
    if world_size() == 1:
        return fn()
    from accelerate.utils import broadcast_object_list

    _state()
    box: list[Any] = [None]
    if is_main():
        try:
            box[0] = ("ok", fn())
        except Exception as exc:  # noqa: BLE001 - re-raised below, on every rank
            box[0] = ("error", exc)
    broadcast_object_list(box, from_process=0)
    status, value = box[0]
    if status == "error":
        raise value
    return value
