"""Planner GRPO (seed 001) on TRL's ``GRPOTrainer``: a LoRA planner, a frozen worker, the pipeline reward.

TRL is the engine; this module only assembles it: GSM8K planner prompts, ``PlannerReward`` bound to the
trainer's PEFT model (the worker is that model with the adapter disabled), the GRPO config of the LADDER engine
(``ladderlib.train.grpo.grpo_config``), per-step ``metrics.jsonl``, TensorBoard events, committed checkpoints.

When a planner SFT adapter is given, it is loaded *trainable* and GRPO continues training it (no new LoRA):
merging it into the base instead would make the "frozen" worker the SFT planner rather than the base model.
TRL's KL reference is then the base model (adapter disabled), as for a fresh adapter.

Output folder (``run_dir/planner_grpo/``)::

    checkpoints/checkpoint-N/   resumable trainer state (commit marker per complete checkpoint)
    adapter/                    the final planner LoRA and tokenizer, moved into place in one rename
    tensorboard/  metrics.jsonl per-step metrics: reward, KL, planner/correctness, planner/parse_failure_rate, ...
    summary.json                settings, steps, timings, parse failures, last step's planner metrics
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ladderlib.config.schema import ModelSettings
from ladderlib.io import atomic_write_json
from ladderlib.planner.config import PlannerGRPOSettings

__all__ = [
    "OUTPUT_DIR",
    "engine_settings",
    "load_planner_model",
    "make_planner_grpo_trainer",
    "run_planner_grpo",
    "train_planner_grpo",
]

OUTPUT_DIR = "planner_grpo"
_SHARED = (
    "learning_rate", "beta", "num_generations", "per_device_train_batch_size", "gradient_accumulation_steps",
    "max_completion_length", "temperature", "max_steps", "logging_steps", "save_steps", "use_vllm", "seed",
)
_NOT_IN_FINGERPRINT = {"resume", "save_steps", "logging_steps"}


def engine_settings(settings: PlannerGRPOSettings) -> Any:
    """The LADDER ``GRPOSettings`` carrying our engine fields, so the one shared ``grpo_config`` builds the config."""
    from ladderlib.train.grpo import GRPOSettings

    return GRPOSettings(**{k: getattr(settings, k) for k in _SHARED}, curriculum="mixed")


def load_planner_model(model_settings: ModelSettings, adapter: str | Path | None = None) -> tuple[Any, Any]:
    """(model, tokenizer): the base model, with ``adapter`` (e.g. the planner SFT LoRA) attached trainable."""
    from ladderlib.models import load_model

    model, tokenizer = load_model(model_settings)
    if adapter is not None:
        from peft import PeftModel

        if not (Path(adapter) / "adapter_config.json").is_file():
            raise FileNotFoundError(f"no LoRA adapter at {adapter} (adapter_config.json missing)")
        model = PeftModel.from_pretrained(model, str(adapter), is_trainable=True)
    return model, tokenizer


def make_planner_grpo_trainer(
    model_settings: ModelSettings,
    settings: PlannerGRPOSettings,
    rows: Sequence[dict[str, Any]],
    output_dir: str | Path,
    adapter: str | Path | None = None,
    *,
    model: Any = None,
    tokenizer: Any = None,
    callbacks: Sequence[Any] = (),
    tensorboard_dir: str | Path | None = None,
) -> Any:
    """A ready ``GRPOTrainer`` for the planner: LoRA policy (fresh, or ``adapter`` continued; a given ``model``
    is used as is), GSM8K ``rows``, the pipeline reward bound to the trainer's model (``trainer.reward_funcs[0]``)."""
    from trl import GRPOTrainer

    from ladderlib.models.lora import lora_config
    from ladderlib.planner.data import planner_grpo_dataset
    from ladderlib.planner.rewards import PlannerReward
    from ladderlib.train.grpo import grpo_config
    from ladderlib.train.metrics import tensorboard_callback

    if model is None:
        model, tokenizer = load_planner_model(model_settings, adapter)
    has_adapter = hasattr(model, "peft_config")
    reward = PlannerReward(settings)
    trainer = GRPOTrainer(
        model=model,
        reward_funcs=[reward],
        args=grpo_config(engine_settings(settings), model_settings, output_dir),
        train_dataset=planner_grpo_dataset(rows, settings.system_prompt),
        processing_class=tokenizer,
        peft_config=None if has_adapter else lora_config(model_settings.lora),
        callbacks=[tensorboard_callback(tensorboard_dir or Path(output_dir) / "tensorboard"), *callbacks],
    )
    reward.bind(trainer.model, tokenizer)
    return trainer


