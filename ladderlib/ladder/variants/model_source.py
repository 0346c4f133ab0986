"""Model variant source: prompts a generator for easier variants and extracts candidate texts.

The generator is any ``GenerateFn`` (``ladderlib.models.generation``; an ``Engine`` for a transformers model).
Each call of one level is seeded from the tree seed, the level and the temperature, so a seeded forest repeats
exactly whatever calls came before.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ladderlib.ladder.variants.extract import extract_candidates
from ladderlib.ladder.variants.prompts import build_prompt, persona_for, sample_hints, temperature_for
from ladderlib.models.generation import GenerateFn, Sampling, mix_seed


@dataclass(frozen=True)
class PromptRequest:
    """One prompt for one parent node."""

    parent_id: str
    integrand: str
    prompt: str
    persona: str
    temperature: float
    hints: tuple[str, ...]


@dataclass(frozen=True)
class ModelProposal:
    """One candidate text extracted from a model output, with the prompt settings that produced it."""

    parent_id: str
    text: str
    persona: str
    temperature: float
    hints: tuple[str, ...]


def build_requests(
    parents: Sequence[tuple[str, str]], variable: str, settings: Any, rng: random.Random, start_index: int
) -> list[PromptRequest]:
    """Prompts for ``parents`` (``(node_id, integrand)`` pairs): persona/temperature cycle from ``start_index``."""
    out: list[PromptRequest] = []
    i = start_index
    lo, hi = settings.hints_per_prompt
    for parent_id, integrand in parents:
        for _ in range(settings.prompts_per_node):
            persona = persona_for(i, settings.personas)
            temperature = temperature_for(i, settings.temperatures)
            hints = tuple(sample_hints(rng, settings.hints, lo, hi))
            prompt = build_prompt(integrand, variable, settings.breadth, persona, hints)
            out.append(PromptRequest(parent_id, integrand, prompt, persona, temperature, hints))
            i += 1
    return out


def run_requests(
    requests: Sequence[PromptRequest],
    generate: GenerateFn,
    max_new_tokens: int,
    variables: Sequence[str],
    seed: int | None = None,
) -> list[list[ModelProposal]]:
    """Generate (one call per temperature, in first-seen order) and extract candidates per request.

    ``variables`` gives each request's integration variable; call ``k`` is seeded ``mix_seed(seed, k)``.
    """
    outputs: dict[int, str] = {}
    temps: list[float] = []
    for r in requests:
        if r.temperature not in temps:
            temps.append(r.temperature)
    for k, t in enumerate(temps):
        idx = [i for i, r in enumerate(requests) if r.temperature == t]
        sampling = Sampling(max_new_tokens=max_new_tokens, temperature=t,
                            seed=None if seed is None else mix_seed(seed, k))
        texts = generate([requests[i].prompt for i in idx], sampling)
        if len(texts) != len(idx):
            raise ValueError(f"the generator returned {len(texts)} texts for {len(idx)} prompts")
        outputs.update(zip(idx, texts))
    result: list[list[ModelProposal]] = []
    for i, r in enumerate(requests):
        cands = extract_candidates(outputs[i] or "", variables[i])
        result.append([ModelProposal(r.parent_id, c, r.persona, r.temperature, r.hints) for c in cands])
    return result
