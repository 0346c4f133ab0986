"""``ppo``: hyper-parameters of our PPO (``ladderlib.rl``; TRL has none since 1.13) and the Regime W run length.

Names follow the PPO trainer TRL shipped until 1.12, so recipes written for it read the same here.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from ladderlib.config.base import Section


class PPOConfig(Section):
    """PPO hyper-parameters (defaults: the seed settings for a ~1B policy with LoRA)."""

    learning_rate: float = Field(5e-6, gt=0, le=1, description="AdamW learning rate")
    batch_size: int = Field(8, ge=1, description="responses per PPO step")
    mini_batch_size: int = Field(4, ge=1, description="responses per gradient update inside a step")
    ppo_epochs: int = Field(4, ge=1, description="passes over each step's batch")
    cliprange: float = Field(0.2, gt=0, le=1, description="clip range of the policy ratio")
    cliprange_value: float = Field(0.2, gt=0, description="clip range of the value update")
    vf_coef: float = Field(0.1, ge=0, description="weight of the value loss")
    gamma: float = Field(1.0, ge=0, le=1, description="discount factor")
    lam: float = Field(0.95, ge=0, le=1, description="GAE lambda")
    whiten_advantages: bool = Field(True, description="normalise advantages over the batch")
    adaptive_kl: bool = Field(True, description="adapt the KL coefficient towards target_kl (else keep init_kl_coef)")
    init_kl_coef: float = Field(0.2, ge=0, description="initial KL penalty coefficient")
    target_kl: float = Field(0.1, gt=0, description="target mean sequence KL (nats) for the adaptive controller")
    kl_horizon: int = Field(10000, ge=1, description="horizon (in samples) of the adaptive KL controller")
    max_grad_norm: float | None = Field(1.0, gt=0, description="gradient-norm clipping (None: off)")
    score_clip: float | None = Field(None, gt=0, description="clip scores to ±this (None: off)")
    weight_decay: float = Field(0.0, ge=0, description="AdamW weight decay")
    adam_eps: float = Field(1e-8, gt=0, description="AdamW epsilon")
    max_new_tokens: int = Field(256, ge=1, description="tokens per sampled response in online PPO")
    temperature: float = Field(1.0, gt=0, description="sampling temperature; log-probs use logits / temperature")
    save_every: int = Field(0, ge=0, description="checkpoint every N steps (0: never)")
    keep_checkpoints: int = Field(2, ge=1, description="committed checkpoints kept on disk")
    seed: int = Field(0, description="seed of mini-batch order and sampling")

    @model_validator(mode="after")
    def _check_batches(self) -> PPOConfig:
        if self.mini_batch_size > self.batch_size:
            raise ValueError(f"mini_batch_size ({self.mini_batch_size}) > batch_size ({self.batch_size})")
        return self


class RegimeWPPOSettings(PPOConfig):
    """PPO on Regime W rollouts: the seed's PPO settings plus the number of PPO steps."""

    steps: int = Field(100, ge=1, le=1_000_000, description="PPO steps (each one batch of batch_size responses)")
