"""Pure tensor pieces of PPO: masked statistics, GAE, clipped policy and value losses.

Shapes are ``(batch, time)``; ``mask`` is 1.0 on response tokens and 0.0 on query/padding. None of
these functions touch a model, so each is checked against hand-computed numbers in the tests.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = [
    "compute_gae",
    "entropy_from_logits",
    "logprobs_from_logits",
    "masked_mean",
    "masked_var",
    "masked_whiten",
    "policy_loss",
    "value_loss",
]


def masked_mean(x: torch.Tensor, mask: torch.Tensor, dim: int | None = None) -> torch.Tensor:
    """Mean of ``x`` over positions where ``mask`` is 1 (over all dims, or along ``dim``)."""
    mask = mask.to(x.dtype)
    if dim is None:
        return (x * mask).sum() / mask.sum().clamp_min(1e-8)
    return (x * mask).sum(dim) / mask.sum(dim).clamp_min(1e-8)


def masked_var(x: torch.Tensor, mask: torch.Tensor, unbiased: bool = True) -> torch.Tensor:
    """Variance of ``x`` over masked positions (Bessel-corrected by default, as in TRL)."""
    mean = masked_mean(x, mask)
    var = masked_mean((x - mean) ** 2, mask)
    if unbiased:
        n = mask.sum()
        if n < 2:
            return var
        var = var * n / (n - 1)
    return var


def masked_whiten(x: torch.Tensor, mask: torch.Tensor, shift_mean: bool = True, eps: float = 1e-8) -> torch.Tensor:
    """Normalise masked values to unit variance (and zero mean if ``shift_mean``); masked-out entries become 0."""
    mean, var = masked_mean(x, mask), masked_var(x, mask)
    out = (x - mean) * torch.rsqrt(var + eps)
    if not shift_mean:
        out = out + mean
    return out * mask.to(x.dtype)


def compute_gae(
    rewards: torch.Tensor, values: torch.Tensor, mask: torch.Tensor, gamma: float, lam: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Generalised advantage estimation over masked (contiguous) response tokens → ``(advantages, returns)``.

    ``delta_t = r_t + gamma * V_{t+1} - V_t`` with ``V`` = 0 past the last response token, and
    ``A_t = delta_t + gamma * lam * A_{t+1}``; returns are ``A + V``. Outside the mask both are 0.
    """
    mask = mask.to(values.dtype)
    rewards, values = rewards * mask, values * mask
    T = rewards.shape[-1]
    adv = torch.zeros_like(values)
    last = torch.zeros_like(values[..., 0])
    for t in reversed(range(T)):
        if t + 1 < T:
            next_mask = mask[..., t + 1]
            next_value = values[..., t + 1] * next_mask
        else:
            next_mask = torch.zeros_like(last)
            next_value = torch.zeros_like(last)
        delta = rewards[..., t] + gamma * next_value - values[..., t]
        last = (delta + gamma * lam * last * next_mask) * mask[..., t]
        adv[..., t] = last
    returns = (adv + values) * mask
    return adv, returns


def policy_loss(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    clip: float,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Clipped surrogate loss ``mean(max(-A·r, -A·clip(r, 1±clip)))`` → ``(loss, clip_fraction, approx_kl)``.

    ``approx_kl`` is ``mean(0.5·(logp - old_logp)²)`` (as in TRL's classic PPO); ``clip_fraction`` is the
    share of tokens where the clipped term was the active one.
    """
    log_ratio = logprobs - old_logprobs
    ratio = torch.exp(log_ratio)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - clip, 1.0 + clip)
    loss = masked_mean(torch.maximum(unclipped, clipped), mask)
    clip_frac = masked_mean((clipped > unclipped).to(logprobs.dtype), mask)
    approx_kl = masked_mean(0.5 * log_ratio.detach() ** 2, mask)
    return loss, clip_frac.detach(), approx_kl


def value_loss(
    values: torch.Tensor,
    old_values: torch.Tensor,
    returns: torch.Tensor,
    mask: torch.Tensor,
    clip: float,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Clipped value loss ``0.5·mean(max((V-R)², (V_clip-R)²))`` → ``(loss, clip_fraction)``.

    ``V_clip = old + clamp(V - old, -clip, clip)``, as in PPO2/TRL.
    """
    v_clipped = old_values + torch.clamp(values - old_values, -clip, clip)
    l1 = (values - returns) ** 2
    l2 = (v_clipped - returns) ** 2
    loss = 0.5 * masked_mean(torch.maximum(l1, l2), mask)
    clip_frac = masked_mean((l2 > l1).to(values.dtype), mask)
    return loss, clip_frac.detach()


def logprobs_from_logits(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Log-probability of each label under ``logits`` (``(..., vocab)`` and ``(...)`` → ``(...)``)."""
    logp = F.log_softmax(logits.float(), dim=-1)
    return torch.gather(logp, -1, labels.unsqueeze(-1)).squeeze(-1)


def entropy_from_logits(logits: torch.Tensor) -> torch.Tensor:
    """Entropy of the categorical distribution at each position (``(..., vocab)`` → ``(...)``)."""
    logp = F.log_softmax(logits.float(), dim=-1)
    return -(logp.exp() * logp).sum(-1)
