"""Model variant source: prompts a generator for easier variants and extracts candidate texts.

The core needs only a plain callable ``generate_fn(prompts, temperature, max_new_tokens) -> texts``;
``format_prompt`` turns the user message into what ``generate_fn`` expects (identity by default).
``hf_generate_fn`` adapts a transformers model + tokenizer to that callable (chat template, left
padding, sampling seeded with ``torch.manual_seed`` per call so a seeded run repeats exactly).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ladderlib.variants.extract import extract_candidates
from ladderlib.variants.prompts import build_prompt, persona_for, sample_hints, temperature_for

GenerateFn = Callable[[list[str], float, int], list[str]]


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
    generate_fn: GenerateFn,
    max_new_tokens: int,
    variable: str | None,
    format_prompt: Callable[[str], str] | None = None,
    variables: Sequence[str] | None = None,
) -> list[list[ModelProposal]]:
    """Generate (one call per temperature, in first-seen order) and extract candidates per request.

    ``variables`` gives each request's integration variable (default: ``variable`` for all).
    """
    fmt = format_prompt or (lambda s: s)
    outputs: dict[int, str] = {}
    temps: list[float] = []
    for r in requests:
        if r.temperature not in temps:
            temps.append(r.temperature)
    for t in temps:
        idx = [i for i, r in enumerate(requests) if r.temperature == t]
        texts = generate_fn([fmt(requests[i].prompt) for i in idx], t, max_new_tokens)
        if len(texts) != len(idx):
            raise ValueError(f"generate_fn returned {len(texts)} texts for {len(idx)} prompts")
        outputs.update(zip(idx, texts))
    result: list[list[ModelProposal]] = []
    for i, r in enumerate(requests):
        var = variables[i] if variables is not None else (variable or "x")
        cands = extract_candidates(outputs[i] or "", var)
        result.append([ModelProposal(r.parent_id, c, r.persona, r.temperature, r.hints) for c in cands])
    return result


class HFGenerateFn:
    """``generate_fn`` over a transformers causal LM; call ``reseed(seed)`` to restart its seeded stream."""

    def __init__(self, model: Any, tokenizer: Any, batch_size: int = 8, seed: int | None = None,
                 apply_chat_template: bool = True) -> None:
        self.model, self.tokenizer, self.batch_size = model, tokenizer, batch_size
        self.apply_chat_template = apply_chat_template
        self.seed: int | None = seed
        self._calls = 0

    def reseed(self, seed: int | None) -> None:
        """Seed the sampling stream: the n-th call after this uses ``torch.manual_seed(seed + n)``."""
        self.seed, self._calls = seed, 0

    def _format(self, prompt: str) -> str:
        tok = self.tokenizer
        if not self.apply_chat_template or getattr(tok, "chat_template", None) is None:
            return prompt
        if "<|im_start|>" in prompt or "<|start_header_id|>" in prompt:  # already chat-formatted
            return prompt
        return tok.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False, add_generation_prompt=True)

    def __call__(self, prompts: list[str], temperature: float, max_new_tokens: int) -> list[str]:
        import torch

        if self.seed is not None:
            torch.manual_seed(self.seed + self._calls)
        self._calls += 1
        tok, model = self.tokenizer, self.model
        old_side = tok.padding_side
        tok.padding_side = "left"
        pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        texts = [self._format(p) for p in prompts]
        device = next(model.parameters()).device
        out: list[str] = []
        was_training = model.training
        model.eval()
        try:
            for start in range(0, len(texts), self.batch_size):
                batch = texts[start:start + self.batch_size]
                enc = tok(batch, return_tensors="pt", padding=True, add_special_tokens=False).to(device)
                sample = temperature > 0
                with torch.inference_mode():
                    gen = model.generate(
                        **enc, max_new_tokens=max_new_tokens, do_sample=sample,
                        temperature=temperature if sample else None, pad_token_id=pad_id,
                    )
                new = gen[:, enc["input_ids"].shape[1]:]
                out += tok.batch_decode(new, skip_special_tokens=True)
        finally:
            tok.padding_side = old_side
            model.train(was_training)
        return out


def hf_generate_fn(model: Any, tokenizer: Any, batch_size: int = 8, seed: int | None = None) -> HFGenerateFn:
    """Adapt a transformers model + tokenizer to ``generate_fn`` (chat template, left padding, seeded)."""
    return HFGenerateFn(model, tokenizer, batch_size=batch_size, seed=seed)
