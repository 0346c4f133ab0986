"""Resumable LADDER GRPO: metrics.jsonl/TensorBoard, per-level success, SFT warm-up, held-out accuracy, a
finished run that is not trained again, and continuing a run that was killed with SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ladderlib.config.model import LoraSettings, ModelSettings
from ladderlib.train.checkpoints import COMMITTED, CheckpointMismatchError, committed_checkpoints, prepare_work_dir
from ladderlib.config.ladder import LadderGRPOSettings
from ladderlib.ladder.grpo import train_ladder_grpo
from ladderlib.tasks import IntegralsTask
from ladderlib.train.grpo import difficulty_levels
from ladderlib.train.sft import task_examples
from ladderlib.train.metrics import read_metrics, truncate_metrics

ROWS = [
    {"integrand": "2*x", "difficulty": 1.0, "antiderivative": "x**2"},
    {"integrand": "cos(x)", "difficulty": 2.0, "antiderivative": "sin(x)"},
    {"integrand": "exp(x)", "difficulty": 3.0, "antiderivative": "exp(x)"},
    {"integrand": "3*x**2", "difficulty": 1.5, "antiderivative": "x**2"},  # wrong on purpose: left out of warm-up
]
HELDOUT = [{"integrand": "4*x**3"}, {"integrand": "sin(x)"}]
MODEL = ModelSettings(name="embedded", device="cpu", dtype="float32",
                      lora=LoraSettings(r=4, alpha=8, target_modules=["q_proj", "v_proj"]))


def tiny(**kw) -> LadderGRPOSettings:
    base = dict(num_generations=2, per_device_train_batch_size=2, max_completion_length=12, max_steps=2,
                save_steps=1, eval_max_new_tokens=12)
    return LadderGRPOSettings(**{**base, **kw})


def test_difficulty_levels_are_tertiles():
    rows = [{"difficulty": d} for d in (1, 2, 3, 4, 5, 6)] + [{"integrand": "x"}]
    assert difficulty_levels(rows) == ["easy", "easy", "medium", "medium", "hard", "hard", "all"]


def test_warmup_examples_keep_only_verified_solutions():
    ex = task_examples(IntegralsTask(), ROWS)
    assert [e["prompt"][0]["content"].split(" of ")[1].split(" with")[0] for e in ex] == ["2*x", "cos(x)", "exp(x)"]
    assert ex[0]["completion"][0]["content"] == "\\boxed{x**2}"


def test_train_grpo_logs_metrics_warms_up_and_saves(tmp_path):
    out = tmp_path / "grpo"
    summary = train_ladder_grpo(MODEL, tiny(warmup_sft_steps=2, warmup_batch_size=2), ROWS, out, eval_rows=HELDOUT)
    assert summary["steps"] == 2 and summary["warmup"]["steps"] == 2 and summary["warmup"]["examples"] == 3
    assert (out / "adapter" / "adapter_config.json").is_file()
    assert (out / "warmup_adapter" / "adapter_config.json").is_file()
    assert summary["heldout_before"]["n"] == 2 and summary["heldout_after"]["n"] == 2
    rows = read_metrics(out / "metrics.jsonl")
    train = [r for r in rows if "reward" in r]
    assert [r["step"] for r in train] == [1, 2]
    for r in train:
        assert {"reward_std", "frac_reward_zero_std", "completions/mean_length", "kl"} <= set(r)
        assert any(k.startswith("success/") for k in r), r.keys()
    held = [r for r in rows if "heldout_accuracy" in r]
    assert [r["step"] for r in held] == [0, 2]
    assert any(out.joinpath("tensorboard").glob("events.out.tfevents*"))
    assert len(committed_checkpoints(out / "checkpoints")) == 2
    assert json.loads((out / "summary.json").read_text())["steps"] == 2
    assert summary["adapter_stack"] == [str(out / "warmup_adapter"), str(out / "adapter")]
    # a rerun of the finished run trains nothing (the warm-up neither): the stored summary comes back
    stamp = (out / "warmup_adapter" / "adapter_model.safetensors").stat().st_mtime_ns
    again = train_ladder_grpo(MODEL, tiny(warmup_sft_steps=2, warmup_batch_size=2), ROWS, out, eval_rows=HELDOUT)
    assert again["reused"] and again["steps"] == 2
    assert (out / "warmup_adapter" / "adapter_model.safetensors").stat().st_mtime_ns == stamp
    rows = read_metrics(out / "metrics.jsonl")
    assert [r["step"] for r in rows if "reward" in r] == [1, 2]
    assert [r["step"] for r in rows if "heldout_accuracy" in r] == [0, 2]  # one end-of-run row, not two


def test_strict_resume_refuses_other_settings(tmp_path):
    work = tmp_path / "ck"
    prepare_work_dir(work, {"a": 1}, resume=True)
    (work / "checkpoint-1").mkdir()
    (work / "checkpoint-1" / COMMITTED).write_text("1")
    (work / "checkpoint-2").mkdir()  # half-written: no marker
    assert prepare_work_dir(work, {"a": 1}, resume=True) == str(work / "checkpoint-1")
    assert not (work / "checkpoint-2").exists()
    with pytest.raises(CheckpointMismatchError, match="a"):
        prepare_work_dir(work, {"a": 2}, resume=True, strict=True)
    assert prepare_work_dir(work, {"a": 2}, resume=True) is None and not (work / "checkpoint-1").exists()


def test_truncate_metrics_drops_later_steps_and_a_torn_line(tmp_path):
    p = tmp_path / "m.jsonl"
    p.write_text('{"step": 1, "reward": 0.1}\n{"step": 2, "reward": 0.2}\n{"step": 3, "rew')
    assert truncate_metrics(p, 1) == 1
    assert read_metrics(p) == [{"step": 1, "reward": 0.1}]


SCRIPT = """
import sys
from ladderlib.ladder.grpo import train_ladder_grpo
sys.path.insert(0, {tests!r})
from test_grpo_training import MODEL, ROWS, tiny
train_ladder_grpo(MODEL, tiny(max_steps=4), ROWS, {out!r}, strict_resume=True)
"""


@pytest.mark.slow  # ~30 s: a second process trains and is killed; test_grpo_cli_and_ablation resumes by default
def test_resume_after_sigkill_continues_to_the_end(tmp_path):
    out = tmp_path / "grpo"
    script = SCRIPT.format(tests=str(Path(__file__).parent), out=str(out))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    deadline = time.time() + 300
    try:
        while time.time() < deadline and len(committed_checkpoints(out / "checkpoints")) < 2:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            time.sleep(0.2)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done = committed_checkpoints(out / "checkpoints")
    assert len(done) >= 2 and not (out / "adapter").exists(), "the run finished before it could be killed"
    killed_at = int(done[-1].name.split("-")[1])
    assert killed_at < 4

    summary = train_ladder_grpo(MODEL, tiny(max_steps=4), ROWS, out, strict_resume=True)
    assert summary["resumed_from"] == str(done[-1]) and summary["steps"] == 4
    steps = [r["step"] for r in read_metrics(out / "metrics.jsonl") if "reward" in r]
    assert steps == [1, 2, 3, 4], steps  # no step lost or repeated
    assert (out / "adapter" / "adapter_config.json").is_file()
