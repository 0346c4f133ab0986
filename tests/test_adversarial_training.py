"""Real adversarial PPO on the embedded model: each role's step moves only its own adapter and value head;
committed per-stage checkpoints with the seed's metadata, ``checkpoint_best``, a finished run reused, resuming
from a given checkpoint, and a run killed with SIGKILL mid-stage that resumes to the same last step with no step
logged twice; ``ladder code-solve`` on the checkpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ladderlib.adversarial import checkpoints as ck
from ladderlib.adversarial.roles import ROLES, build_roles
from ladderlib.adversarial.train import METRICS, ROLLOUTS, train_adversarial
from ladderlib.config.adversarial import AdversarialSettings
from ladderlib.config.model import LoraSettings, ModelSettings
from ladderlib.config.sandbox import SandboxSettings
from ladderlib.tasks.code import to_problem
from ladderlib.train.checkpoints import committed_checkpoints
from ladderlib.train.metrics import read_metrics

MODEL = ModelSettings(name="embedded", device="cpu", dtype="float32",
                      lora=LoraSettings(r=4, alpha=8, dropout=0.0, target_modules=["q_proj", "v_proj"]))
SANDBOX = SandboxSettings()
ROWS = [  # real MBPP train problems (task ids 601-974), copied so the subprocess below needs no data folder
    {"id": "mbpp-604", "text": "Write a function to reverse words in a given string.",
     "code": "def reverse_words(s):\n  return ' '.join(reversed(s.split()))", "test_setup_code": "",
     "test_list": ['assert reverse_words("python program")==("program python")',
                   'assert reverse_words("java language")==("language java")',
                   'assert reverse_words("indian man")==("man indian")']},
    {"id": "mbpp-606", "text": "Write a function to convert degrees to radians.",
     "code": "import math\ndef radian_degree(degree):\n radian = degree*(math.pi/180)\n return radian",
     "test_setup_code": "",
     "test_list": ["assert radian_degree(90)==1.5707963267948966", "assert radian_degree(60)==1.0471975511965976",
                   "assert radian_degree(120)==2.0943951023931953"]},
]
PROBLEMS = [to_problem(r) for r in ROWS]


def tiny(**kw) -> AdversarialSettings:
    """Two stages, one alternating step each (discriminator at stage 1, generator at stage 5), tiny budgets."""
    base = dict(stages=[1, 5], n_discriminator_steps=0, n_generator_steps=0, k_alternating_steps=1, batch_size=1,
                stage_max_new_tokens=4, code_max_new_tokens=24, tests_max_new_tokens=16, max_tests=2,
                generation_batch_size=2, eval_humaneval=1, eval_mbpp=1,
                ppo=dict(learning_rate=1e-3, batch_size=1, mini_batch_size=1, ppo_epochs=1, temperature=1.0))
    return AdversarialSettings(**{**base, **kw})


def _snapshot(roles):
    return {role: ({k: v.detach().clone() for k, v in roles.adapter_state(role).items()},
                   {k: v.detach().clone() for k, v in roles.trainers[role].model.v_head.state_dict().items()})
            for role in ROLES}


def _moved(a, b) -> tuple[bool, bool]:
    import torch

    return (any(not torch.equal(a[0][k], b[0][k]) for k in a[0]), any(not torch.equal(a[1][k], b[1][k]) for k in a[1]))


def _saved(checkpoint: Path):
    from safetensors.torch import load_file

    return {role: (load_file(str(checkpoint / role / "adapter_model.safetensors")),
                   load_file(str(checkpoint / role / "value_head.safetensors"))) for role in ROLES}


@pytest.fixture(scope="module")
def trained(tmp_path_factory, one_thread):
    """A real 2-step adversarial PPO run (discriminator at stage 1, generator at stage 5), and the roles' weights
    before it."""
    out = tmp_path_factory.mktemp("adv") / "run"
    roles = build_roles(MODEL, tiny())
    before = _snapshot(roles)
    summary = train_adversarial(MODEL, tiny(), SANDBOX, PROBLEMS, out, roles=roles)
    return out, summary, roles, before


def test_each_roles_ppo_step_moves_only_its_adapter_and_value_head(trained):
    out, _, roles, before = trained
    assert roles.model.peft_config.keys() == set(ROLES)
    for role in ROLES:  # each trainer optimises exactly its LoRA A/B matrices and its own value head
        assert len(roles.trainers[role].params) == len(before[role][0]) + 2
    after_1, after_2 = (_saved(out / ck.CHECKPOINTS / f"checkpoint-{i}") for i in (1, 2))
    assert _moved(before["discriminator"], after_1["discriminator"]) == (True, True)  # step 1: discriminator
    assert _moved(before["generator"], after_1["generator"]) == (False, False)
    assert _moved(after_1["generator"], after_2["generator"]) == (True, True)  # step 2: generator
    assert _moved(after_1["discriminator"], after_2["discriminator"]) == (False, False)
    row = read_metrics(out / METRICS)[-1]
    assert row["role"] == "generator" and row["ppo/response_length"] > 0
    assert {"generator_reward", "test_validity", "discriminator_reward_seed", "discriminator_reward_cure",
            "own_pass_rate", "adversarial_pass_rate", "break_rate"} <= set(row)


def test_run_writes_committed_stage_checkpoints_with_metadata_and_best(trained):
    out, summary, *_ = trained
    done = committed_checkpoints(out / ck.CHECKPOINTS)
    assert [p.name for p in done] == ["checkpoint-1", "checkpoint-2"] and summary["steps"] == 2
    meta = [ck.read_metadata(p) for p in done]
    assert [(m["stage"], m["epoch"], m["name"]) for m in meta] == [(1, 1, "stage_1_epoch_1"), (5, 1, "stage_5_epoch_1")]
    for m in meta:
        assert {"generator_reward", "discriminator_reward", "test_validity", "settings", "timestamp", "score",
                "stage_meaning"} <= set(m)
        assert m["score"] == pytest.approx(0.7 * m["generator_reward"] + 0.3 * m["test_validity"])
        assert m["settings"]["adversarial"]["stages"] == [1, 5]
    best = ck.read_metadata(out / ck.CHECKPOINTS / ck.BEST)
    top = max(meta, key=lambda m: (m["score"], -m["step"]))
    assert best["step"] == top["step"] and best["best_of"] == f"checkpoint-{top['step']}"
    for role in ROLES:
        assert (done[-1] / role / "adapter_config.json").is_file() and (done[-1] / role / "value_head.safetensors").is_file()
    rows = read_metrics(out / METRICS)
    assert [(r["step"], r["stage"], r["role"]) for r in rows] == [(1, 1, "discriminator"), (2, 5, "generator")]
    rollouts = read_metrics(out / ROLLOUTS)
    assert [r["step"] for r in rollouts] == [1, 2] and rollouts[0]["rounds"][0]["chains"][0]["stages"]
    assert all(len(r["rounds"][0]["chains"][0]["stages"]) == 5 for r in rollouts)


def test_a_finished_run_is_reused_and_resume_from_continues_without_duplicates(trained):
    out, summary, *_ = trained
    again = train_adversarial(MODEL, tiny(), SANDBOX, PROBLEMS, out)
    assert again["reused"] and again["final_checkpoint"] == summary["final_checkpoint"]
    first = out / ck.CHECKPOINTS / "checkpoint-1"
    resumed = train_adversarial(MODEL, tiny(), SANDBOX, PROBLEMS, out, resume_from=first)
    assert resumed["resumed_from"] == str(first) and resumed["steps"] == 2
    assert [r["step"] for r in read_metrics(out / METRICS)] == [1, 2]
    assert [r["step"] for r in read_metrics(out / ROLLOUTS)] == [1, 2]
    with pytest.raises(ck.CheckpointError, match="different adversarial"):
        train_adversarial(MODEL, tiny(max_tests=3), SANDBOX, PROBLEMS, out, resume_from=first)
    with pytest.raises(ck.CheckpointError, match="not a complete adversarial checkpoint"):
        ck.resolve(out)


def test_code_solve_runs_the_trained_generator_and_its_tests(trained, tmp_path, capsys):
    from ladderlib.cli import main

    out, *_ = trained
    result = tmp_path / "solve.json"
    code = main(["code-solve", "--checkpoint", str(out / ck.CHECKPOINTS / ck.BEST / ck.METADATA),
                 "--problem", "Return the sum of two numbers.", "--signature", "def add(a, b):",
                 "--tests", "assert add(2,3)==5;assert add(0,0)==0", "--execute-tests", "--max-tokens", "16",
                 "--temperature", "0", "--output", str(result), "--json", "--no-reasoning"])
    shown = capsys.readouterr().out
    assert code == 0
    assert json.loads(shown) == json.loads(result.read_text())
    r = json.loads(shown)["results"][0]
    assert "reasoning" not in r and r["tests"]["total"] == 2 and r["tests"]["isolated"]
    assert r["tests"]["status"] in ("passed", "failed", "error", "timeout")
    assert [v["test"] for v in r["tests"]["verdicts"]] == ["assert add(2,3)==5", "assert add(0,0)==0"]


SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_adversarial_training import MODEL, PROBLEMS, SANDBOX, tiny
from ladderlib.adversarial.train import train_adversarial
train_adversarial(MODEL, tiny(stages=[5], epochs_per_stage=2), SANDBOX, PROBLEMS, {out!r})
"""


