"""Prompt building for model-proposed variants: personas, transformation hints, temperature cycle.

As in the LADDER paper, each prompt asks the model for a few *easier* variants of one integrand (and
allows an occasional equivalent one), names 3-5 transformation hints sampled from ``HINTS``, speaks
in a rotating persona, and asks for a machine-readable format: one integrand per line inside
``<variant>...</variant>`` tags. ``ladderlib.ladder.variants.extract`` copes with models that ignore it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence


FORMAT_EXAMPLE = "x*sin(x)"


def temperature_for(index: int, temperatures: Sequence[float]) -> float:
    """The temperature of the ``index``-th prompt: cycle through ``temperatures``."""
    if not temperatures:
        raise ValueError("temperatures must not be empty")
    return float(temperatures[index % len(temperatures)])


def persona_for(index: int, personas: Sequence[str]) -> str:
    """The persona of the ``index``-th prompt: rotate through ``personas``."""
    if not personas:
        raise ValueError("personas must not be empty")
    return personas[index % len(personas)]


def sample_hints(rng: random.Random, hints: Sequence[str], lo: int, hi: int) -> list[str]:
    """Sample between ``lo`` and ``hi`` distinct hints (inclusive), in a seeded random order."""
    k = rng.randint(lo, hi)
    return rng.sample(list(hints), min(k, len(hints)))


def build_prompt(integrand: str, variable: str, n_variants: int, persona: str, hints: Sequence[str]) -> str:
    """The user message asking for ``n_variants`` easier variants of ``integrand`` d``variable``."""
    hint_lines = "\n".join(f"- {h}" for h in hints)
    example = FORMAT_EXAMPLE.replace("x", variable)
    return (
        f"{persona}\n"
        f"Here is a hard integral: integrate {integrand} d{variable}.\n"
        f"Write {n_variants} easier integrals that help a student build up to it "
        f"(one of them may be of the same difficulty). Ideas:\n{hint_lines}\n"
        f"Do not solve them. Write only the integrand, in Python syntax (** for powers, exp, log, sin), "
        f"one per line inside tags, like:\n<variant>{example}</variant>"
    )
