"""A compact PPO trainer for causal LMs (classic Ziegler et al. / TRL-0.x style), LoRA-friendly.

One ``step`` takes ``(query, response, score)`` triples and does:

1. one no-grad pass for the rollout log-probs and values, and one for the reference log-probs
   (the PEFT model with its adapter disabled, or a frozen copy when the model has no adapter);
2. per-token rewards ``-kl_coef * (logp - ref_logp)`` with the score added at the last response token;
3. GAE advantages (whitened over the batch) and returns;
4. ``ppo_epochs`` passes of shuffled mini-batches with the clipped policy loss plus
   ``vf_coef`` × the clipped value loss, gradient-norm clipping, AdamW;
5. the KL controller update with the batch's mean sequence KL (summed over response tokens).

The trainer logs every step to ``<output_dir>/metrics.jsonl`` and TensorBoard (``<output_dir>/tensorboard``),
saves committed checkpoints under ``<output_dir>/checkpoints/checkpoint-N`` (``ladderlib.rl.checkpoint``, the
convention every trainer here shares) and resumes from the latest one. Encoding and sampling helpers live in
``ladderlib.rl.rollout``. Dropout (LoRA dropout included) is off throughout, so rollout and update log-probs agree;
updates run in train mode otherwise, so gradient checkpointing still applies. Models whose attention
dropout is non-zero should set it to 0 for PPO.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from ladderlib.config.ppo import PPOConfig
from ladderlib.io import append_jsonl
from ladderlib.rl.kl import AdaptiveKLController, FixedKLController
from ladderlib.rl.losses import (
    compute_gae,
    entropy_from_logits,
    logprobs_from_logits,
    masked_mean,
    masked_whiten,
    policy_loss,
    value_loss,
)
from ladderlib.rl.rollout import RolloutMixin
from ladderlib.rl.value_head import CausalLMWithValueHead

__all__ = ["PPOConfig", "PPOTrainer"]


class PPOTrainer(RolloutMixin):
    """PPO on a causal LM (optionally PEFT/LoRA) with a value head; see the module docstring."""

    def __init__(
        self,
        model: nn.Module,
        config: PPOConfig | None = None,
        *,
        tokenizer: Any = None,
        ref_model: nn.Module | None = None,
        output_dir: str | Path | None = None,
        optimizer: torch.optim.Optimizer | None = None,
    ) -> None:
        self.config = config or PPOConfig()
        self.model = model if isinstance(model, CausalLMWithValueHead) else CausalLMWithValueHead(model)
        self.device = next(self.model.parameters()).device
        self.model.v_head.to(self.device)
        self.tokenizer = tokenizer
        if ref_model is not None:
            self.ref_model: nn.Module | None = ref_model
        elif self.model.is_peft:
            self.ref_model = None  # reference = same weights with the adapter disabled
        else:
            self.ref_model = copy.deepcopy(self.model.pretrained_model)
        if self.ref_model is not None:
            self.ref_model.eval().requires_grad_(False)
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = optimizer or torch.optim.AdamW(
            self.params, lr=self.config.learning_rate, eps=self.config.adam_eps, weight_decay=self.config.weight_decay
        )
        c = self.config
        self.kl_ctl: AdaptiveKLController | FixedKLController = (
            AdaptiveKLController(c.init_kl_coef, c.target_kl, c.kl_horizon)
            if c.adaptive_kl
            else FixedKLController(c.init_kl_coef)
        )
        self.step_count = 0
        self.output_dir = Path(output_dir) if output_dir is not None else None
        self._writer: Any = None
        self._purge_step: int | None = None
        self.last_rollout: list[dict[str, Any]] = []

    # ------------------------------------------------------------------ token ids and forward passes

    @property
    def pad_token_id(self) -> int:
        """Padding id: the tokenizer's, else the model config's, else 0 (padding is always masked)."""
        for src in (self.tokenizer, self.model.config):
            pid = getattr(src, "pad_token_id", None)
            if isinstance(pid, int):
                return pid
        return 0

    @property
    def eos_token_ids(self) -> set[int]:
        """End-of-sequence ids used to cut generated responses (tokenizer, else the model's generation config)."""
        eos = getattr(self.tokenizer, "eos_token_id", None)
        if eos is None:
            gen_cfg = getattr(self.model.pretrained_model, "generation_config", None)
            eos = getattr(gen_cfg, "eos_token_id", None)
        if eos is None:
            return set()
        return {int(e) for e in (eos if isinstance(eos, (list, tuple)) else [eos])}

    def _pad_right(self, queries: Sequence[torch.Tensor], responses: Sequence[torch.Tensor]):
        """Concatenate and right-pad → ``input_ids``, ``attention_mask`` (B, L) and response mask (B, L-1)."""
        seqs = [torch.cat([q.reshape(-1), r.reshape(-1)]).long() for q, r in zip(queries, responses, strict=True)]
        L = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), L), self.pad_token_id, dtype=torch.long)
        attn = torch.zeros((len(seqs), L), dtype=torch.long)
        mask = torch.zeros((len(seqs), L - 1), dtype=torch.float32)
        for i, (s, q, r) in enumerate(zip(seqs, queries, responses, strict=True)):
            ids[i, : len(s)] = s
            attn[i, : len(s)] = 1
            # the token at position t is predicted by the logits at t-1 (shifted coordinates)
            mask[i, q.numel() - 1 : q.numel() - 1 + r.numel()] = 1.0
        return ids.to(self.device), attn.to(self.device), mask.to(self.device)

    def _policy_forward(self, ids: torch.Tensor, attn: torch.Tensor):
        """Policy pass → ``(logprobs (B, L-1), values (B, L-1), logits (B, L-1, V))``."""
        logits, values = self.model(ids, attn)
        logits = logits[:, :-1].float() / self.config.temperature
        return logprobs_from_logits(logits, ids[:, 1:]), values[:, :-1].float(), logits

    @torch.no_grad()
    def _ref_logprobs(self, ids: torch.Tensor, attn: torch.Tensor) -> torch.Tensor:
        """Reference-policy log-probs (adapter disabled, or the frozen copy)."""
        if self.ref_model is not None:
            logits = self.ref_model(input_ids=ids, attention_mask=attn, use_cache=False).logits
        else:
            with self.model.adapter_disabled():
                logits = self.model.pretrained_model(input_ids=ids, attention_mask=attn, use_cache=False).logits
        logits = logits[:, :-1].float() / self.config.temperature
        return logprobs_from_logits(logits, ids[:, 1:])

    def _update_mode(self) -> None:
        """Train mode (so gradient checkpointing, if enabled, is active) with every dropout layer off."""
        self.model.train()
        for m in self.model.modules():
            if isinstance(m, nn.Dropout):
                m.eval()

    # ------------------------------------------------------------------ the PPO step

    def step(
        self, queries: Sequence[torch.Tensor], responses: Sequence[torch.Tensor], scores: Sequence[float] | torch.Tensor
    ) -> dict[str, float]:
        """One PPO update on a batch of (query ids, response ids, scalar score); returns the logged stats."""
        c = self.config
        n = len(queries)
        if not (n == len(responses) == len(scores)) or n == 0:
            raise ValueError(f"need equally many (>0) queries/responses/scores, got {n}/{len(responses)}/{len(scores)}")
        if any(r.numel() == 0 for r in responses) or any(q.numel() == 0 for q in queries):
            raise ValueError("empty query or response")
        t0 = time.time()
        self.model.eval()  # rollout statistics without dropout
        score_t = torch.as_tensor([float(s) for s in scores], dtype=torch.float32, device=self.device)
        if c.score_clip is not None:
            score_t = score_t.clamp(-c.score_clip, c.score_clip)
        ids, attn, mask = self._pad_right(queries, responses)
        mb = c.mini_batch_size

        with torch.no_grad():
            old_logp, old_values, ref_logp = [], [], []
            for s in range(0, n, mb):
                lp, v, _ = self._policy_forward(ids[s : s + mb], attn[s : s + mb])
                old_logp.append(lp)
                old_values.append(v)
                ref_logp.append(self._ref_logprobs(ids[s : s + mb], attn[s : s + mb]))
            old_logp, old_values, ref_logp = torch.cat(old_logp), torch.cat(old_values), torch.cat(ref_logp)
            kl_coef = float(self.kl_ctl.value)
            kl_tok = (old_logp - ref_logp) * mask
            rewards = -kl_coef * kl_tok
            last = mask.shape[1] - 1 - mask.flip(1).argmax(1)  # index of the last response token
            rewards[torch.arange(n, device=self.device), last] += score_t
            advantages, returns = compute_gae(rewards, old_values, mask, c.gamma, c.lam)
            if c.whiten_advantages:
                advantages = masked_whiten(advantages, mask)

        self._update_mode()
        gen = torch.Generator().manual_seed(c.seed * 1_000_003 + self.step_count)
        acc: dict[str, list[float]] = {k: [] for k in ("pl", "vl", "cf", "vcf", "akl", "ent", "gn")}
        for _ in range(c.ppo_epochs):
            perm = torch.randperm(n, generator=gen).to(self.device)
            for s in range(0, n, mb):
                idx = perm[s : s + mb]
                logp, values, logits = self._policy_forward(ids[idx], attn[idx])
                m = mask[idx]
                pl, cf, akl = policy_loss(logp, old_logp[idx], advantages[idx], m, c.cliprange)
                vl, vcf = value_loss(values, old_values[idx], returns[idx], m, c.cliprange_value)
                loss = pl + c.vf_coef * vl
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if c.max_grad_norm is not None:
                    gn = torch.nn.utils.clip_grad_norm_(self.params, c.max_grad_norm)
                else:
                    gn = torch.norm(torch.stack([p.grad.norm() for p in self.params if p.grad is not None]))
                self.optimizer.step()
                with torch.no_grad():
                    ent = masked_mean(entropy_from_logits(logits), m)
                for k, v in zip(acc, (pl, vl, cf, vcf, akl, ent, gn), strict=True):
                    acc[k].append(float(v.detach()))
        self.optimizer.zero_grad(set_to_none=True)
        self.model.eval()

        seq_kl = kl_tok.sum(1)
        mean_kl = float(seq_kl.mean())
        self.kl_ctl.update(mean_kl, n)
        self.step_count += 1
        mean = lambda xs: float(np.mean(xs))  # noqa: E731
        stats = {
            "step": self.step_count,
            "reward_mean": float(score_t.mean()),
            "reward_std": float(score_t.std(unbiased=False)),
            "total_reward_mean": float((rewards.sum(1)).mean()),
            "kl": mean_kl,
            "kl_coef": kl_coef,
            "kl_coef_next": float(self.kl_ctl.value),
            "policy_loss": mean(acc["pl"]),
            "value_loss": mean(acc["vl"]),
            "clip_fraction": mean(acc["cf"]),
            "value_clip_fraction": mean(acc["vcf"]),
            "approx_kl": mean(acc["akl"]),
            "entropy": mean(acc["ent"]),
            "grad_norm": mean(acc["gn"]),
            "value_mean": float(masked_mean(old_values, mask)),
            "returns_mean": float(masked_mean(returns, mask)),
            "response_length": float(mask.sum(1).mean()),
            "time_s": time.time() - t0,
        }
        self._log(stats)
        if self.output_dir is not None and c.save_every and self.step_count % c.save_every == 0:
            self.save_checkpoint()
        return stats

    # ------------------------------------------------------------------ logging

    def _log(self, stats: dict[str, float]) -> None:
        if self.output_dir is None:
            return
        append_jsonl(self.output_dir / "metrics.jsonl", stats)
        if self._writer is None:
            from torch.utils.tensorboard import SummaryWriter

            self._writer = SummaryWriter(str(self.output_dir / "tensorboard"), purge_step=self._purge_step)
        for k, v in stats.items():
            if k != "step":
                self._writer.add_scalar(f"ppo/{k}", v, stats["step"])
        self._writer.flush()

    def close(self) -> None:
        """Flush and close the TensorBoard writer."""
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    # ------------------------------------------------------------------ checkpoints

    def save_checkpoint(self) -> Path:
        """Write a committed ``checkpoints/checkpoint-N`` (see ``ladderlib.rl.checkpoint``); returns its path."""
        from ladderlib.rl.checkpoint import save_checkpoint

        return save_checkpoint(self)

    def resume(self, checkpoint: str | Path | None = None) -> int:
        """Load the given (or newest committed) checkpoint and return its step (0 if there is none)."""
        from ladderlib.rl.checkpoint import resume

        return resume(self, checkpoint)
