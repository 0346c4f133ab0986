"""Compact PPO for causal LMs: losses, KL controllers, value head, trainer, and a toy task for tests.

Names are imported lazily so that reading a params profile (which needs only ``PPOConfig``) does not load torch.
"""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "kl": "AdaptiveKLController FixedKLController",
    "losses": "compute_gae masked_mean masked_whiten policy_loss value_loss",
    "ppo": "PPOTrainer",
    "checkpoint": "latest_checkpoint",
    "value_head": "CausalLMWithValueHead",
})
