"""Compact PPO for causal LMs: losses, KL controllers, value head, trainer, and a toy task for tests.

Names are imported lazily so that reading a params profile (which needs only ``PPOConfig``) does not load torch.
"""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

_EXPORTS = {
    "AdaptiveKLController": "ladderlib.rl.kl",
    "FixedKLController": "ladderlib.rl.kl",
    "compute_gae": "ladderlib.rl.losses",
    "masked_mean": "ladderlib.rl.losses",
    "masked_whiten": "ladderlib.rl.losses",
    "policy_loss": "ladderlib.rl.losses",
    "value_loss": "ladderlib.rl.losses",
    "PPOConfig": "ladderlib.rl.config",
    "PPOTrainer": "ladderlib.rl.ppo",
    "latest_checkpoint": "ladderlib.rl.ppo",
    "CausalLMWithValueHead": "ladderlib.rl.value_head",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
