"""``PPOConfig``: PPO hyper-parameters as a params section (kept free of torch so profiles load fast)."""

from __future__ import annotations

from pydantic import Field, model_validator

from ladderlib.config.base import Section


class PPOConfig(Section):
    """PPO hyper-parameters (defaults: the seed settings for a ~1B policy with LoRA)."""

    learning_rate: float = Field(5e-6, gt=0, le=1)
    batch_size: int = Field(8, ge=1, description="samples per PPO step in the offline helper")
    mini_batch_size: int = Field(4, ge=1)
    ppo_epochs: int = Field(4, ge=1)
    cliprange: float = Field(0.2, gt=0, le=1)
    cliprange_value: float = Field(0.2, gt=0)
    vf_coef: float = Field(0.1, ge=0)
    gamma: float = Field(1.0, ge=0, le=1)
    lam: float = Field(0.95, ge=0, le=1)
    whiten_advantages: bool = True
    adaptive_kl: bool = True
    init_kl_coef: float = Field(0.2, ge=0)
    target_kl: float = Field(0.1, gt=0, description="target mean sequence KL (nats) for the adaptive controller")
    kl_horizon: int = Field(10000, ge=1)
    max_grad_norm: float | None = Field(1.0, gt=0)
    score_clip: float | None = Field(None, gt=0)
    weight_decay: float = Field(0.0, ge=0)
    adam_eps: float = Field(1e-8, gt=0)
    max_new_tokens: int = Field(256, ge=1)
    temperature: float = Field(1.0, gt=0, description="sampling temperature; log-probs use logits / temperature")
    save_every: int = Field(0, ge=0, description="checkpoint every N steps (0: never)")
    keep_checkpoints: int = Field(2, ge=1)
    seed: int = 0

    @model_validator(mode="after")
    def _check_batches(self) -> PPOConfig:
        if self.mini_batch_size > self.batch_size:
            raise ValueError(f"mini_batch_size ({self.mini_batch_size}) > batch_size ({self.batch_size})")
        return self
