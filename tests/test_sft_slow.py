"""Longer SFT checks (``-m slow``): resume after a crash, planner SFT end to end, base-vs-SFT dev eval, merge."""

from __future__ import annotations

import json
import math

import pytest

from ladderlib.config.model import LoraSettings, ModelSettings
from ladderlib.config.planner import PlannerSFTSettings
from ladderlib.config.sft import SFTSettings
from ladderlib.data.store import read_dataset
from ladderlib.planner.sft import planner_sft_rows, train_planner_sft
from ladderlib.regime_w.sft import dev_eval, train_tutor_sft

SFT_ADAPTER, PLANNER_ADAPTER = "sft_lora", "planner_sft_lora"

pytestmark = pytest.mark.slow

CPU = ModelSettings(name="embedded", device="cpu")
TINY = dict(lora=LoraSettings(r=8, alpha=16, dropout=0.0), learning_rate=1e-3, gradient_accumulation_steps=1, max_length=256, logging_steps=1)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, shared_data):
    """A run folder with real GSM8K train/validation splits, as 01_data writes them."""
    from ladderlib.config.data import GSM8KSettings
    from ladderlib.data.gsm8k import load_gsm8k
    from ladderlib.data.store import write_dataset

    run = tmp_path_factory.mktemp("sft_slow")
    splits, _ = load_gsm8k(GSM8KSettings(path=shared_data / "gsm8k", hub_id=None, max_train=40, max_val=10), seed=1234)
    for split in ("train", "validation"):
        write_dataset(run, f"gsm8k_{split}", splits[split])
    return run


def test_interrupted_training_leaves_no_adapter_and_resumes(run_dir, one_thread):
    from transformers import TrainerCallback

    class Crash(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):
            raise KeyboardInterrupt("simulated crash after the first checkpoint")

    sft = SFTSettings(**TINY, max_steps=2, save_steps=1, max_train_examples=4)
    with pytest.raises(KeyboardInterrupt):
        train_tutor_sft(CPU, sft, read_dataset(run_dir, "gsm8k_train"), run_dir / "checkpoints" / SFT_ADAPTER,
                        callbacks=[Crash()])
    ckpt = run_dir / "checkpoints"
    assert not (ckpt / SFT_ADAPTER).exists()  # nothing half-written where readers look
    assert (ckpt / f".{SFT_ADAPTER}.work" / "checkpoint-1").is_dir()
    m = train_tutor_sft(CPU, sft, read_dataset(run_dir, "gsm8k_train"), ckpt / SFT_ADAPTER)
    assert m["resumed_from"].endswith("checkpoint-1") and m["steps"] == 2
    assert [p["step"] for p in m["loss_curve"]][-1] == 2
    assert not (ckpt / f".{SFT_ADAPTER}.work").exists()


def test_planner_sft_from_gsm8k_plans(run_dir, one_thread):
    from ladderlib.planner.schema import parse_plan
    from ladderlib.planner.data import planner_example, planner_rows_from_gsm8k

    planner = PlannerSFTSettings(**TINY, per_device_train_batch_size=1, max_steps=2, max_train_examples=4)
    source, rows = planner_sft_rows(planner, read_dataset(run_dir, "gsm8k_train"))
    m = train_planner_sft(CPU, planner, rows, run_dir / "checkpoints" / PLANNER_ADAPTER)
    assert source.startswith("gsm8k_train") and m["steps"] == 2 and m["examples"] == 4
    assert all(math.isfinite(p["loss"]) for p in m["loss_curve"])
    assert (run_dir / "checkpoints" / PLANNER_ADAPTER / "adapter_model.safetensors").is_file()
    # the training targets are plans the shared parser reads back
    rows = planner_rows_from_gsm8k(read_dataset(run_dir, "gsm8k_train")[:4])
    for row in rows:
        assert parse_plan(planner_example(row, planner.system_prompt)["completion"][0]["content"]).model_dump() == row["plan"]


def test_dev_eval_compares_base_and_sft(run_dir, one_thread):
    adapter = run_dir / "checkpoints" / SFT_ADAPTER
    train_tutor_sft(CPU, SFTSettings(**TINY, max_steps=1, max_train_examples=2), read_dataset(run_dir, "gsm8k_train"),
                    adapter)
    sft = SFTSettings(eval_examples=3, eval_max_new_tokens=48, eval_batch_size=3)
    table = dev_eval(CPU, sft, adapter, read_dataset(run_dir, "gsm8k_validation"), run_dir / "eval" / "sft_dev")["table"]
    assert {row["model"] for row in table} == {"base", "sft"}
    for row in table:
        assert row["n"] == 3 and 0.0 <= row["ci_low"] <= row["accuracy"] <= row["ci_high"] <= 1.0
    records = (run_dir / "eval" / "sft_dev" / "sft.jsonl").read_text().splitlines()
    assert len(records) == 3 and "completion" in json.loads(records[0])


def test_merge_writes_a_loadable_full_model(run_dir, tmp_path):
    from ladderlib.models import load_model
    from ladderlib.models.hub import merge_and_push

    adapter = run_dir / "checkpoints" / SFT_ADAPTER
    if not adapter.is_dir():
        pytest.skip("needs the adapter trained by an earlier test in this module")
    out = merge_and_push(CPU, adapter, tmp_path / "merged")
    assert out["url"] is None and (tmp_path / "merged" / "config.json").is_file()
    model, _ = load_model(ModelSettings(name=str(tmp_path / "merged"), device="cpu"))
    assert not hasattr(model, "peft_config")
