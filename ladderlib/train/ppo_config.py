"""``RegimeWPPOSettings``: the ``ppo`` params section (PPO hyper-parameters plus how long to train on rollouts)."""

from __future__ import annotations

from pydantic import Field

from ladderlib.rl.config import PPOConfig


class RegimeWPPOSettings(PPOConfig):
    """PPO on Regime W rollouts: the seed's PPO settings plus the number of PPO steps."""

    steps: int = Field(100, ge=1, le=1_000_000, description="PPO steps (each one batch of batch_size responses)")
