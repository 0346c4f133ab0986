"""PPO loss pieces and KL controllers against hand-computed numbers."""

from __future__ import annotations

import math

import pytest
import torch

from ladderlib.rl.kl import AdaptiveKLController, FixedKLController
from ladderlib.rl.losses import (
    compute_gae,
    entropy_from_logits,
    logprobs_from_logits,
    masked_mean,
    masked_var,
    masked_whiten,
    policy_loss,
    value_loss,
)

T = torch.tensor


def close(a, b, tol=1e-6):
    return torch.allclose(torch.as_tensor(a, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64), atol=tol)


# ---------------------------------------------------------------- masked statistics


def test_masked_mean_ignores_masked_entries():
    x = T([[1.0, 2.0, 3.0, 100.0]])
    m = T([[1.0, 1.0, 1.0, 0.0]])
    assert masked_mean(x, m).item() == pytest.approx(2.0)
    assert close(masked_mean(T([[1.0, 3.0], [5.0, 100.0]]), T([[1.0, 1.0], [1.0, 0.0]]), dim=1), [2.0, 5.0])


def test_masked_var_and_whiten_by_hand():
    x = T([[1.0, 2.0, 3.0, 100.0]])
    m = T([[1.0, 1.0, 1.0, 0.0]])
    # mean 2, unbiased variance ((1)^2 + 0 + (1)^2) / 2 = 1
    assert masked_var(x, m).item() == pytest.approx(1.0)
    assert masked_var(x, m, unbiased=False).item() == pytest.approx(2 / 3)
    assert close(masked_whiten(x, m), [[-1.0, 0.0, 1.0, 0.0]], 1e-4)
    assert close(masked_whiten(x, m, shift_mean=False), [[1.0, 2.0, 3.0, 0.0]], 1e-4)
    w = masked_whiten(torch.randn(3, 7) * 5 + 3, torch.ones(3, 7))
    assert w.mean().item() == pytest.approx(0.0, abs=1e-5)
    assert w.std().item() == pytest.approx(1.0, abs=1e-4)


# ---------------------------------------------------------------- GAE


def test_gae_known_numbers_gamma1():
    rewards, values, mask = T([[0.0, 0.0, 1.0]]), T([[0.5, 0.6, 0.7]]), torch.ones(1, 3)
    adv, ret = compute_gae(rewards, values, mask, gamma=1.0, lam=0.95)
    # A2 = 1 - .7 = .3 ; A1 = (.7 - .6) + .95*.3 = .385 ; A0 = (.6 - .5) + .95*.385 = .46575
    assert close(adv, [[0.46575, 0.385, 0.3]])
    assert close(ret, [[0.96575, 0.985, 1.0]])


def test_gae_known_numbers_discounted():
    rewards, values, mask = T([[0.0, 0.0, 1.0]]), T([[0.5, 0.6, 0.7]]), torch.ones(1, 3)
    adv, _ = compute_gae(rewards, values, mask, gamma=0.9, lam=0.5)
    # A2 = .3 ; A1 = (.9*.7 - .6) + .45*.3 = .165 ; A0 = (.9*.6 - .5) + .45*.165 = .11425
    assert close(adv, [[0.11425, 0.165, 0.3]])


def test_gae_lambda1_is_monte_carlo_and_respects_mask():
    rewards = T([[0.0, 0.5, 0.0, 2.0, 7.0]])
    values = T([[9.0, 0.1, 0.2, 0.3, 9.0]])  # masked positions hold junk that must be ignored
    mask = T([[0.0, 1.0, 1.0, 1.0, 0.0]])
    adv, ret = compute_gae(rewards, values, mask, gamma=1.0, lam=1.0)
    # returns = reward-to-go within the response: [2.5, 2.0, 2.0]
    assert close(ret, [[0.0, 2.5, 2.0, 2.0, 0.0]])
    assert close(adv, [[0.0, 2.4, 1.8, 1.7, 0.0]])