@pytest.mark.slow  # ~40 s: a second process trains and is killed; resume_from is tested by default
def test_resume_after_sigkill_mid_stage_reaches_the_same_last_step(tmp_path, one_thread):
    out = tmp_path / "run"
    script = SCRIPT.format(tests=str(Path(__file__).parent), out=str(out))
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    deadline = time.time() + 300
    try:  # stage 5 runs two epochs of one step each: kill in its second epoch, once checkpoint-1 is committed
        while time.time() < deadline and not committed_checkpoints(out / ck.CHECKPOINTS):
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            time.sleep(0.1)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    done = committed_checkpoints(out / ck.CHECKPOINTS)
    assert [p.name for p in done] == ["checkpoint-1"], "the run finished (or never checkpointed) before the kill"
    assert [r["step"] for r in read_metrics(out / METRICS)] == [1]
    summary = train_adversarial(MODEL, tiny(stages=[5], epochs_per_stage=2), SANDBOX, PROBLEMS, out, resume=True)
    assert summary["resumed_from"] == str(done[0]) and summary["steps"] == 2
    rows = read_metrics(out / METRICS)
    assert [(r["step"], r["stage"], r["epoch"], r["role"]) for r in rows] == [(1, 5, 1, "discriminator"),
                                                                              (2, 5, 2, "generator")]
    assert [r["step"] for r in read_metrics(out / ROLLOUTS)] == [1, 2]  # nothing lost or repeated
    assert [p.name for p in committed_checkpoints(out / ck.CHECKPOINTS)] == ["checkpoint-1", "checkpoint-2"]
    assert [m["name"] for m in summary["epochs"]] == ["stage_5_epoch_1", "stage_5_epoch_2"]


