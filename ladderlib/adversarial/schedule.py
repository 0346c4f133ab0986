"""The stage-wise schedule of seed 003: for each training stage, per epoch, N discriminator steps (generator
frozen), N generator steps (discriminator frozen), then K steps alternating discriminator, generator, ...

The alternation runs on across epochs and stages (the first alternating step of the run is the
discriminator's, each later one the other role's), so an odd K does not hand every stage's last word to the
same role; with even K this is the same as restarting with the discriminator each time.

The schedule is a plain list fixed by the settings, so a resumed run knows exactly which step comes next, and
each step's training problems come from the step number alone (a seeded shuffle of the pool, walked in order).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, TypeVar

from ladderlib.config.adversarial import AdversarialSettings

T = TypeVar("T")


@dataclass(frozen=True)
class Step:
    """One schedule step: its global number (from 1), training stage, epoch (from 1), phase and trained role."""

    index: int
    stage: int
    epoch: int
    phase: str  # discriminator | generator | alternating
    role: str  # generator | discriminator
    ends_epoch: bool

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def build_schedule(settings: AdversarialSettings) -> list[Step]:
    """Every step of a run, in order."""
    fixed = ["discriminator"] * settings.n_discriminator_steps + ["generator"] * settings.n_generator_steps
    per_epoch = len(fixed) + settings.k_alternating_steps
    steps: list[Step] = []
    alternated = 0
    for stage in settings.stages:
        for epoch in range(1, settings.epochs_per_stage + 1):
            for j in range(per_epoch):
                if j < len(fixed):
                    phase, role = fixed[j], fixed[j]
                else:
                    phase, role = "alternating", ("discriminator", "generator")[alternated % 2]
                    alternated += 1
                steps.append(Step(len(steps) + 1, stage, epoch, phase, role, j == per_epoch - 1))
    return steps


def batch_for(pool: Sequence[T], step: int, batch_size: int, seed: int) -> list[T]:
    """The problems of step ``step`` (from 1): consecutive slices of a seeded shuffle of ``pool``, reshuffled
    (with the pass number mixed in) each time the pool is used up."""
    if not pool:
        raise ValueError("no training problems")
    out: list[T] = []
    position = (step - 1) * batch_size
    while len(out) < batch_size:
        rounds, offset = divmod(position, len(pool))
        order = list(range(len(pool)))
        random.Random(f"{seed}:{rounds}").shuffle(order)
        take = order[offset: offset + batch_size - len(out)]
        out.extend(pool[i] for i in take)
        position += len(take)
    return out
