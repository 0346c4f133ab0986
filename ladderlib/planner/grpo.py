"""Planner GRPO (seed 001's ``grpo_training.py``) on the shared GRPO engine: a LoRA planner, a frozen worker,
the pipeline reward.

TRL is the engine (``ladderlib.train.grpo``); this module only assembles the job: GSM8K planner prompts,
``PlannerReward`` bound to the trainer's PEFT model (the worker is that model with the adapter disabled),
per-step ``planner/*`` metrics, committed checkpoints and resume.

When a planner SFT adapter is given, it is loaded *trainable* and GRPO continues training it (no new LoRA):
merging it into the base instead would make the "frozen" worker the SFT planner rather than the base model.
TRL's KL reference is then the base model (adapter disabled), as for a fresh adapter.

The output folder is ``ladderlib.train.grpo``'s; ``summary.json`` adds the completions scored, the unparsable
plans and the last step's planner metrics.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ladderlib.config.model import ModelSettings
from ladderlib.config.planner import PlannerGRPOSettings
from ladderlib.io import atomic_write_json

__all__ = ["load_planner_model", "train_planner_grpo"]

_NOT_IN_FINGERPRINT = {"resume", "save_steps", "logging_steps"}


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


def _rows_digest(rows: Sequence[dict[str, Any]]) -> str:
    """Short hash of the training rows (part of the resume fingerprint)."""
    blob = json.dumps([[r.get("question"), r.get("answer")] for r in rows], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _last_planner_metrics(metrics_path: Path) -> dict[str, float]:
    """The last logged step's ``planner/*`` metrics and reward."""
    from ladderlib.train.metrics import read_metrics

    for entry in reversed(read_metrics(metrics_path)):
        if "reward" in entry:
            return {k: float(v) for k, v in entry.items()
                    if (k.startswith("planner/") or k in ("reward", "reward_std")) and v is not None}
    return {}


def train_planner_grpo(
    model_settings: ModelSettings,
    settings: PlannerGRPOSettings,
    rows: Sequence[dict[str, Any]],
    output_dir: str | Path,
    adapter: str | Path | None = None,
    *,
    resume: bool | None = None,
    strict_resume: bool = False,
    callbacks: Sequence[Any] = (),
) -> dict[str, Any]:
    """Run (or resume) planner GRPO on GSM8K ``rows`` into ``output_dir``; returns the summary."""
    from ladderlib.planner.data import planner_grpo_dataset
    from ladderlib.planner.rewards import PlannerReward
    from ladderlib.train.grpo import train_grpo

    out = Path(output_dir)
    rows = list(rows)[: settings.max_train_examples]
    start = None if adapter is None else str(adapter)
    fingerprint = {
        "model": model_settings.model_dump(mode="json"),
        "planner_grpo": settings.model_dump(mode="json", exclude=_NOT_IN_FINGERPRINT),
        "rows": _rows_digest(rows),
        "start_adapter": start,
    }
    reward = PlannerReward(settings)
    summary = train_grpo(
        model_settings, settings, planner_grpo_dataset(rows, settings.system_prompt), [reward], out,
        fingerprint=fingerprint, load_policy=lambda: load_planner_model(model_settings, adapter),
        resume=resume, strict_resume=strict_resume, callbacks=callbacks,
        on_trainer=lambda trainer: reward.bind(trainer.model, trainer.processing_class),
        info={"start_adapter": start},
    )
    if not summary.get("reused"):
        summary.update(start_adapter=start, completions_scored=reward.completions_seen,
                       unparsable_plans=reward.unparsable_seen, last=_last_planner_metrics(out / "metrics.jsonl"))
        atomic_write_json(out / "summary.json", summary)
    return summary
