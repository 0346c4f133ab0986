"""A tiny random Llama and a "say the target token" task: PPO's smoke test, in tests and notebooks.

With reward ``1[token == target]`` (fraction of matching tokens for longer responses) the optimal
policy is known in closed form: without a KL penalty it always emits ``target``; with a penalty
``beta`` on a one-token response it is ``p(t) ∝ ref(t) · exp(1[t == target] / beta)``.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence

import torch
from torch import nn

__all__ = [
    "exact_next_token_kl",
    "kl_optimal_beta",
    "next_token_probs",
    "single_thread",
    "target_token_reward",
    "tiny_llama",
]


def tiny_llama(
    seed: int = 0,
    vocab_size: int = 16,
    lora: bool = False,
    lora_r: int = 8,
    lora_targets: Sequence[str] = ("q_proj", "v_proj", "lm_head"),
) -> nn.Module:
    """A seeded 2-layer, 32-wide random ``LlamaForCausalLM`` (pad 0, no EOS), optionally with a PEFT LoRA.

    ``lm_head`` is among the LoRA targets by default: with RMS-normed hidden states and a 0.02-scale
    random head, the trunk alone cannot move the logits far enough to make one token likely.
    """
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    cfg = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        pad_token_id=0,
        bos_token_id=None,
        eos_token_id=None,
    )
    model = LlamaForCausalLM(cfg)
    if lora:
        from peft import LoraConfig, get_peft_model

        model = get_peft_model(
            model, LoraConfig(r=lora_r, lora_alpha=2 * lora_r, target_modules=list(lora_targets), lora_dropout=0.0)
        )
    return model


def target_token_reward(target: int) -> Callable[[list, list[torch.Tensor]], list[float]]:
    """``reward_fn(prompts, responses)`` giving the fraction of response tokens equal to ``target``."""

    def reward_fn(prompts: list, responses: list[torch.Tensor]) -> list[float]:
        return [float((r == target).float().mean()) for r in responses]

    return reward_fn


def _unwrap(model: nn.Module) -> nn.Module:
    return getattr(model, "pretrained_model", model)


@torch.no_grad()
def next_token_probs(model: nn.Module, prompt: torch.Tensor, reference: bool = False) -> torch.Tensor:
    """Next-token distribution after ``prompt`` (policy, or with ``reference=True`` the PEFT base with its adapter disabled)."""
    lm = _unwrap(model)
    ids = prompt.reshape(1, -1).to(next(lm.parameters()).device)
    ctx = lm.disable_adapter() if reference else contextlib.nullcontext()
    with ctx:
        logits = lm(input_ids=ids).logits[0, -1].float()
    return torch.softmax(logits, -1).cpu()


def exact_next_token_kl(policy: nn.Module, prompt: torch.Tensor, reference: nn.Module | None = None) -> float:
    """Exact KL(policy || reference) of the next-token distribution after ``prompt`` (reference: adapter disabled if None)."""
    p = next_token_probs(policy, prompt)
    q = next_token_probs(reference, prompt) if reference is not None else next_token_probs(policy, prompt, reference=True)
    return float((p * (p.clamp_min(1e-30).log() - q.clamp_min(1e-30).log())).sum())


def kl_optimal_beta(ref_target_prob: float, target_kl: float) -> float:
    """The KL coefficient whose optimal one-token policy ``ref·exp(1[target]/beta)`` has KL = ``target_kl`` (bisection)."""
    r = ref_target_prob

    def kl_of(beta: float) -> float:
        w = r * math.exp(min(1.0 / beta, 700.0))
        p = w / (w + 1 - r)
        return p * math.log(p / r) + (1 - p) * math.log(max(1 - p, 1e-300) / (1 - r))

    lo, hi = 1e-3, 1e3  # kl_of decreases in beta
    for _ in range(200):
        mid = math.sqrt(lo * hi)
        if kl_of(mid) > target_kl:
            lo = mid
        else:
            hi = mid
    return math.sqrt(lo * hi)


@contextlib.contextmanager
def single_thread() -> Iterator[None]:
    """Run torch on one CPU thread inside the block (tiny models are faster, and immune to busy shared cores)."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n)
