"""Batched text generation with chat templates, shared by every notebook that samples from a model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch


def chat_prompt(tokenizer: Any, user: str, system: str | None = None) -> str:
    """Render one user message (and optional system prompt) with the tokenizer's chat template."""
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": user}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


@torch.no_grad()
def generate(
    model: Any,
    tokenizer: Any,
    prompts: Sequence[str],
    *,
    max_new_tokens: int = 256,
    temperature: float = 0.0,
    top_p: float = 1.0,
    batch_size: int = 8,
    chat: bool = True,
    system: str | None = None,
    seed: int | None = None,
) -> list[str]:
    """Complete each prompt; ``chat=True`` wraps raw user text in the chat template. Greedy when temperature is 0."""
    if seed is not None:
        torch.manual_seed(seed)
    texts = [chat_prompt(tokenizer, p, system) if chat else p for p in prompts]
    device = next(model.parameters()).device
    outputs: list[str] = []
    was_training = model.training
    model.eval()
    try:
        for start in range(0, len(texts), batch_size):
            batch = texts[start : start + batch_size]
            enc = tokenizer(batch, return_tensors="pt", padding=True, add_special_tokens=not chat).to(device)
            kwargs: dict[str, Any] = {"max_new_tokens": max_new_tokens, "pad_token_id": tokenizer.pad_token_id}
            if temperature > 0:
                kwargs.update(do_sample=True, temperature=temperature, top_p=top_p)
            else:
                kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
            out = model.generate(**enc, **kwargs)
            new = out[:, enc["input_ids"].shape[1] :]
            outputs.extend(tokenizer.batch_decode(new, skip_special_tokens=True))
    finally:
        model.train(was_training)
    return outputs


def make_generate_fn(
    model: Any, tokenizer: Any, *, batch_size: int = 8, system: str | None = None
) -> Callable[[list[str], float, int], list[str]]:
    """Adapt a loaded model to the plain ``generate_fn(prompts, temperature, max_new_tokens)`` callable."""

    def generate_fn(prompts: list[str], temperature: float, max_new_tokens: int) -> list[str]:
        return generate(
            model,
            tokenizer,
            prompts,
            max_new_tokens=max_new_tokens,
            temperature=temperature,
            batch_size=batch_size,
            system=system,
        )

    return generate_fn
