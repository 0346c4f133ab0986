"""GRPO wiring on the Task interface: task rewards on real and malformed completions, the task dataset, and a
real 2-step TRL GRPO run through ``train_grpo``."""

from __future__ import annotations

import json

import pytest

from ladderlib.config.ladder import LadderGRPOSettings
from ladderlib.config.model import LoraSettings, ModelSettings
from ladderlib.tasks import GSM8KTask, IntegralsTask
from ladderlib.train.grpo import TaskRewards, completion_text, task_dataset, train_grpo

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


def test_task_rewards_on_real_and_malformed_completions():
    rows = [json.dumps({"integrand": c[0]}, sort_keys=True) for c in CASES]
    completions = [c[1] for c in CASES]
    correct, fmt = TaskRewards(IntegralsTask(format_weight=0.1)).functions()
    assert correct.__name__ == "integral_correctness_reward" and fmt.__name__ == "answer_format_reward"
    logged = {}
    levels = ["easy"] * 4 + ["hard"] * 5
    assert correct(None, completions, row=rows, level=levels, log_metric=logged.__setitem__) == [c[2] for c in CASES]
    assert fmt(None, completions, row=rows) == [0.1 if c[3] else 0.0 for c in CASES]
    assert logged == {"success/easy": 0.75, "success/hard": 0.2}
    assert [f.__name__ for f in TaskRewards(GSM8KTask()).functions()] == ["gsm8k_correctness_reward"]
    assert completion_text([{"role": "assistant", "content": "hi"}]) == "hi" and completion_text(None) == ""


def test_settings_default_to_the_paper_kl():
    assert LadderGRPOSettings().beta == 0.001
    with pytest.raises(ValueError):
        LadderGRPOSettings(num_generations=1)


def test_dataset_is_conversational_and_carries_the_row():
    ds = task_dataset(IntegralsTask(), [{"integrand": "x*exp(x)", "difficulty": 2.0}], ["easy"])
    assert json.loads(ds[0]["row"]) == {"difficulty": 2.0, "integrand": "x*exp(x)"} and ds[0]["level"] == "easy"
    assert ds[0]["prompt"][0]["role"] == "user" and "x*exp(x)" in ds[0]["prompt"][0]["content"]
    gsm = task_dataset(GSM8KTask(), [{"question": "1+1?", "answer": "2"}])
    assert gsm[0]["prompt"][0]["role"] == "system" and gsm[0]["level"] == "all"
    with pytest.raises(ValueError, match="empty"):
        task_dataset(IntegralsTask(), [])


def test_real_two_step_grpo_run_on_a_task(tmp_path):
    from ladderlib.models import load_model

    rows = [{"integrand": "2*x"}, {"integrand": "cos(x)"}]
    settings = LadderGRPOSettings(num_generations=2, per_device_train_batch_size=2, max_completion_length=16,
                                  max_steps=2, save_steps=100)
    model = ModelSettings(device="cpu", dtype="float32", lora=LoraSettings(r=4, alpha=8, target_modules=["q_proj", "v_proj"]))
    task = IntegralsTask(format_weight=0.1)
    summary = train_grpo(model, settings, task_dataset(task, rows), TaskRewards(task).functions(), tmp_path / "grpo",
                         fingerprint={"t": 1}, load_policy=lambda: load_model(model))
    assert summary["steps"] == 2 and summary["rows"] == 2 and summary["heldout_before"] is None
    logs = [json.loads(line) for line in (tmp_path / "grpo" / "metrics.jsonl").read_text().splitlines()]
    logs = [h for h in logs if "reward" in h]
    assert [h["step"] for h in logs] == [1, 2]
    for h in logs:
        assert 0.0 <= h["rewards/integral_correctness_reward/mean"] <= 1.0
        fmt = h["rewards/answer_format_reward/mean"]  # 2 completions, each 0 or 0.1
        assert min(abs(fmt - v) for v in (0.0, 0.05, 0.1)) < 1e-6
        assert "kl" in h and "frac_reward_zero_std" in h
    assert any((tmp_path / "grpo" / "tensorboard").glob("events.out.tfevents*")), "no TensorBoard events written"
    assert (tmp_path / "grpo" / "adapter" / "adapter_config.json").is_file()