def test_gae_batch_rows_independent():
    rewards = T([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    values = T([[0.2, 0.4, 5.0], [0.5, 0.6, 0.7]])
    mask = T([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]])
    adv, _ = compute_gae(rewards, values, mask, gamma=1.0, lam=0.95)
    # row 0: A1 = 1 - .4 = .6 ; A0 = (.4 - .2) + .95*.6 = .77
    assert close(adv[0], [0.77, 0.6, 0.0])
    assert close(adv[1], [0.46575, 0.385, 0.3])


# ---------------------------------------------------------------- policy loss


def _policy_case():
    ratios = T([1.5, 0.5, 1.1, 0.9, 0.5, 1.5])
    adv = T([1.0, -1.0, -1.0, 1.0, 1.0, -1.0])
    logp = ratios.log().clone().requires_grad_(True)
    return logp, torch.zeros(6), adv


def test_policy_loss_clips_on_both_sides():
    logp, old, adv = _policy_case()
    loss, clip_frac, approx_kl = policy_loss(logp[None], old[None], adv[None], torch.ones(1, 6), clip=0.2)
    # per token max(-A r, -A clip(r)):
    #  A=+1 r=1.5 -> -1.2 (clipped above) ; A=-1 r=0.5 -> 0.8 (clipped below)
    #  A=-1 r=1.1 -> 1.1 ; A=+1 r=0.9 -> -0.9 (inside the band)
    #  A=+1 r=0.5 -> -0.5 ; A=-1 r=1.5 -> 1.5 (pessimistic side: unclipped term is kept)
    per_token = [-1.2, 0.8, 1.1, -0.9, -0.5, 1.5]
    assert loss.item() == pytest.approx(sum(per_token) / 6, abs=1e-6)
    assert clip_frac.item() == pytest.approx(2 / 6)
    assert approx_kl.item() == pytest.approx(float((0.5 * logp.detach() ** 2).mean()), abs=1e-7)
    loss.backward()
    g = logp.grad
    # no gradient through the clipped tokens; elsewhere d/dlogp (-A r) / N = -A r / 6
    assert g[0].item() == 0.0 and g[1].item() == 0.0
    assert g[2].item() == pytest.approx(1.1 / 6, abs=1e-6)
    assert g[3].item() == pytest.approx(-0.9 / 6, abs=1e-6)
    assert g[4].item() == pytest.approx(-0.5 / 6, abs=1e-6)
    assert g[5].item() == pytest.approx(1.5 / 6, abs=1e-6)


def test_policy_loss_mask_and_ratio_one():
    logp, old, adv = _policy_case()
    mask = T([[1.0, 1.0, 1.0, 1.0, 1.0, 0.0]])
    loss, clip_frac, _ = policy_loss(logp[None], old[None], adv[None], mask, clip=0.2)
    assert loss.item() == pytest.approx((-1.2 + 0.8 + 1.1 - 0.9 - 0.5) / 5, abs=1e-6)
    assert clip_frac.item() == pytest.approx(2 / 5)
    # at ratio 1 the loss is -mean(A) and nothing is clipped
    a = T([[0.3, -1.2, 2.0]])
    loss, clip_frac, kl = policy_loss(torch.zeros(1, 3), torch.zeros(1, 3), a, torch.ones(1, 3), clip=0.2)
    assert loss.item() == pytest.approx(-a.mean().item())
    assert clip_frac.item() == 0.0 and kl.item() == 0.0


# ---------------------------------------------------------------- value loss


def test_value_loss_clipping_by_hand():
    values = T([[0.5, -0.1, 0.3]]).requires_grad_(True)
    old, returns = torch.zeros(1, 3), T([[1.0, 0.0, -1.0]])
    loss, clip_frac = value_loss(values, old, returns, torch.ones(1, 3), clip=0.2)
    # v=.5 -> clipped .2: max((.5-1)^2, (.2-1)^2) = .64 (clip active)
    # v=-.1 inside band: .01 ; v=.3 -> clipped .2: max(1.69, 1.44) = 1.69 (unclipped kept)
    assert loss.item() == pytest.approx(0.5 * (0.64 + 0.01 + 1.69) / 3, abs=1e-6)
    assert clip_frac.item() == pytest.approx(1 / 3)
    loss.backward()
    # clipped token gets no gradient; others 0.5 * 2 (v - R) / 3
    assert values.grad[0, 0].item() == 0.0
    assert values.grad[0, 1].item() == pytest.approx(-0.1 / 3, abs=1e-6)
    assert values.grad[0, 2].item() == pytest.approx(1.3 / 3, abs=1e-6)


def test_value_loss_mask():
    values, old, returns = T([[0.1, 5.0]]), torch.zeros(1, 2), T([[0.0, 0.0]])
    loss, _ = value_loss(values, old, returns, T([[1.0, 0.0]]), clip=0.2)
    assert loss.item() == pytest.approx(0.5 * 0.01, abs=1e-7)


# ---------------------------------------------------------------- logits helpers


def test_logprobs_and_entropy_from_logits():
    logits = T([[[0.0, 0.0, 0.0, 0.0], [math.log(3.0), 0.0, -1e9, -1e9]]])
    labels = torch.tensor([[2, 0]])
    lp = logprobs_from_logits(logits, labels)
    assert close(lp, [[math.log(0.25), math.log(0.75)]])
    ent = entropy_from_logits(logits)
    assert close(ent, [[math.log(4.0), -(0.75 * math.log(0.75) + 0.25 * math.log(0.25))]], 1e-5)


# ---------------------------------------------------------------- KL controllers


def test_adaptive_kl_controller_direction_and_magnitude():
    ctl = AdaptiveKLController(init_kl_coef=0.2, target=0.1, horizon=10000)
    # KL 3x target: error clipped to +0.2 -> beta *= 1 + 0.2 * 8 / 10000
    assert ctl.update(0.3, 8) == pytest.approx(0.2 * (1 + 0.2 * 8 / 10000))
    up = ctl.value
    ctl.update(0.0, 8)  # error clipped to -0.2
    assert ctl.value == pytest.approx(up * (1 - 0.2 * 8 / 10000))
    ctl2 = AdaptiveKLController(0.2, 0.1, 100)
    ctl2.update(0.11, 10)  # small error +0.1 -> unclipped proportional step
    assert ctl2.value == pytest.approx(0.2 * (1 + 0.1 * 10 / 100))
    ctl3 = AdaptiveKLController(0.2, 0.1, 100)
    ctl3.update(0.1, 10)
    assert ctl3.value == pytest.approx(0.2)  # on target: unchanged


def test_adaptive_kl_controller_converges_direction_over_many_updates():
    ctl = AdaptiveKLController(1.0, target=0.1, horizon=100)
    for _ in range(50):
        ctl.update(0.5, 10)
    assert ctl.value > 2.0  # persistently above target -> coefficient keeps rising
    ctl = AdaptiveKLController(1.0, target=0.1, horizon=100)
    for _ in range(50):
        ctl.update(0.01, 10)
    assert ctl.value < 0.5


def test_kl_controller_state_roundtrip_and_fixed():
    ctl = AdaptiveKLController(0.2, 0.1, 50)
    ctl.update(1.0, 5)
    other = AdaptiveKLController(9.0, 9.0, 9)
    other.load_state_dict(ctl.state_dict())
    assert (other.value, other.target, other.horizon) == (ctl.value, 0.1, 50)
    fixed = FixedKLController(0.05)
    assert fixed.update(100.0, 8) == 0.05
    with pytest.raises(ValueError):
        AdaptiveKLController(0.1, 0.0, 10)
