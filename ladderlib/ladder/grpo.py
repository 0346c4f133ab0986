"""LADDER's curriculum GRPO (seed 000): GRPO on variant rows of any ``Task`` (``integrals`` by default), in
curriculum order, with an optional SFT warm-up and held-out accuracy before, during and after training.

The engine is ``ladderlib.train.grpo`` (TRL's ``GRPOTrainer``); this module only decides what LADDER feeds it:

* rows in curriculum order (easiest first, or a seeded shuffle) with ``success/<easy|medium|hard>`` logged
  per difficulty tertile;
* the task's rewards: verifier correctness plus a small format reward (``format_weight``);
* ``warmup_sft_steps`` > 0: an SFT warm-up on the rows' verified references, merged before GRPO, so the KL
  reference is the warmed-up model (reported as part of the method);
* greedy held-out accuracy on ``eval_rows`` (the task's grading) before and after training, and dev accuracy on
  ``dev_rows`` every ``eval_every`` steps (the curve to watch; the held-out set is never looked at during training).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ladderlib.config.ladder import LadderGRPOSettings
from ladderlib.config.model import LoraSettings, ModelSettings
from ladderlib.io import atomic_write_json
from ladderlib.train.distributed import is_main

_NOT_IN_FINGERPRINT = {"resume", "eval_every", "eval_examples", "eval_max_new_tokens", "run_ablation", "save_steps"}


def ordered_rows(rows: Sequence[dict[str, Any]], settings: LadderGRPOSettings) -> list[dict[str, Any]]:
    """Rows in curriculum order (easiest first, or mixed) when they carry a difficulty, else as given."""
    from ladderlib.ladder.variants.dataset import curriculum_order

    rows = list(rows)
    return curriculum_order(rows, settings.curriculum, seed=settings.seed) if rows and "difficulty" in rows[0] else rows


def rows_digest(rows: Sequence[dict[str, Any]]) -> str:
    """Short hash of the training rows' problems (part of a resume fingerprint)."""
    blob = json.dumps([[r.get("integrand", r.get("question")), r.get("difficulty"), r.get("antiderivative")]
                       for r in rows], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def task_eval_fn(task: Any, rows: Sequence[dict[str, Any]], max_new_tokens: int, batch_size: int = 16) -> Any:
    """``eval_fn(model, tokenizer)``: greedy accuracy of ``task`` on ``rows`` (summary, without records)."""
    from ladderlib.evaluate.run import evaluate_task
    from ladderlib.models.generation import Engine, Sampling

    rows = list(rows)

    def eval_fn(model: Any, tokenizer: Any) -> dict[str, Any]:
        return evaluate_task(task, Engine(model, tokenizer, batch_size=batch_size), rows,
                             Sampling(max_new_tokens=max_new_tokens)).summary()

    return eval_fn


def run_warmup(model_settings: ModelSettings, settings: LadderGRPOSettings, task: Any, rows: Sequence[dict[str, Any]],
               adapter_dir: str | Path) -> dict[str, Any]:
    """Train (or reuse) the SFT warm-up adapter on the rows' verified references; returns its metrics.

    A finished warm-up with the same settings and examples is reused (a resumed GRPO run does not redo it).
    """
    from ladderlib.config.sft import SFTSettings
    from ladderlib.train.sft import task_examples, train_adapter

    examples = task_examples(task, rows)
    if not examples:
        raise ValueError("SFT warm-up asked for, but no training row has a verified reference answer")
    sft = SFTSettings(
        lora=LoraSettings(r=model_settings.lora.r, alpha=model_settings.lora.alpha, dropout=0.0),
        learning_rate=settings.warmup_learning_rate, per_device_train_batch_size=settings.warmup_batch_size,
        gradient_accumulation_steps=1, num_train_epochs=100.0, max_steps=settings.warmup_sft_steps,
        lr_scheduler_type="constant", logging_steps=5, seed=settings.seed, optim="auto",
    )
    done = Path(adapter_dir) / "warmup_metrics.json"
    key = {"model": model_settings.model_dump(mode="json"), "sft": sft.model_dump(mode="json"), "examples": len(examples)}
    if done.is_file() and (stored := json.loads(done.read_text())).get("key") == key:
        return {**stored["metrics"], "reused": True}
    metrics = train_adapter(model_settings, sft, examples, adapter_dir)
    metrics = {k: metrics[k] for k in ("adapter_path", "examples", "steps", "train_loss", "final_loss", "runtime_s")}
    if is_main():
        atomic_write_json(done, {"key": key, "metrics": metrics})
    return metrics


def train_ladder_grpo(
    model_settings: ModelSettings,
    settings: LadderGRPOSettings,
    rows: Sequence[dict[str, Any]],
    output_dir: str | Path,
    *,
    task: Any = None,
    eval_rows: Sequence[dict[str, Any]] | None = None,
    dev_rows: Sequence[dict[str, Any]] | None = None,
    base_adapters: Sequence[str | Path] = (),
    resume: bool | None = None,
    strict_resume: bool = False,
    callbacks: Sequence[Any] = (),
) -> dict[str, Any]:
    """Run (or resume) LADDER GRPO on ``rows`` into ``output_dir``; returns the summary.

    ``task`` defaults to ``IntegralsTask`` with the settings' format weight. ``base_adapters`` (e.g. a warm-up
    shared by several arms) are merged into the model, in order, before GRPO. The output folder is
    ``ladderlib.train.grpo``'s plus ``warmup_adapter/`` when there is a warm-up; ``summary["adapter_stack"]``
    lists the adapters to merge, in order, to rebuild the trained policy.
    """
    from ladderlib.models.loader import load_model, load_with_adapters
    from ladderlib.train.grpo import TaskRewards, difficulty_levels, task_dataset, train_grpo

    if task is None:
        from ladderlib.tasks.integrals import IntegralsTask

        task = IntegralsTask(format_weight=settings.format_weight)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    ordered = ordered_rows(rows, settings)
    warmup = run_warmup(model_settings, settings, task, ordered, out / "warmup_adapter") if settings.warmup_sft_steps else None
    below = [str(a) for a in base_adapters] + ([str(out / "warmup_adapter")] if warmup else [])
    fingerprint = {
        "model": model_settings.model_dump(mode="json"),
        "grpo": settings.model_dump(mode="json", exclude=_NOT_IN_FINGERPRINT),
        "task": task.name,
        "rows": rows_digest(ordered),
        "base_adapters": below,
    }
    eval_rows = list(eval_rows or [])[: settings.eval_examples]
    dev_rows = list(dev_rows or [])[: settings.eval_examples]

    def load_policy() -> tuple[Any, Any]:
        return load_with_adapters(model_settings, below) if below else load_model(model_settings)

    summary = train_grpo(
        model_settings, settings, task_dataset(task, ordered, difficulty_levels(ordered)), TaskRewards(task).functions(),
        out, fingerprint=fingerprint, load_policy=load_policy,
        eval_fn=task_eval_fn(task, eval_rows, settings.eval_max_new_tokens) if eval_rows else None,
        dev_fn=task_eval_fn(task, dev_rows, settings.eval_max_new_tokens) if dev_rows else None,
        dev_every=settings.eval_every, shuffle=settings.curriculum == "mixed", resume=resume,
        strict_resume=strict_resume, callbacks=callbacks,
        info={"task": task.name, "merged_below": below},
    )
    if not summary.get("reused"):
        summary["warmup"] = warmup
        summary["adapter_stack"] = [*below, summary["adapter"]]
        if is_main():
            atomic_write_json(out / "summary.json", summary)
    return summary
