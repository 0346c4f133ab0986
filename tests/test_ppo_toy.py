"""PPO learns a toy task with a known optimal policy: emit the target token.

A seeded tiny random Llama (vocab 16) starts near uniform (p(target) ≈ 1/16). Reward is 1 when the
sampled token is the target. With a small fixed KL penalty the optimal policy puts > 0.99 on the
target, so PPO must push p(target) above 0.9 within a bounded number of steps.
"""

from __future__ import annotations

import pytest
import torch

from ladderlib.config.ppo import PPOConfig
from ladderlib.rl import PPOTrainer
from ladderlib.rl.toy import exact_next_token_kl, next_token_probs, target_token_reward, tiny_llama

TARGET = 7
PROMPT = torch.tensor([1, 5, 3])


pytestmark = pytest.mark.usefixtures("one_thread")  # conftest: torch on one thread


def _config(**kw) -> PPOConfig:
    base = dict(
        learning_rate=2e-3,
        batch_size=16,
        mini_batch_size=8,
        ppo_epochs=4,
        adaptive_kl=False,
        init_kl_coef=0.02,
        max_new_tokens=1,
    )
    base.update(kw)
    return PPOConfig(**base)


def _train_until(trainer: PPOTrainer, max_steps: int, threshold: float = 0.9) -> tuple[int, list[dict]]:
    history = []
    reward_fn = target_token_reward(TARGET)
    for step in range(1, max_steps + 1):
        history.append(trainer.generate_and_step([PROMPT] * 16, reward_fn))
        if next_token_probs(trainer.model, PROMPT)[TARGET] > threshold:
            return step, history
    return -1, history


@pytest.mark.parametrize("seed", [0, 1])
def test_lora_ppo_learns_target_token(seed):
    model = tiny_llama(seed=seed, lora=True)
    trainer = PPOTrainer(model, _config())
    assert trainer.ref_model is None  # PEFT: the reference is the adapter-disabled base, no copy
    p0 = next_token_probs(trainer.model, PROMPT)[TARGET].item()
    assert p0 < 0.15
    steps, hist = _train_until(trainer, max_steps=30)
    assert steps != -1, f"p(target) never reached 0.9: {[round(h['reward_mean'], 2) for h in hist]}"
    assert steps <= 30
    # LoRA B starts at zero, so the first rollout is exactly the reference: KL estimate 0
    assert abs(hist[0]["kl"]) < 1e-5
    assert hist[-1]["reward_mean"] > hist[0]["reward_mean"]
    assert hist[-1]["entropy"] < hist[0]["entropy"] - 1.0  # near-uniform (ln 16 = 2.77) -> peaked
    # the reference (base weights) never moved
    ref = next_token_probs(trainer.model, PROMPT, reference=True)[TARGET].item()
    assert ref == pytest.approx(p0, abs=1e-6)
    assert exact_next_token_kl(trainer.model, PROMPT) > 1.0


def test_full_finetune_ppo_learns_with_frozen_copy_reference():
    model = tiny_llama(seed=0, lora=False)
    trainer = PPOTrainer(model, _config(learning_rate=1e-3))
    assert trainer.ref_model is not None and trainer.ref_model is not trainer.model.pretrained_model
    assert not any(p.requires_grad for p in trainer.ref_model.parameters())
    p_ref0 = next_token_probs(trainer.ref_model, PROMPT)[TARGET].item()
    steps, hist = _train_until(trainer, max_steps=40)
    assert steps != -1, f"p(target) never reached 0.9: {[round(h['reward_mean'], 2) for h in hist]}"
    assert abs(hist[0]["kl"]) < 1e-5
    assert next_token_probs(trainer.ref_model, PROMPT)[TARGET].item() == pytest.approx(p_ref0, abs=1e-7)
    assert exact_next_token_kl(trainer.model, PROMPT, reference=trainer.ref_model) > 1.0


def test_multi_token_responses_credit_assignment():
    """Three-token responses, reward = fraction of target tokens, paid only at the last token (GAE carries it back)."""
    model = tiny_llama(seed=0, lora=True)
    trainer = PPOTrainer(model, _config(max_new_tokens=3))
    reward_fn = target_token_reward(TARGET)
    first = None
    for _ in range(30):
        stats = trainer.generate_and_step([PROMPT] * 16, reward_fn)
        first = first if first is not None else stats
        assert stats["response_length"] == 3.0
        if stats["reward_mean"] > 0.9:
            break
    assert stats["reward_mean"] > 0.9, stats
    assert first["reward_mean"] < 0.3
    responses = [r["completion"] for r in trainer.last_rollout]
    assert all(len(r) == 3 for r in responses)


def test_step_rejects_bad_input_and_reports_stats():
    trainer = PPOTrainer(tiny_llama(seed=0, lora=True), _config())
    with pytest.raises(ValueError):
        trainer.step([PROMPT], [torch.tensor([1])], [1.0, 2.0])
    with pytest.raises(ValueError):
        trainer.step([PROMPT], [torch.tensor([], dtype=torch.long)], [1.0])
    # uneven lengths in one batch (right padding) are fine
    stats = trainer.step([PROMPT, torch.tensor([4])], [torch.tensor([7, 7]), torch.tensor([3])], [1.0, 0.0])
    expected = {"reward_mean", "kl", "kl_coef", "policy_loss", "value_loss", "clip_fraction", "entropy", "grad_norm"}
    assert expected <= stats.keys()
    assert stats["reward_mean"] == pytest.approx(0.5)
    assert stats["response_length"] == pytest.approx(1.5)
    assert stats["step"] == 1 and trainer.step_count == 1


def test_dropout_is_off_so_rollout_and_update_logprobs_agree():
    """With LoRA dropout 0.5, the first mini-batch of a step must still see ratio 1 (approx KL 0, nothing clipped)."""
    from peft import LoraConfig, get_peft_model

    model = get_peft_model(
        tiny_llama(seed=0), LoraConfig(r=8, lora_alpha=16, target_modules=["q_proj", "v_proj"], lora_dropout=0.5)
    )
    cfg = _config(ppo_epochs=1, batch_size=8, mini_batch_size=8)
    trainer = PPOTrainer(model, cfg)
    queries, responses = [PROMPT] * 8, [torch.tensor([t]) for t in range(8)]
    trainer.step(queries, responses, [1.0] * 4 + [0.0] * 4)  # makes LoRA B non-zero, so dropout would matter
    stats = trainer.step(queries, responses, [1.0] * 4 + [0.0] * 4)
    assert stats["approx_kl"] == 0.0
    assert stats["clip_fraction"] == 0.0
    assert not trainer.model.training
