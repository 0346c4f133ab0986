"""The adaptive KL controller, in a real PPO run, holds the measured KL near its target.

Toy task: one-token responses, reward 1 for the target token. Without much penalty the policy goes
deterministic and the KL to the reference reaches ln(1/ref(target)) ≈ 2.8 nats. With the adaptive
controller (target 0.5, horizon 32 so it acts within a short run, starting from a too-strong
coefficient 1.0) the coefficient must come down and the KL must settle near 0.5.

"Near" is defined as: the mean of the per-step sampled KL over the last 20 of 40 steps lies within a
factor of 2 of the target (0.25-1.0); observed ≈0.5-0.6 for seeds 0-2. The single-step estimate
from 16 one-token samples is noisy (it swings between ~0 and ~1.5), so no per-step bound is asserted.
The final coefficient is also compared to the closed-form β* whose optimal policy has KL = target.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ladderlib.config.ppo import PPOConfig
from ladderlib.rl import PPOTrainer
from ladderlib.rl.toy import kl_optimal_beta, next_token_probs, target_token_reward, tiny_llama

TARGET = 7
PROMPT = torch.tensor([1, 5, 3])
TARGET_KL = 0.5


pytestmark = pytest.mark.usefixtures("one_thread")  # conftest: torch on one thread


def _run(adaptive: bool, init_kl_coef: float, steps: int, seed: int = 0):
    cfg = PPOConfig(
        learning_rate=1e-3,
        batch_size=16,
        mini_batch_size=8,
        ppo_epochs=4,
        adaptive_kl=adaptive,
        init_kl_coef=init_kl_coef,
        target_kl=TARGET_KL,
        kl_horizon=32,
        max_new_tokens=1,
    )
    trainer = PPOTrainer(tiny_llama(seed=seed, lora=True), cfg)
    reward_fn = target_token_reward(TARGET)
    hist = [trainer.generate_and_step([PROMPT] * 16, reward_fn) for _ in range(steps)]
    return trainer, np.array([h["kl"] for h in hist]), np.array([h["kl_coef"] for h in hist])


def test_adaptive_controller_holds_kl_near_target():
    trainer, kls, coefs = _run(adaptive=True, init_kl_coef=1.0, steps=40)
    late = kls[-20:].mean()
    assert TARGET_KL / 2 <= late <= TARGET_KL * 2, f"late mean KL {late:.3f}; trace {np.round(kls, 2)}"
    # the coefficient started too strong (KL far below target) and was lowered
    assert coefs[5] < coefs[0]
    ref_p = next_token_probs(trainer.model, PROMPT, reference=True)[TARGET].item()
    beta_star = kl_optimal_beta(ref_p, TARGET_KL)
    late_beta = coefs[-10:].mean()
    assert beta_star / 2 <= late_beta <= beta_star * 2, f"beta {late_beta:.3f} vs beta* {beta_star:.3f}"


def test_without_controller_kl_overshoots_target():
    """Contrast: a small fixed coefficient lets the KL run far past the same target."""
    _, kls, coefs = _run(adaptive=False, init_kl_coef=0.02, steps=20)
    assert np.all(coefs == 0.02)
    assert kls[-5:].mean() > 4 * TARGET_KL, np.round(kls, 2)
