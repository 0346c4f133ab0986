"""Supervised fine-tuning of a LoRA adapter with TRL's ``SFTTrainer`` (the engine behind tutor SFT, planner SFT
and LADDER's warm-up).

Examples are TRL conversational prompt/completion pairs, so the loss is on the completion only and the chat
template renders them exactly as at inference. Training runs in ``checkpoints/.<name>.work`` (resumable
checkpoints when ``save_steps`` is set); the final adapter and tokenizer are written to a temporary folder and
moved into place in one rename. QLoRA (4-bit base, ``paged_adamw_8bit``, bf16/fp16 compute)
applies when the model settings ask for 4-bit on a CUDA GPU; on CPU training is plain fp32 with ``adamw_torch``.
"""

from __future__ import annotations

import gc
import json
import shutil
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ladderlib.config.model import ModelSettings
from ladderlib.config.sft import SFTSettings
from ladderlib.train.checkpoints import commit_callback, prepare_work_dir
from ladderlib.train.distributed import barrier, is_main, main_then_share
from ladderlib.train.resumable import save_adapter

__all__ = ["build_dataset", "loss_curve", "make_sft_config", "precision_plan", "task_examples", "train_adapter",
           "training_info"]

_NOT_IN_FINGERPRINT = {"resume", "eval_examples", "eval_max_new_tokens", "eval_batch_size"}


def task_examples(task: Any, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Prompt/completion examples of a ``Task``'s rows from their references (rows without one are skipped)."""
    out = []
    for row in rows:
        answer = task.reference(row)
        if answer is not None:
            out.append({"prompt": task.messages(row), "completion": [{"role": "assistant", "content": answer}]})
    return out


def build_dataset(examples: Sequence[dict[str, Any]]) -> Any:
    """A ``datasets.Dataset`` of prompt/completion examples (what ``SFTTrainer`` takes)."""
    from datasets import Dataset

    if not examples:
        raise ValueError("no training examples: the SFT dataset is empty")
    return Dataset.from_list([{"prompt": ex["prompt"], "completion": ex["completion"]} for ex in examples])


# --- trainer configuration -----------------------------------------------------------------------------------


def precision_plan(model_settings: ModelSettings, sft: SFTSettings) -> dict[str, Any]:
    """Device, mixed-precision flags and optimizer: QLoRA on CUDA (bf16/fp16, paged 8-bit AdamW), fp32 AdamW on CPU."""
    from ladderlib.models.device import mixed_precision

    device, dtype, bf16, fp16 = mixed_precision(model_settings.device, model_settings.dtype)
    quantized = model_settings.quantization == "4bit"
    optim = sft.optim
    if optim == "auto":
        optim = "paged_adamw_8bit" if quantized and device == "cuda" else "adamw_torch"
    if optim in ("paged_adamw_8bit", "adamw_8bit") and device != "cuda":
        raise RuntimeError(f"sft.optim={optim!r} needs bitsandbytes on a CUDA GPU; use optim: auto or adamw_torch here")
    return {
        "device": device,
        "dtype": str(dtype).removeprefix("torch."),
        "quantized": quantized,
        "bf16": bf16,
        "fp16": fp16,
        "optim": optim,
    }


def make_sft_config(model_settings: ModelSettings, sft: SFTSettings, output_dir: str | Path) -> Any:
    """TRL ``SFTConfig`` for these settings (loss on completions only, no hub, no external loggers)."""
    from trl import SFTConfig

    prec = precision_plan(model_settings, sft)
    return SFTConfig(
        output_dir=str(output_dir),
        learning_rate=sft.learning_rate,
        per_device_train_batch_size=sft.per_device_train_batch_size,
        gradient_accumulation_steps=sft.gradient_accumulation_steps,
        num_train_epochs=sft.num_train_epochs,
        max_steps=sft.max_steps if sft.max_steps is not None else -1,
        max_length=sft.max_length or model_settings.max_seq_length,
        warmup_steps=sft.warmup_ratio,  # a float in [0, 1) is a ratio of the total steps
        lr_scheduler_type=sft.lr_scheduler_type,
        weight_decay=sft.weight_decay,
        max_grad_norm=sft.max_grad_norm,
        optim=prec["optim"],
        bf16=prec["bf16"],
        fp16=prec["fp16"],
        use_cpu=prec["device"] == "cpu",
        gradient_checkpointing=model_settings.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False} if model_settings.gradient_checkpointing else None,
        logging_steps=sft.logging_steps,
        logging_first_step=True,
        save_strategy="steps" if sft.save_steps else "no",
        save_steps=sft.save_steps or 500,
        save_total_limit=2,
        seed=sft.seed,
        data_seed=sft.seed,
        completion_only_loss=True,
        packing=False,
        report_to="none",
        push_to_hub=False,
        dataloader_num_workers=0,
    )


