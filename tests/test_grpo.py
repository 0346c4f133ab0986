"""GRPO wiring: verifier rewards on real and malformed completions, and a real 2-step TRL GRPO run."""

from __future__ import annotations

import pytest

from ladderlib.config.schema import LoraSettings, ModelSettings
from ladderlib.train.grpo import GRPOSettings, integration_dataset, make_grpo_trainer
from ladderlib.train.rewards import integral_correctness_reward, make_format_reward

CASES = [
    # (integrand, completion, correct, parsable)
    ("x**2*sin(x)", "Integrate by parts twice: \\boxed{-x^2\\cos(x) + 2x\\sin(x) + 2\\cos(x) + C}", 1.0, True),
    ("1/x", [{"role": "assistant", "content": "The answer is \\boxed{\\ln|x|}"}], 1.0, True),
    ("cos(x)", "\\boxed{\\sin(x)}", 1.0, True),
    ("cos(x)", "\\boxed{-\\sin(x)}", 0.0, True),
    ("cos(x)", "\\boxed{\\cos(x)}", 0.0, True),  # echo of the integrand
    ("2*x", "I think it is x squared? \\boxed{x^2 + 5}", 1.0, True),
    ("2*x", "import os; os.system('rm -rf /')", 0.0, False),
    ("2*x", "\\boxed{x^{2", 0.0, False),
    ("2*x", "", 0.0, False),
]


def test_rewards_on_real_and_malformed_completions():
    integrands = [c[0] for c in CASES]
    completions = [c[1] for c in CASES]
    correct = integral_correctness_reward(None, completions, integrand=integrands)
    fmt = make_format_reward(0.1)(None, completions, integrand=integrands)
    assert correct == [c[2] for c in CASES]
    assert fmt == [0.1 if c[3] else 0.0 for c in CASES]


def test_settings_default_to_the_paper_kl():
    assert GRPOSettings().beta == 0.001
    with pytest.raises(ValueError):
        GRPOSettings(num_generations=1)


def test_dataset_is_conversational_with_integrand_column():
    ds = integration_dataset([{"integrand": "x*exp(x)"}])
    assert ds[0]["integrand"] == "x*exp(x)"
    assert ds[0]["prompt"][0]["role"] == "user" and "x*exp(x)" in ds[0]["prompt"][0]["content"]


def test_real_two_step_grpo_run(tmp_path):
    rows = [{"integrand": "2*x", "difficulty": 1.0}, {"integrand": "cos(x)", "difficulty": 2.0}]
    settings = GRPOSettings(num_generations=2, per_device_train_batch_size=2, max_completion_length=16,
                            max_steps=2, save_steps=100)
    model = ModelSettings(lora=LoraSettings(r=4, alpha=8, target_modules=["q_proj", "v_proj"]))
    trainer = make_grpo_trainer(model, settings, rows, tmp_path / "grpo")
    trainer.train()
    logs = [h for h in trainer.state.log_history if "reward" in h]
    assert trainer.state.global_step == 2 and len(logs) == 2
    for h in logs:
        assert 0.0 <= h["rewards/integral_correctness_reward/mean"] <= 1.0
        fmt = h["rewards/answer_format_reward/mean"]  # 2 completions, each 0 or 0.1
        assert min(abs(fmt - v) for v in (0.0, 0.05, 0.1)) < 1e-6
        assert "kl" in h and "frac_reward_zero_std" in h
    assert any((tmp_path / "grpo").rglob("events.out.tfevents*")), "no TensorBoard events written"
