"""SFT (04_sft): settings, prompt/completion formatting, precision choices, and a real tiny LoRA run on the embedded model."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from pydantic import ValidationError

from ladderlib.config.model import LoraSettings, ModelSettings
from ladderlib.config.planner import PLANNER_SYSTEM_PROMPT, PlannerSFTSettings
from ladderlib.config.sft import TUTOR_SYSTEM_PROMPT, SFTSettings
from ladderlib.models.generation import Chat, Engine, Sampling
from ladderlib.regime_w.sft import train_tutor_sft, tutor_examples
from ladderlib.tasks.gsm8k import clean_solution, tutor_prompt
from ladderlib.train.sft import loss_curve, make_sft_config, precision_plan

SFT_ADAPTER = "sft_lora"


def sft_example(row, system):
    (example,) = tutor_examples([row], system)
    return example

NATALIA_SOLUTION = (
    "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n"
    "Natalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72"
)


# --- settings -------------------------------------------------------------------------------------------------


def test_defaults_follow_the_seed_recipe():
    s = SFTSettings()
    assert (s.lora.r, s.lora.alpha, s.lora.dropout, s.lora.target_modules) == (32, 16, 0.05, "all-linear")
    assert (s.learning_rate, s.per_device_train_batch_size, s.gradient_accumulation_steps, s.num_train_epochs) == (5e-5, 1, 8, 1.0)
    assert s.max_steps is None and s.max_train_examples is None and s.eval_examples == 50
    assert s.system_prompt == TUTOR_SYSTEM_PROMPT and "####" in s.system_prompt
    p = PlannerSFTSettings()
    assert (p.lora.r, p.lora.alpha, p.learning_rate, p.per_device_train_batch_size, p.gradient_accumulation_steps) == (16, 32, 1e-4, 2, 8)
    assert p.system_prompt == PLANNER_SYSTEM_PROMPT and p.dataset is None
    assert SFTSettings().lora is not SFTSettings().lora  # no shared mutable default


@pytest.mark.parametrize(
    "kwargs, where",
    [
        ({"learning_rate": 0}, "learning_rate"),
        ({"gradient_accumulation_steps": 0}, "gradient_accumulation_steps"),
        ({"max_steps": 0}, "max_steps"),
        ({"max_length": 8}, "max_length"),
        ({"eval_examples": 0}, "eval_examples"),
        ({"optim": "sgd"}, "optim"),
        ({"lora": {"r": 0}}, "lora.r"),
        ({"lora": {"dropout": 1.0}}, "lora.dropout"),
        ({"max_step": 3}, "max_step"),  # a typo is an error, never silently ignored
        ({"max_steps": 2, "save_steps": 5}, "save_steps"),
    ],
)
def test_bad_settings_are_rejected(kwargs, where):
    with pytest.raises(ValidationError) as err:
        SFTSettings(**kwargs)
    assert where.split(".")[0] in str(err.value)


def test_planner_dataset_is_a_local_file_or_a_hub_id(tmp_path):
    f = tmp_path / "plans.jsonl"
    f.write_text("{}\n")
    assert PlannerSFTSettings.model_validate({"dataset": "plans.jsonl"}, context={"base_dir": tmp_path}).dataset == str(f)
    assert PlannerSFTSettings(dataset="emilbiju/Planning-Data-Math-Full-Soln").dataset.startswith("emilbiju/")
    assert PlannerSFTSettings(dataset="  ").dataset is None
    with pytest.raises(ValidationError, match="does not exist"):
        PlannerSFTSettings(dataset=str(tmp_path / "missing.jsonl"))
    with pytest.raises(ValidationError, match="hub dataset id"):
        PlannerSFTSettings(dataset="not a dataset id")


# --- formatting -----------------------------------------------------------------------------------------------


def test_clean_solution_drops_calculator_notes_and_ends_with_the_answer():
    assert clean_solution(NATALIA_SOLUTION) == (
        "Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and May.\n#### 72"
    )
    assert clean_solution("Half of 2,000 is 2,000/2 = <<2000/2=1000>>1,000.\n#### 1,000", "1000").endswith("\n#### 1000")
    assert clean_solution("Just 5.", "5") == "Just 5.\n#### 5"
    with pytest.raises(ValueError, match="no '#### <answer>'"):
        clean_solution("no final answer here")


def test_sft_example_is_conversational_prompt_completion():
    raw = {"question": "Natalia sold clips ... How many?", "answer": NATALIA_SOLUTION}
    run_row = {"id": "gsm8k-train-00000", "question": raw["question"], "solution": NATALIA_SOLUTION, "answer": "72"}
    ex = sft_example(raw, "SYS")
    assert ex == sft_example(run_row, "SYS")
    assert ex["prompt"] == [
        {"role": "system", "content": "SYS"},
        {"role": "user", "content": tutor_prompt(raw["question"])},
    ]
    (completion,) = ex["completion"]
    assert completion["role"] == "assistant" and "<<" not in completion["content"]
    assert completion["content"].endswith("#### 72")


def test_chat_template_renders_prompt_as_a_prefix_and_completion_ends_the_turn(embedded_tokenizer):
    ex = sft_example({"question": "What is 2+3?", "answer": "2+3 = <<2+3=5>>5\n#### 5"}, TUTOR_SYSTEM_PROMPT)
    prompt = embedded_tokenizer.apply_chat_template(ex["prompt"], tokenize=False, add_generation_prompt=True)
    full = embedded_tokenizer.apply_chat_template(ex["prompt"] + ex["completion"], tokenize=False)
    assert full.startswith(prompt)  # loss-masked part == what generation sees at inference
    assert full[len(prompt):] == "2+3 = 5\n#### 5<|im_end|>\n"  # the model learns to stop
    p_ids = embedded_tokenizer.apply_chat_template(ex["prompt"], add_generation_prompt=True)
    f_ids = embedded_tokenizer.apply_chat_template(ex["prompt"] + ex["completion"])
    p_ids, f_ids = (list(x["input_ids"]) if hasattr(x, "keys") else list(x) for x in (p_ids, f_ids))
    assert f_ids[: len(p_ids)] == p_ids


# --- trainer configuration ------------------------------------------------------------------------------------


def test_cpu_precision_is_fp32_adamw():
    plan = precision_plan(ModelSettings(device="cpu"), SFTSettings())
    assert plan == {"device": "cpu", "dtype": "float32", "quantized": False, "bf16": False, "fp16": False, "optim": "adamw_torch"}
    with pytest.raises(RuntimeError, match="needs bitsandbytes on a CUDA GPU"):
        precision_plan(ModelSettings(device="cpu"), SFTSettings(optim="paged_adamw_8bit"))


@pytest.mark.parametrize(
    "dtype, quant, expected",
    [
        ("bfloat16", "4bit", {"bf16": True, "fp16": False, "optim": "paged_adamw_8bit", "quantized": True}),
        ("float16", "4bit", {"bf16": False, "fp16": True, "optim": "paged_adamw_8bit", "quantized": True}),
        ("bfloat16", "none", {"bf16": True, "fp16": False, "optim": "adamw_torch", "quantized": False}),
    ],
)
def test_cuda_precision_choices(monkeypatch, dtype, quant, expected):
    import torch

    import ladderlib.models.device as device

    monkeypatch.setattr(device, "resolve_device", lambda requested="auto": "cuda")
    monkeypatch.setattr(device, "resolve_dtype", lambda requested, dev: getattr(torch, dtype))
    plan = precision_plan(ModelSettings(quantization=quant), SFTSettings())
    assert {k: plan[k] for k in expected} == expected


def test_sft_config_overrides_trl_defaults_that_break_cpu_runs(tmp_path):
    ms = ModelSettings(device="cpu", max_seq_length=777)
    cfg = make_sft_config(ms, SFTSettings(max_steps=3, save_steps=2, logging_steps=1), tmp_path)
    assert cfg.gradient_checkpointing is False  # TRL's default is True
    assert cfg.bf16 is False and cfg.fp16 is False  # TRL's default bf16 is True
    assert cfg.completion_only_loss is True and cfg.packing is False
    assert (cfg.max_steps, cfg.max_length, cfg.save_strategy, cfg.save_steps) == (3, 777, "steps", 2)
    assert (cfg.per_device_train_batch_size, cfg.gradient_accumulation_steps, cfg.learning_rate) == (1, 8, 5e-5)
    assert cfg.report_to in ("none", [], ["none"]) and cfg.push_to_hub is False
    cfg = make_sft_config(ModelSettings(device="cpu", gradient_checkpointing=True), SFTSettings(max_length=128), tmp_path)
    assert cfg.gradient_checkpointing is True and cfg.max_length == 128 and cfg.max_steps == -1 and cfg.save_strategy == "no"


def test_loss_curve_keeps_logged_steps_only():
    history = [
        {"loss": 2.0, "grad_norm": 1.0, "learning_rate": 1e-4, "epoch": 0.1, "step": 1},
        {"loss": 1.5, "learning_rate": 5e-5, "epoch": 0.2, "step": 2},
        {"train_runtime": 3.0, "train_loss": 1.75, "epoch": 0.2, "step": 2},
    ]
    assert loss_curve(history) == [
        {"step": 1, "loss": 2.0, "learning_rate": 1e-4, "grad_norm": 1.0, "epoch": 0.1},
        {"step": 2, "loss": 1.5, "learning_rate": 5e-5, "epoch": 0.2},
    ]


# --- a real tiny run ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def embedded_tokenizer():
    from transformers import AutoTokenizer

    from ladderlib.models.embedded import ensure_converted

    return AutoTokenizer.from_pretrained(ensure_converted(), local_files_only=True)


def shortest_gsm8k_rows(shared_data: Path, n: int, pool: int = 200) -> list[dict]:
    """The ``n`` shortest of the first ``pool`` GSM8K train rows, in run-folder form (keeps CPU steps short)."""
    from ladderlib.data.gsm8k import final_answer

    with open(shared_data / "gsm8k" / "train.jsonl", encoding="utf-8") as fh:
        raw = [json.loads(next(fh)) for _ in range(pool)]
    raw.sort(key=lambda r: len(r["question"]) + len(r["answer"]))
    return [
        {"id": f"gsm8k-train-{i:05d}", "question": r["question"], "solution": r["answer"], "answer": final_answer(r["answer"])}
        for i, r in enumerate(raw[:n])
    ]


TINY_SFT = SFTSettings(
    lora=LoraSettings(r=8, alpha=16, dropout=0.0),
    learning_rate=1e-3,
    gradient_accumulation_steps=1,
    max_steps=2,
    max_length=256,
    logging_steps=1,
    max_train_examples=4,
)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, shared_data, one_thread):
    """Two real optimizer steps of LoRA SFT on four real GSM8K rows read from a run folder."""
    run_dir = tmp_path_factory.mktemp("sft_run")
    metrics = train_tutor_sft(ModelSettings(name="embedded", device="cpu"), TINY_SFT, shortest_gsm8k_rows(shared_data, 6),
                              run_dir / "checkpoints" / SFT_ADAPTER)
    return run_dir, metrics


def test_tiny_sft_trains_and_saves_an_adapter(tiny_run):
    run_dir, m = tiny_run
    adapter = run_dir / "checkpoints" / SFT_ADAPTER
    assert Path(m["adapter_path"]) == adapter
    for name in ("adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "training_info.json"):
        assert (adapter / name).is_file(), name
    assert sorted(p.name for p in (run_dir / "checkpoints").iterdir()) == [SFT_ADAPTER]  # no temp or work folders left
    assert m["steps"] == 2 and m["examples"] == 4
    assert [p["step"] for p in m["loss_curve"]] == [1, 2]
    assert all(math.isfinite(p["loss"]) and p["loss"] > 0 for p in m["loss_curve"])
    assert math.isfinite(m["train_loss"]) and m["runtime_s"] > 0 and m["trainable_params"] > 0
    assert m["precision"]["optim"] == "adamw_torch" and not m["precision"]["bf16"]
    config = json.loads((adapter / "adapter_config.json").read_text())
    assert (config["r"], config["lora_alpha"]) == (8, 16)
    info = json.loads((adapter / "training_info.json").read_text())
    assert info["steps"] == 2 and info["settings"]["max_steps"] == 2


def test_adapter_weights_moved_from_their_init(tiny_run):
    from safetensors.torch import load_file

    run_dir, _ = tiny_run
    weights = load_file(str(run_dir / "checkpoints" / SFT_ADAPTER / "adapter_model.safetensors"))
    lora_b = {k: v for k, v in weights.items() if "lora_B" in k}
    assert lora_b, f"no lora_B tensors in {list(weights)[:4]}"
    # PEFT initialises every lora_B to zero; training must have moved them
    assert sum(int(v.abs().sum() > 0) for v in lora_b.values()) == len(lora_b)


def test_saved_adapter_loads_and_generates(tiny_run):
    from ladderlib.models import load_model

    run_dir, _ = tiny_run
    model, tok = load_model(ModelSettings(device="cpu"), adapter_path=run_dir / "checkpoints" / SFT_ADAPTER)
    assert type(model).__name__.startswith("Peft")
    (out,) = Engine(model, tok)([Chat(tutor_prompt("What is 2 + 3?"), TUTOR_SYSTEM_PROMPT)], Sampling(max_new_tokens=4))
    assert isinstance(out, str) and out.strip()


def test_resume_only_from_complete_checkpoints_of_the_same_configuration(tmp_path):
    from ladderlib.io import atomic_write_json
    from ladderlib.train.checkpoints import COMMITTED, prepare_work_dir

    fingerprint = {"sft": SFTSettings(max_steps=4).model_dump(mode="json"), "examples": 8}
    for n in (1, 3, 4):
        (tmp_path / f"checkpoint-{n}").mkdir()
    assert prepare_work_dir(tmp_path, fingerprint, resume=True) is None  # no fingerprint: unknown origin, wiped
    assert not (tmp_path / "checkpoint-3").exists()
    for n in (1, 3):
        (tmp_path / f"checkpoint-{n}").mkdir()
        (tmp_path / f"checkpoint-{n}" / COMMITTED).write_text(str(n))
    (tmp_path / "checkpoint-4").mkdir()  # killed while saving: no commit marker
    atomic_write_json(tmp_path / "ladder_fingerprint.json", fingerprint)
    assert prepare_work_dir(tmp_path, fingerprint, resume=True) == str(tmp_path / "checkpoint-3")
    assert not (tmp_path / "checkpoint-4").exists()
    changed = {**fingerprint, "examples": 9}
    assert prepare_work_dir(tmp_path, changed, resume=True) is None
