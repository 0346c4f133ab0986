"""Turning text into PPO steps: prompt/response encoding, sampling from the policy, offline and online loops.

A mixin of ``PPOTrainer`` (``ladderlib.rl.ppo``): it needs the trainer's ``tokenizer``, ``model``, ``config``,
``pad_token_id``, ``eos_token_ids`` and ``step``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import torch


class RolloutMixin:
    """Encoding and sampling helpers around ``PPOTrainer.step``."""

    def encode_prompt(self, prompt: str) -> torch.Tensor:
        """Prompt ids of a user message, rendered as the generation engine renders it (chat template when there is one)."""
        from ladderlib.models.generation import encode

        return torch.tensor(encode(self._need_tokenizer(), prompt), dtype=torch.long)

    def encode_response(self, response: str, add_eos: bool = True) -> torch.Tensor:
        """Response ids (no special tokens), with the tokenizer's EOS appended unless already there."""
        tok = self._need_tokenizer()
        ids = list(tok(response, add_special_tokens=False)["input_ids"])
        eos = getattr(tok, "eos_token_id", None)
        if add_eos and eos is not None and (not ids or ids[-1] != eos):
            ids.append(eos)
        return torch.tensor(ids, dtype=torch.long)

    def _need_tokenizer(self) -> Any:
        if self.tokenizer is None:
            raise ValueError("this needs a tokenizer: pass tokenizer= to PPOTrainer, or give token ids")
        return self.tokenizer

    def train_offline(
        self,
        records: Iterable[Mapping[str, Any]],
        *,
        epochs: int = 1,
        shuffle: bool = True,
        prompt_key: str = "prompt",
        response_key: str = "response",
        reward_key: str = "reward",
    ) -> list[dict[str, float]]:
        """PPO steps (``batch_size`` records each) on collected ``{prompt, response, reward}`` records; returns all stats.

        The records are treated as if sampled from the current policy (the PPO ratio starts at 1 each step),
        so this is off-policy when they came from another model; keep the KL penalty on.
        """
        encoded = [
            (self.encode_prompt(str(r[prompt_key])), self.encode_response(str(r[response_key])), float(r[reward_key]))
            for r in records
        ]
        rng = random.Random(self.config.seed)
        out = []
        for _ in range(epochs):
            order = list(range(len(encoded)))
            if shuffle:
                rng.shuffle(order)
            for s in range(0, len(order), self.config.batch_size):
                chunk = [encoded[i] for i in order[s : s + self.config.batch_size]]
                q, r, sc = zip(*chunk, strict=True)
                out.append(self.step(list(q), list(r), list(sc)))
        return out

    @torch.no_grad()
    def generate(
        self, prompts: Sequence[str] | Sequence[torch.Tensor], **generation_kwargs: Any
    ) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
        """Sample one response per prompt from the policy (HF ``generate``) → ``(query ids, response ids)``.

        Responses are cut after the first EOS. Sampling is from the full tempered distribution
        (``top_k=0, top_p=1``) unless overridden, since PPO needs samples from the policy it optimises.
        """
        queries = [p.reshape(-1).long() if isinstance(p, torch.Tensor) else self.encode_prompt(p) for p in prompts]
        L = max(q.numel() for q in queries)
        ids = torch.full((len(queries), L), self.pad_token_id, dtype=torch.long)
        attn = torch.zeros((len(queries), L), dtype=torch.long)
        for i, q in enumerate(queries):  # left padding for batched generation
            ids[i, L - q.numel() :] = q
            attn[i, L - q.numel() :] = 1
        kwargs: dict[str, Any] = {
            "do_sample": True,
            "max_new_tokens": self.config.max_new_tokens,
            "temperature": self.config.temperature,
            "top_k": 0,
            "top_p": 1.0,
            "pad_token_id": self.pad_token_id,
        }
        kwargs.update(generation_kwargs)
        self.model.eval()
        out = self.model.generate(input_ids=ids.to(self.device), attention_mask=attn.to(self.device), **kwargs)
        eos = self.eos_token_ids
        if generation_kwargs.get("eos_token_id") is not None:
            e = generation_kwargs["eos_token_id"]
            eos = {int(x) for x in (e if isinstance(e, (list, tuple)) else [e])}
        responses = []
        for row in out[:, L:].cpu():
            cut = len(row)
            for j, t in enumerate(row.tolist()):
                if t in eos:
                    cut = j + 1
                    break
            responses.append(row[:cut].clone())
        return queries, responses

    def generate_and_step(
        self,
        prompts: Sequence[str] | Sequence[torch.Tensor],
        reward_fn: Callable[[list[Any], list[Any]], Sequence[float]],
        **generation_kwargs: Any,
    ) -> dict[str, float]:
        """Online PPO: sample with the policy, score with ``reward_fn(prompts, completions)``, update; returns stats.

        ``completions`` are decoded strings when a tokenizer is set, else response id tensors. The
        rollout (prompt, completion, score) is kept in ``self.last_rollout``.
        """
        queries, responses = self.generate(prompts, **generation_kwargs)
        if self.tokenizer is not None:
            completions: list[Any] = [self.tokenizer.decode(r, skip_special_tokens=True) for r in responses]
        else:
            completions = list(responses)
        scores = [float(s) for s in reward_fn(list(prompts), completions)]
        self.last_rollout = [
            {"prompt": p, "completion": c, "score": s} for p, c, s in zip(prompts, completions, scores, strict=True)
        ]
        return self.step(queries, responses, scores)
