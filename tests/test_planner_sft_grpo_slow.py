"""Slow (about 2.5 min on 2 CPU cores): planner SFT, then planner GRPO continuing the SFT adapter, so that the
plans parse and the frozen worker runs inside TRL's training loop."""

from __future__ import annotations

import types

import pytest

from ladderlib.config.schema import LoraSettings, ModelSettings
from ladderlib.io import read_jsonl
from ladderlib.planner.config import PlannerGRPOSettings

pytestmark = pytest.mark.slow


def test_grpo_continues_the_planner_sft_adapter_and_runs_the_worker(tmp_path, shared_data):
    from ladderlib.planner.train import run_planner_grpo
    from ladderlib.train.config import PlannerSFTSettings
    from ladderlib.train.sft import run_planner_sft

    rows = read_jsonl(shared_data / "gsm8k" / "train.jsonl")[:4]
    model = ModelSettings(device="cpu", dtype="float32")
    sft = PlannerSFTSettings(
        lora=LoraSettings(r=8, alpha=16, target_modules=["q_proj", "v_proj"]), learning_rate=3e-3, batch_size=2,
        grad_accum=1, max_steps=12, logging_steps=4, max_seq_length=256,
    )
    run_planner_sft(model, sft, tmp_path, rows)
    settings = PlannerGRPOSettings(
        num_generations=2, per_device_train_batch_size=2, max_completion_length=48, worker_max_new_tokens=24,
        max_subproblems=2, max_steps=2, save_steps=100,
    )
    summary = run_planner_grpo(types.SimpleNamespace(model=model, planner_grpo=settings), tmp_path, rows)
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
