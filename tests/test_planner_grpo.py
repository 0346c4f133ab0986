"""A real 2-step planner GRPO run (TRL GRPOTrainer, embedded model, frozen worker, MiniLM independence), the
saved adapter loaded back, the frozen worker ignoring it, and ``ladder plan-solve`` on one question with it."""

from __future__ import annotations

import argparse
import json

import pytest

from ladderlib.config.model import LoraSettings, ModelSettings
from ladderlib.io import read_jsonl
from ladderlib.config.planner import PlannerGRPOSettings

MODEL = ModelSettings(
    device="cpu", dtype="float32", lora=LoraSettings(r=4, alpha=8, target_modules=["q_proj", "v_proj"])
)
SETTINGS = PlannerGRPOSettings(
    num_generations=2, per_device_train_batch_size=2, max_completion_length=48, worker_max_new_tokens=24,
    max_subproblems=2, max_steps=2, save_steps=100, max_train_examples=4,
)


@pytest.fixture(scope="module")
def grpo_run(tmp_path_factory, shared_data):
    """train_planner_grpo on 4 GSM8K rows into a fresh folder; (summary, output folder)."""
    from ladderlib.planner.grpo import train_planner_grpo

    out = tmp_path_factory.mktemp("run") / "planner_grpo"
    rows = read_jsonl(shared_data / "gsm8k" / "train.jsonl")[:8]
    return train_planner_grpo(MODEL, SETTINGS, rows, out), out


def test_two_step_run_logs_planner_metrics(grpo_run):
    summary, out = grpo_run
    assert summary["steps"] == 2 and summary["rows"] == 4 and summary["start_adapter"] is None
    assert summary["completions_scored"] == 4 and 0 <= summary["unparsable_plans"] <= 4
    assert summary["step_time_s"] > 0
    rows = [r for r in read_jsonl(out / "metrics.jsonl") if "reward" in r]
    assert [r["step"] for r in rows] == [1, 2]
    for r in rows:
        assert "planner/correctness" in r and "planner/parse_failure_rate" in r and "kl" in r
        assert 0.0 <= r["planner/parse_failure_rate"] <= 1.0
        assert r["rewards/planner_reward/mean"] == pytest.approx(r["reward"])
        if r["planner/parse_failure_rate"] == 1.0:  # every plan unparsable: exactly the defined reward
            assert r["reward"] == SETTINGS.unparsable_reward
    assert json.loads((out / "summary.json").read_text())["adapter"] == summary["adapter"]
    assert any((out / "tensorboard").rglob("events.out.tfevents*"))


def test_rerun_of_a_finished_run_reuses_it(grpo_run, shared_data):
    from ladderlib.planner.grpo import train_planner_grpo

    summary, out = grpo_run
    again = train_planner_grpo(MODEL, SETTINGS, read_jsonl(shared_data / "gsm8k" / "train.jsonl")[:8], out)
    assert again["reused"] and again["steps"] == summary["steps"] == 2 and again["adapter"] == summary["adapter"]


def test_saved_adapter_loads_and_the_worker_ignores_it(grpo_run, embedded_model):
    import torch

    from ladderlib.models import Engine, Sampling, load_model
    from ladderlib.planner.prompts import WORKER_SYSTEM_PROMPT
    from ladderlib.planner.worker import FrozenWorker

    summary, _ = grpo_run
    adapter = summary["adapter"]
    info = json.loads(open(f"{adapter}/training_info.json").read())
    assert info["steps"] == 2 and info["settings"]["num_generations"] == 2
    peft_model, tok = load_model(MODEL, adapter_path=adapter)
    assert hasattr(peft_model, "peft_config")
    with torch.no_grad():  # make the adapter matter, so "disabled" is observable
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.add_(torch.randn_like(p) * 0.5, alpha=1.0)
    q = ["What is 12 + 30?"]
    base_model, base_tok = embedded_model
    twelve = Sampling(max_new_tokens=12)
    base = Engine(base_model, base_tok, system=WORKER_SYSTEM_PROMPT)(q, twelve)
    worker = FrozenWorker.from_model(peft_model, tok, max_new_tokens=12).complete(q)
    with_adapter = Engine(peft_model, tok, system=WORKER_SYSTEM_PROMPT)(q, twelve)
    assert worker[0].text == base[0]
    assert with_adapter[0] != base[0]


def _cli(argv):
    from ladderlib.planner.cli import register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


def test_plan_solve_cli_on_one_question(grpo_run, tmp_path, capsys):
    summary, _ = grpo_run
    out = tmp_path / "results.jsonl"
    question = "Weng earns $12 an hour for babysitting. Yesterday she babysat for 50 minutes. How much did she earn?"
    rc = _cli(["plan-solve", "--adapter", summary["adapter"], "--device", "cpu", "--question", question,
               "--max-plan-tokens", "24", "--worker-tokens", "12", "--output", str(out), "--json"])
    assert rc == 0
    printed = json.loads(capsys.readouterr().out)
    assert len(printed) == 1 and printed[0]["question"] == question
    assert {"plan_text", "parse_ok", "decomposed", "final_answer", "tokens", "n_subproblems"} <= set(printed[0])
    assert printed[0]["correct"] is None and printed[0]["final_text"]  # no gold given; always answered
    assert read_jsonl(out) == printed


def test_plan_solve_cli_rejects_unusable_input(tmp_path, capsys):
    assert _cli(["plan-solve", "--adapter", str(tmp_path), "--question", "1+1?"]) == 2
    assert "no LoRA adapter" in capsys.readouterr().err
    assert _cli(["plan-solve", "--adapter", str(tmp_path), "--input", str(tmp_path / "missing.jsonl")]) == 2


def test_vllm_engine_is_import_guarded():
    import importlib.util

    from ladderlib.planner.inference import resolve_engine, solve

    if importlib.util.find_spec("vllm") is None:
        with pytest.raises(RuntimeError, match="vllm"):
            resolve_engine("vllm")
        assert resolve_engine("auto") == "hf"
    with pytest.raises(ValueError, match="adapter_path"):
        solve(["1+1?"])