def _peft_model_and_config(model: Any, model_settings: ModelSettings, sft: SFTSettings) -> tuple[Any, Any]:
    """(model, peft_config) for SFTTrainer: a LoraConfig for plain/4-bit models, Unsloth's own adapter otherwise."""
    from ladderlib.models.lora import add_lora, lora_config

    if model_settings.backend == "unsloth":  # Unsloth wants its own get_peft_model before the trainer sees it
        return add_lora(model, model_settings.model_copy(update={"lora": sft.lora})), None
    if getattr(model, "is_loaded_in_4bit", False):
        from peft import prepare_model_for_kbit_training

        model = prepare_model_for_kbit_training(
            model,
            use_gradient_checkpointing=model_settings.gradient_checkpointing,
            gradient_checkpointing_kwargs={"use_reentrant": False},
        )
    return model, lora_config(sft.lora)


# --- training ------------------------------------------------------------------------------------------------


def loss_curve(log_history: Sequence[dict[str, Any]]) -> list[dict[str, float]]:
    """Training-loss points ``{step, loss, lr, ...}`` from a trainer's ``state.log_history``."""
    keep = ("loss", "learning_rate", "grad_norm", "mean_token_accuracy", "num_tokens", "epoch")
    return [
        {"step": int(e["step"]), **{k: float(e[k]) for k in keep if k in e}}
        for e in log_history
        if "loss" in e and "step" in e
    ]


def train_adapter(
    model_settings: ModelSettings,
    sft: SFTSettings,
    examples: Sequence[dict[str, Any]],
    adapter_dir: str | Path,
    callbacks: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """Train a LoRA adapter on prompt/completion ``examples`` and save it (with the tokenizer) atomically.

    ``callbacks`` are ``transformers.TrainerCallback``s (progress widgets, early stops). Returns metrics: adapter
    path, steps, mean and last train loss, loss curve, runtime, trainable parameters, checkpoint resumed from.
    """
    import torch
    from trl import SFTTrainer

    from ladderlib.models.loader import load_model
    from ladderlib.train.progress import use_progress_bar

    adapter_dir = Path(adapter_dir)
    adapter_dir.parent.mkdir(parents=True, exist_ok=True)
    work_dir = adapter_dir.with_name(f".{adapter_dir.name}.work")
    examples = list(examples)[: sft.max_train_examples]
    dataset = build_dataset(examples)
    prec = precision_plan(model_settings, sft)
    args = make_sft_config(model_settings, sft, work_dir)
    fingerprint = {
        "model": model_settings.model_dump(mode="json"),
        "sft": sft.model_dump(mode="json", exclude=_NOT_IN_FINGERPRINT),
        "examples": len(examples),
    }
    # the last complete checkpoint of a run with the same settings and data size; else a clean folder
    resume = main_then_share(lambda: prepare_work_dir(work_dir, fingerprint, sft.resume))  # one writer, one answer

    t0 = time.perf_counter()
    model, tokenizer = load_model(model_settings)
    model, peft_config = _peft_model_and_config(model, model_settings, sft)
    trainer = SFTTrainer(
        model=model,
        args=args,
        train_dataset=dataset,
        processing_class=tokenizer,
        peft_config=peft_config,
        callbacks=[commit_callback(), *(callbacks or [])],
    )
    use_progress_bar(trainer, f"SFT {adapter_dir.name}")
    if prec["quantized"] and prec["fp16"]:  # TRL casts QLoRA adapters to bf16; fp16 AMP (T4, P100) needs fp32 ones
        for p in trainer.model.parameters():
            if p.requires_grad:
                p.data = p.data.float()
    trainable = sum(p.numel() for p in trainer.model.parameters() if p.requires_grad)
    result = trainer.train(resume_from_checkpoint=resume)
    runtime = time.perf_counter() - t0

    curve = loss_curve(trainer.state.log_history)
    save_adapter(trainer, tokenizer, adapter_dir, {
        "base_model": model_settings.name,
        "examples": len(examples),
        "steps": int(trainer.state.global_step),
        "settings": sft.model_dump(mode="json"),
        "precision": prec,
        "trainable_params": int(trainable),
    })
    if is_main():
        shutil.rmtree(work_dir, ignore_errors=True)
    barrier()

    metrics = {
        "adapter_path": str(adapter_dir),
        "examples": len(examples),
        "steps": int(trainer.state.global_step),
        "train_loss": float(result.training_loss),
        "final_loss": curve[-1]["loss"] if curve else None,
        "loss_curve": curve,
        "runtime_s": round(runtime, 2),
        "train_runtime_s": round(float(result.metrics.get("train_runtime", runtime)), 2),
        "trainable_params": int(trainable),
        "resumed_from": resume,
        "precision": prec,
    }
    del trainer, model
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return metrics


def training_info(adapter_dir: str | Path) -> dict[str, Any]:
    """The ``training_info.json`` saved next to an adapter (settings, steps, precision)."""
    return json.loads((Path(adapter_dir) / "training_info.json").read_text())
