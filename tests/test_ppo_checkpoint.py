"""PPO checkpoints on the shared convention: committed ``checkpoint-N`` folders, atomic saves, and a killed run
(torn metrics line included) that resumes exactly where an uninterrupted run would be."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import torch

import ladderlib.rl.checkpoint as ppo_mod
from ladderlib.config.ppo import PPOConfig
from ladderlib.rl import CausalLMWithValueHead, PPOTrainer, latest_checkpoint
from ladderlib.rl.toy import target_token_reward, tiny_llama

TARGET = 7
PROMPT = torch.tensor([1, 5, 3])


pytestmark = pytest.mark.usefixtures("one_thread")  # conftest: torch on one thread


def _config(**kw) -> PPOConfig:
    base = dict(
        learning_rate=2e-3,
        batch_size=8,
        mini_batch_size=4,
        ppo_epochs=2,
        init_kl_coef=0.1,
        target_kl=0.05,
        kl_horizon=20,  # small horizon: the coefficient visibly moves every step
        max_new_tokens=2,
        save_every=2,
        keep_checkpoints=2,
        seed=3,
    )
    base.update(kw)
    return PPOConfig(**base)


def _trainer(out: Path, lora: bool = True, **kw) -> PPOTrainer:
    return PPOTrainer(tiny_llama(seed=0, lora=lora), _config(**kw), output_dir=out)


def _steps(trainer: PPOTrainer, n: int) -> None:
    reward_fn = target_token_reward(TARGET)
    for _ in range(n):
        trainer.generate_and_step([PROMPT, torch.tensor([2, 9])] * 4, reward_fn)


def _trainable(trainer: PPOTrainer) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in trainer.model.named_parameters() if p.requires_grad}


def _assert_same_optimizer(a: PPOTrainer, b: PPOTrainer) -> None:
    sa, sb = a.optimizer.state_dict()["state"], b.optimizer.state_dict()["state"]
    assert sa.keys() == sb.keys() and len(sa) > 0
    for k in sa:
        for name in ("exp_avg", "exp_avg_sq", "step"):
            assert torch.equal(sa[k][name], sb[k][name]), (k, name)


@pytest.mark.parametrize("lora", [True, False])
def test_resume_continues_exactly_like_uninterrupted_run(tmp_path, lora):
    # uninterrupted: 4 steps
    ref = _trainer(tmp_path / "a", lora=lora)
    _steps(ref, 4)

    # interrupted: 2 steps (checkpoint at 2), one more step that is lost, then "killed"
    run = _trainer(tmp_path / "b", lora=lora)
    _steps(run, 2)
    at_ckpt = _trainable(run)
    kl_at_ckpt = run.kl_ctl.value
    _steps(run, 1)
    assert run.step_count == 3
    del run

    # fresh process-equivalent: new model, new trainer, resume
    torch.manual_seed(12345)  # any RNG state: resume must restore the saved one
    resumed = _trainer(tmp_path / "b", lora=lora)
    assert resumed.resume() == 2
    assert resumed.step_count == 2
    assert resumed.kl_ctl.value == kl_at_ckpt
    for name, value in _trainable(resumed).items():
        assert torch.equal(value, at_ckpt[name]), name
    # metrics rows logged after the checkpoint were dropped (they will be redone)
    rows = [json.loads(x) for x in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]

    _steps(resumed, 2)
    assert resumed.step_count == 4
    ref_params, got = _trainable(ref), _trainable(resumed)
    assert ref_params.keys() == got.keys()
    for name in ref_params:
        assert torch.equal(ref_params[name], got[name]), f"{name} differs after resume"
    _assert_same_optimizer(ref, resumed)
    assert resumed.kl_ctl.value == ref.kl_ctl.value
    rows_a = [json.loads(x) for x in (tmp_path / "a" / "metrics.jsonl").read_text().splitlines()]
    rows_b = [json.loads(x) for x in (tmp_path / "b" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows_b] == [1, 2, 3, 4]
    for ra, rb in zip(rows_a, rows_b, strict=True):
        assert ra["kl"] == rb["kl"] and ra["policy_loss"] == rb["policy_loss"]


def test_checkpoint_layout_pruning_and_logging(tmp_path):
    trainer = _trainer(tmp_path)
    _steps(trainer, 6)
    trainer.close()
    ckpts = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert ckpts == ["checkpoint-4", "checkpoint-6"]  # keep_checkpoints=2
    latest = latest_checkpoint(tmp_path)
    assert latest is not None and latest.name == "checkpoint-6"
    files = {p.relative_to(latest).as_posix() for p in latest.rglob("*") if p.is_file()}
    for f in (
        "trainer_state.json",
        "ladder_committed",
        "optimizer.pt",
        "rng_state.pt",
        "policy/adapter_config.json",
        "policy/adapter_model.safetensors",
        "policy/value_head.safetensors",
    ):
        assert f in files, f
    state = json.loads((latest / "trainer_state.json").read_text())
    assert state["step"] == 6 and state["kl_ctl"]["type"] == "adaptive"
    rows = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows] == list(range(1, 7))
    for key in ("reward_mean", "kl", "kl_coef", "policy_loss", "value_loss", "clip_fraction", "entropy", "grad_norm"):
        assert all(isinstance(r[key], float) for r in rows), key
    assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(tmp_path / "tensorboard"))
    acc.Reload()
    assert "ppo/kl_coef" in acc.Tags()["scalars"]
    assert [e.step for e in acc.Scalars("ppo/reward_mean")] == list(range(1, 7))


def test_saved_policy_reloads_with_value_head(tmp_path):
    trainer = _trainer(tmp_path)
    _steps(trainer, 2)
    ids = torch.tensor([[1, 5, 3, 7, 7]])
    with torch.no_grad():
        logits, values = trainer.model(ids)
    reloaded = CausalLMWithValueHead.from_pretrained(tiny_llama(seed=0), latest_checkpoint(tmp_path) / "policy")
    assert reloaded.is_peft
    with torch.no_grad():
        logits2, values2 = reloaded(ids)
    assert torch.allclose(logits, logits2, atol=1e-6)
    assert torch.allclose(values, values2, atol=1e-6)
    # untrained value head differs, so the comparison above is not vacuous
    with torch.no_grad():
        _, v0 = CausalLMWithValueHead(tiny_llama(seed=0, lora=True))(ids)
    assert not torch.allclose(values, v0, atol=1e-4)


def test_failed_save_leaves_no_checkpoint_and_previous_survives(tmp_path, monkeypatch):
    trainer = _trainer(tmp_path, save_every=0)
    _steps(trainer, 1)
    first = trainer.save_checkpoint()
    _steps(trainer, 1)

    real_save = torch.save
    calls = {"n": 0}

    def crashing_save(obj, f, *a, **k):
        calls["n"] += 1
        real_save(obj, f, *a, **k)  # the optimizer file is fully written ...
        raise OSError("disk full")  # ... then the process "dies" mid-checkpoint

    monkeypatch.setattr(ppo_mod.torch, "save", crashing_save)
    with pytest.raises(OSError):
        trainer.save_checkpoint()
    monkeypatch.setattr(ppo_mod.torch, "save", real_save)
    assert calls["n"] == 1
    names = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert names == [first.name]  # no step-2 folder, temp folder cleaned up
    assert latest_checkpoint(tmp_path) == first


def test_hard_kill_leftovers_are_ignored_and_cleaned(tmp_path):
    trainer = _trainer(tmp_path, save_every=0)
    _steps(trainer, 1)
    good = trainer.save_checkpoint()
    root = tmp_path / "checkpoints"
    # a SIGKILL during a save leaves a temp folder (never a checkpoint-* folder: that only appears by rename)
    half = root / f".tmp-checkpoint-9-{os.getpid() + 1}"
    (half / "policy").mkdir(parents=True)
    (half / "optimizer.pt").write_bytes(b"\x00partial")
    # and a checkpoint-* folder without the commit marker is not trusted either
    (root / "checkpoint-10").mkdir()
    assert latest_checkpoint(tmp_path) == good
    fresh = _trainer(tmp_path, save_every=0)
    assert fresh.resume() == 1
    assert not half.exists() and not (root / "checkpoint-10").exists()


def test_resume_after_a_torn_last_metrics_line(tmp_path):
    trainer = _trainer(tmp_path, save_every=2)
    _steps(trainer, 3)  # checkpoint at step 2, step 3 logged after it
    trainer.close()
    metrics = tmp_path / "metrics.jsonl"
    with metrics.open("a") as fh:
        fh.write('{"step": 4, "reward_mean": 0.')  # killed mid-write
    fresh = _trainer(tmp_path, save_every=2)
    assert fresh.resume() == 2
    rows = [json.loads(x) for x in metrics.read_text().splitlines()]
    assert [r["step"] for r in rows] == [1, 2]  # the torn line and the step after the checkpoint are gone
    _steps(fresh, 2)
    fresh.close()
    assert [json.loads(x)["step"] for x in metrics.read_text().splitlines()] == [1, 2, 3, 4]


def test_resume_without_checkpoint_is_a_fresh_start(tmp_path):
    trainer = _trainer(tmp_path)
    assert trainer.resume() == 0
    assert trainer.step_count == 0
    assert PPOTrainer(tiny_llama(seed=0, lora=True), _config()).resume() == 0  # no output_dir
