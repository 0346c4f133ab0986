"""Data parallel under ``accelerate launch``: a real 2-process CPU run (gloo) of 2 SFT and 2 GRPO steps on the
embedded model. The ranks graded different rows, their LoRA weights are identical after every step (each rank
gets a different reward, so only a working all-reduce makes them equal), and one set of outputs is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ladderlib.train.checkpoints import committed_checkpoints
from ladderlib.train.metrics import read_metrics

REPO = Path(__file__).resolve().parents[1]
ACCELERATE = Path(sys.executable).with_name("accelerate")


def launch(out: Path, *launcher: str, grpo_steps: int = 2) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE",
           "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    return subprocess.run([*launcher, str(REPO / "tests" / "dist_worker.py"), str(out), str(grpo_steps)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=900)


@pytest.mark.slow
def test_two_process_sft_and_grpo_shard_data_sync_weights_and_write_once(tmp_path):
    done = launch(tmp_path, str(ACCELERATE), "launch", "--config_file", str(REPO / "configs/accelerate/cpu_2proc.yaml"))
    assert done.returncode == 0, done.stderr[-3000:]
    traces = [json.loads((tmp_path / "trace" / f"rank-{r}.json").read_text()) for r in (0, 1)]
    assert [t["world"] for t in traces] == [2, 2] and traces[0]["grpo_resumed_from"] is None
    # different shards: each rank graded its own prompts (num_generations completions each), none in common
    seen = [set(t["graded"]) for t in traces]
    assert all(seen) and seen[0].isdisjoint(seen[1]), seen
    # synchronised gradients: the same LoRA weights on both ranks after every SFT and GRPO step
    for stage in ("sft", "grpo"):
        assert [s["step"] for s in traces[0][stage]] == [1, 2]
        assert traces[0][stage] == traces[1][stage], stage
        assert traces[0][stage][0]["sha"] != traces[0][stage][1]["sha"]  # and they did change
    # one set of outputs: one events file, one metrics row per step, committed checkpoints, adapters
    grpo = tmp_path / "grpo"
    assert len(list((grpo / "tensorboard").glob("events.out.tfevents*"))) == 1
    assert [r["step"] for r in read_metrics(grpo / "metrics.jsonl") if "reward" in r] == [1, 2]
    assert [p.name for p in committed_checkpoints(grpo / "checkpoints")] == ["checkpoint-1", "checkpoint-2"]
    assert json.loads((grpo / "summary.json").read_text())["steps"] == 2
    assert (grpo / "adapter" / "adapter_model.safetensors").is_file()
    assert (tmp_path / "sft_adapter" / "adapter_model.safetensors").is_file()
    assert not list(tmp_path.glob(".*saving")) and not list(tmp_path.glob(".sft_adapter.work"))
    # resume under the launcher: one more step from checkpoint-2 on both ranks, still in step
    again = launch(tmp_path, str(ACCELERATE), "launch", "--config_file", str(REPO / "configs/accelerate/cpu_2proc.yaml"),
                   grpo_steps=3)
    assert again.returncode == 0, again.stderr[-3000:]
    traces = [json.loads((tmp_path / "trace" / f"rank-{r}.json").read_text()) for r in (0, 1)]
    assert [Path(t["grpo_resumed_from"]).name for t in traces] == ["checkpoint-2"] * 2
    assert [s["step"] for s in traces[0]["grpo"]] == [3] and traces[0]["grpo"] == traces[1]["grpo"]
    assert [r["step"] for r in read_metrics(grpo / "metrics.jsonl") if "reward" in r] == [1, 2, 3]
    assert len(list((grpo / "tensorboard").glob("events.out.tfevents*"))) == 2  # one per run, from rank 0