@pytest.mark.slow  # ~25 s: a third model load and PPO step; the command's bad input is tested by default
def test_adversarial_train_command_trains_from_a_seed_format_file(tmp_path, capsys, one_thread):
    from ladderlib.cli import main

    problems = tmp_path / "problems.json"
    problems.write_text(json.dumps({"problems": [p.to_row() for p in PROBLEMS]}))
    profile = tmp_path / "p.yaml"
    profile.write_text("profile: t\nmodel: {name: embedded, device: cpu, dtype: float32, lora: {r: 4, alpha: 8, "
                       "target_modules: [q_proj, v_proj]}}\nadversarial: {stages: [5], n_discriminator_steps: 0, "
                       "n_generator_steps: 0, k_alternating_steps: 1, batch_size: 1, stage_max_new_tokens: 4, "
                       "code_max_new_tokens: 16, tests_max_new_tokens: 16, max_tests: 2}\n")
    out = tmp_path / "out"
    args = ["adversarial", "train", "--params", str(profile), "--problems-file", str(problems), "--output-dir",
            str(out), "--learning-rate", "1e-4", "--generator-model", "embedded", "--discriminator-model", "embedded"]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["steps"] == 1 and summary["problems"]["kept"] == 2 and summary["best"]["name"] == "stage_5_epoch_1"
    meta = ck.read_metadata(out / ck.CHECKPOINTS / "checkpoint-1")
    assert meta["settings"]["adversarial"]["ppo"]["learning_rate"] == 1e-4
    assert main(args) == 2 and "--resume" in capsys.readouterr().err  # an earlier run is not overwritten silently
    assert main([*args, "--resume"]) == 0 and json.loads(capsys.readouterr().out)["reused"]
