"""Slow (about 2.5 min on 2 CPU cores): planner SFT, then planner GRPO continuing the SFT adapter, so that the
plans parse and the frozen worker runs inside TRL's training loop."""

from __future__ import annotations

import pytest

from ladderlib.config.model import LoraSettings, ModelSettings
from ladderlib.io import read_jsonl
from ladderlib.config.planner import PlannerGRPOSettings

pytestmark = pytest.mark.slow


def test_grpo_continues_the_planner_sft_adapter_and_runs_the_worker(tmp_path, shared_data):
    from ladderlib.config.planner import PlannerSFTSettings
    from ladderlib.planner.grpo import train_planner_grpo
    from ladderlib.planner.sft import train_planner_sft

    rows = read_jsonl(shared_data / "gsm8k" / "train.jsonl")[:4]
    model = ModelSettings(device="cpu", dtype="float32")
    sft = PlannerSFTSettings(
        lora=LoraSettings(r=8, alpha=16, target_modules=["q_proj", "v_proj"]), learning_rate=3e-3,
        per_device_train_batch_size=2, gradient_accumulation_steps=1, max_steps=12, logging_steps=4, max_length=256,
    )
    adapter = tmp_path / "planner_sft_lora"
    train_planner_sft(model, sft, rows, adapter)
    settings = PlannerGRPOSettings(
        num_generations=2, per_device_train_batch_size=2, max_completion_length=48, worker_max_new_tokens=24,
        max_subproblems=2, max_steps=2, save_steps=100,
    )
    summary = train_planner_grpo(model, settings, rows, tmp_path / "planner_grpo", adapter)
    assert summary["start_adapter"].endswith("planner_sft_lora") and summary["steps"] == 2
    assert summary["unparsable_plans"] < summary["completions_scored"] == 4
    logged = [r for r in read_jsonl(tmp_path / "planner_grpo" / "metrics.jsonl") if "reward" in r]
    parsed_steps = [r for r in logged if r["planner/parse_failure_rate"] < 1.0]
    assert parsed_steps, "no plan parsed after SFT: the worker never ran inside the trainer"
    for r in parsed_steps:
        assert {"planner/decomposition_rate", "planner/token_efficiency", "planner/mean_subproblems",
                "planner/independence", "planner/mean_tokens"} <= set(r)
        assert r["planner/mean_tokens"] > 0 and r["reward"] > 0
    assert any(r["kl"] > 0 for r in logged)  # the reference is the base model, the policy the SFT adapter