def _rows_digest(rows: Sequence[dict[str, Any]]) -> str:
    """Short hash of the training rows (part of the resume fingerprint)."""
    blob = json.dumps([[r.get("question"), r.get("answer")] for r in rows], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _last_planner_metrics(log_history: Sequence[dict[str, Any]]) -> dict[str, float]:
    """The last logged step's ``planner/*`` metrics and reward."""
    for entry in reversed(log_history):
        if "reward" in entry:
            return {k: float(v) for k, v in entry.items() if k.startswith("planner/") or k in ("reward", "reward_std")}
    return {}


def train_planner_grpo(
    model_settings: ModelSettings,
    settings: PlannerGRPOSettings,
    rows: Sequence[dict[str, Any]],
    output_dir: str | Path,
    adapter: str | Path | None = None,
    *,
    callbacks: Sequence[Any] = (),
) -> dict[str, Any]:
    """Run (or resume) planner GRPO into ``output_dir`` (layout in the module docstring); returns the summary."""
    import torch

    from ladderlib.train.checkpoints import checkpoint_step, commit_callback
    from ladderlib.train.metrics import metrics_callback
    from ladderlib.train.resumable import begin_run, save_adapter

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = list(rows)[: settings.max_train_examples]
    fingerprint = {
        "model": model_settings.model_dump(mode="json"),
        "planner_grpo": settings.model_dump(mode="json", exclude=_NOT_IN_FINGERPRINT),
        "rows": _rows_digest(rows),
        "start_adapter": None if adapter is None else str(adapter),
    }
    t0 = time.perf_counter()
    checkpoint = begin_run(out, fingerprint, settings.resume)
    metrics_path = out / "metrics.jsonl"
    done = out / "summary.json"
    if checkpoint and checkpoint_step(checkpoint) >= settings.max_steps and done.is_file() and (out / "adapter").is_dir():
        return {**json.loads(done.read_text()), "reused": True}  # finished earlier: stepping again would overshoot

    model, tokenizer = load_planner_model(model_settings, adapter)
    trainer = make_planner_grpo_trainer(
        model_settings, settings, rows, out / "checkpoints", model=model, tokenizer=tokenizer,
        callbacks=[commit_callback(), metrics_callback(metrics_path), *callbacks],
        tensorboard_dir=out / "tensorboard",
    )
    reward = trainer.reward_funcs[0]
    t_train = time.perf_counter()
    trainer.train(resume_from_checkpoint=checkpoint)
    train_s = time.perf_counter() - t_train
    steps = int(trainer.state.global_step)

    save_adapter(trainer, tokenizer, out / "adapter", {
        "base_model": model_settings.name, "start_adapter": fingerprint["start_adapter"], "steps": steps,
        "settings": settings.model_dump(mode="json"),
    })
    new_steps = steps - checkpoint_step(checkpoint)
    summary = {
        "output_dir": str(out),
        "adapter": str(out / "adapter"),
        "metrics_path": str(metrics_path),
        "start_adapter": fingerprint["start_adapter"],
        "rows": len(rows),
        "steps": steps,
        "resumed_from": checkpoint,
        "train_runtime_s": round(train_s, 2),
        "step_time_s": round(train_s / new_steps, 2) if new_steps > 0 else None,
        "runtime_s": round(time.perf_counter() - t0, 2),
        "completions_scored": reward.completions_seen,
        "unparsable_plans": reward.unparsable_seen,
        "last": _last_planner_metrics(trainer.state.log_history),
        "settings": settings.model_dump(mode="json"),
    }
    atomic_write_json(out / "summary.json", summary)
    del trainer, model
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return summary


def run_planner_grpo(
    params: Any,
    run_dir: str | Path,
    rows: Sequence[dict[str, Any]] | None = None,
    *,
    callbacks: Sequence[Any] = (),
) -> dict[str, Any]:
    """Notebook 06's planner GRPO: the run's ``gsm8k_train`` (or ``rows``) into ``run_dir/planner_grpo/``.

    Starts from ``checkpoints/planner_sft_lora`` when ``start_from_sft`` and it exists. Records the summary under
    ``metrics.json['planner_grpo']`` and returns it.
    """
    from ladderlib.data.store import read_dataset
    from ladderlib.pipeline.rundir import RunDir
    from ladderlib.train.sft import CHECKPOINTS, PLANNER_ADAPTER

    run = run_dir if isinstance(run_dir, RunDir) else RunDir(run_dir)
    settings = getattr(params, "planner_grpo", None) or PlannerGRPOSettings()
    rows = list(rows) if rows is not None else read_dataset(run.path, "gsm8k_train")
    sft = run.path / CHECKPOINTS / PLANNER_ADAPTER
    adapter = sft if settings.start_from_sft and (sft / "adapter_config.json").is_file() else None
    summary = train_planner_grpo(params.model, settings, rows, run.subdir(OUTPUT_DIR), adapter, callbacks=callbacks)
    run.record_metrics("planner_grpo", summary)
    return summary
