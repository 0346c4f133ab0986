"""GRPO wiring: TRL's ``GRPOTrainer`` is the engine; this module builds its config, a task's dataset and reward
functions, and runs it resumably. It does not re-implement GRPO.

* ``grpo_config`` maps the shared ``GRPOBase`` settings (TRL's names) onto ``trl.GRPOConfig``.
* ``task_dataset`` / ``TaskRewards`` turn any ``Task`` into a conversational GRPO dataset and TRL reward
  functions (correctness, and a format reward when the task has a ``format_weight``), sharing one grading pass
  per batch; with difficulty levels, the correctness reward also logs ``success/<level>``.
* ``train_grpo`` runs one resumable job into an output folder::

      checkpoints/checkpoint-N/   trainer state; a commit marker says each one was completely written
      adapter/                    the final LoRA adapter and tokenizer, moved into place in one rename
      tensorboard/  metrics.jsonl per-step metrics, the held-out rows (``heldout_*``: step 0 and final) and the
                                  dev rows (``dev_*``: every ``dev_every`` steps)
      summary.json                settings, steps, timings, evaluation before and after

  A finished job (its last checkpoint at ``max_steps`` and its summary written) is not trained again.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ladderlib.config.grpo import GRPOBase
from ladderlib.config.model import ModelSettings
from ladderlib.io import atomic_write_json

LEVELS = ("easy", "medium", "hard")
ROW_COLUMN = "row"
EvalFn = Callable[[Any, Any], dict[str, Any]]
"""``eval_fn(model, tokenizer) -> {"accuracy", "correct", "n", ...}``: a job's held-out or dev measurement."""


def grpo_config(settings: GRPOBase, model_settings: ModelSettings, output_dir: str | Path, *, shuffle: bool = True) -> Any:
    """``trl.GRPOConfig`` for our settings (mixed precision only on CUDA, matching the loaded dtype as in SFT;
    TensorBoard is added as a callback). ``shuffle=False`` keeps the dataset order (a curriculum)."""
    from trl import GRPOConfig

    from ladderlib.models.device import mixed_precision

    device, _, bf16, fp16 = mixed_precision(model_settings.device, model_settings.dtype)
    if settings.bf16 is not None:
        bf16, fp16 = settings.bf16, fp16 and not settings.bf16
    return GRPOConfig(
        output_dir=str(output_dir),
        learning_rate=settings.learning_rate,
        beta=settings.beta,
        num_generations=settings.num_generations,
        per_device_train_batch_size=settings.per_device_train_batch_size,
        gradient_accumulation_steps=settings.gradient_accumulation_steps,
        max_completion_length=settings.max_completion_length,
        temperature=settings.temperature,
        max_steps=settings.max_steps,
        logging_steps=settings.logging_steps,
        save_steps=settings.save_steps,
        save_strategy="steps",
        seed=settings.seed,
        bf16=bf16,
        fp16=fp16,
        use_cpu=device == "cpu",
        gradient_checkpointing=model_settings.gradient_checkpointing,
        use_vllm=settings.use_vllm,
        vllm_mode="colocate",  # vLLM inside the training process: no separate server to start
        vllm_gpu_memory_utilization=settings.vllm_gpu_memory_utilization,
        report_to="none",
        shuffle_dataset=shuffle,
    )


# --- a task as a GRPO dataset and rewards -----------------------------------------------------------------------

def difficulty_levels(rows: Sequence[dict[str, Any]]) -> list[str]:
    """``easy``/``medium``/``hard`` by tertile of the rows' ``difficulty`` (``all`` for rows without one)."""
    scores = sorted(float(r["difficulty"]) for r in rows if r.get("difficulty") is not None)
    if not scores:
        return ["all"] * len(rows)
    cut1, cut2 = scores[len(scores) // 3], scores[(2 * len(scores)) // 3]
    out = []
    for r in rows:
        d = r.get("difficulty")
        out.append("all" if d is None else LEVELS[0] if float(d) < cut1 else LEVELS[1] if float(d) < cut2 else LEVELS[2])
    return out


def task_dataset(task: Any, rows: Sequence[dict[str, Any]], levels: Sequence[str] | None = None) -> Any:
    """A ``datasets.Dataset``: the task's chat prompt per row, the row itself (JSON) and its difficulty level."""
    from datasets import Dataset

    rows = list(rows)
    if not rows:
        raise ValueError(f"no training rows: the {task.name} GRPO dataset is empty")
    levels = list(levels) if levels is not None else ["all"] * len(rows)
    return Dataset.from_list([
        {"prompt": task.messages(r), ROW_COLUMN: json.dumps(r, sort_keys=True, default=str), "level": lv}
        for r, lv in zip(rows, levels, strict=True)
    ])


def completion_text(completion: Any) -> str:
    """The text of a completion, whether TRL passes a string or a list of chat messages."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        return str(completion[-1].get("content", ""))
    return "" if completion is None else str(completion)


def success_by_level(scores: Sequence[float], levels: Sequence[str]) -> dict[str, float]:
    """Mean score per difficulty level present in the batch."""
    groups: dict[str, list[float]] = {}
    for s, lv in zip(scores, levels, strict=True):
        groups.setdefault(str(lv), []).append(s)
    return {lv: sum(v) / len(v) for lv, v in sorted(groups.items())}


class TaskRewards:
    """TRL reward functions for a task (signature ``f(prompts, completions, **dataset_columns)``).

    TRL calls each function on the same batch; the last few batches' reward components are cached, so the
    correctness and format rewards share one grading pass. Functions are named ``<prefix>_correctness_reward``
    and ``answer_format_reward`` (TRL logs ``rewards/<name>/mean``).
    """

    def __init__(self, task: Any) -> None:
        self.task = task
        self._components = functools.lru_cache(maxsize=4)(self._compute)

    def _compute(self, rows_json: tuple[str, ...], texts: tuple[str, ...]) -> dict[str, list[float]]:
        return self.task.rewards([json.loads(r) for r in rows_json], list(texts))

    def components(self, completions: Sequence[Any], rows_json: Sequence[str]) -> dict[str, list[float]]:
        """Every reward component of a batch (cached)."""
        return self._components(tuple(rows_json), tuple(completion_text(c) for c in completions))

    def functions(self) -> list[Callable[..., list[float]]]:
        """Correctness (logging ``success/<level>``), then the format reward when the task pays one."""

        def correctness(prompts: Sequence[Any], completions: Sequence[Any], row: Sequence[str],
                        level: Sequence[str] | None = None, log_metric: Callable[[str, float], None] | None = None,
                        **_: Any) -> list[float]:
            scores = self.components(completions, row)["correctness"]
            if log_metric is not None and level is not None:
                for name, value in success_by_level(scores, level).items():
                    log_metric(f"success/{name}", value)
            return scores

        def answer_format(prompts: Sequence[Any], completions: Sequence[Any], row: Sequence[str], **_: Any) -> list[float]:
            return self.components(completions, row)["format"]

        correctness.__name__ = f"{self.task.reward_prefix}_correctness_reward"
        answer_format.__name__ = "answer_format_reward"
        return [correctness, answer_format] if self.task.format_weight > 0 else [correctness]


# --- one resumable job -----------------------------------------------------------------------------------------

def log_eval(metrics_path: Path, step: int, result: dict[str, Any], prefix: str = "heldout", **extra: Any) -> None:
    """Append one evaluation row (``<prefix>_accuracy``/``_correct``/``_n``) to ``metrics.jsonl``."""
    from ladderlib.io import append_jsonl

    append_jsonl(metrics_path, {"step": step, f"{prefix}_accuracy": result["accuracy"],
                                f"{prefix}_correct": result["correct"], f"{prefix}_n": result["n"], **extra})


def eval_callback(eval_fn: EvalFn, every: int, metrics_path: Path) -> Any:
    """A ``TrainerCallback`` measuring the dev set with ``eval_fn`` every ``every`` steps into ``metrics.jsonl``."""
    from transformers import TrainerCallback

    class PeriodicEval(TrainerCallback):
        def on_step_end(self, args, state, control, model=None, processing_class=None, **kw):  # noqa: ANN001
            if every and state.global_step % every == 0 and state.is_world_process_zero:
                t0 = time.perf_counter()
                log_eval(metrics_path, int(state.global_step), eval_fn(model, processing_class), prefix="dev",
                         dev_seconds=round(time.perf_counter() - t0, 2))
            return control

    return PeriodicEval()


def _prior_eval(metrics_path: Path) -> dict[str, Any] | None:
    """The step-0 evaluation a resumed job recorded before its first run, if any."""
    from ladderlib.train.metrics import read_metrics

    prior = [r for r in read_metrics(metrics_path) if r.get("step") == 0 and "heldout_accuracy" in r]
    if not prior:
        return None
    return {"accuracy": prior[0]["heldout_accuracy"], "correct": prior[0]["heldout_correct"], "n": prior[0]["heldout_n"]}


def _load_checkpoint_adapter(model: Any, checkpoint: str) -> Any:
    """The policy as saved in ``checkpoint``: its LoRA weights on ``model`` (attached, or set into an attached one)."""
    if hasattr(model, "peft_config"):
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        set_peft_model_state_dict(model, load_file(str(Path(checkpoint) / "adapter_model.safetensors")))
        return model
    from peft import PeftModel

    return PeftModel.from_pretrained(model, checkpoint)


def train_grpo(
    model_settings: ModelSettings,
    settings: GRPOBase,
    dataset: Any,
    reward_funcs: Sequence[Any],
    output_dir: str | Path,
    *,
    fingerprint: dict[str, Any],
    load_policy: Callable[[], tuple[Any, Any]],
    eval_fn: EvalFn | None = None,
    dev_fn: EvalFn | None = None,
    dev_every: int = 0,
    shuffle: bool = True,
    resume: bool | None = None,
    strict_resume: bool = False,
    callbacks: Sequence[Any] = (),
    on_trainer: Callable[[Any], None] | None = None,
    info: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run (or resume) one GRPO job into ``output_dir`` (layout in the module docstring); returns its summary.

    ``load_policy()`` gives (model, tokenizer); a model without a LoRA adapter gets a fresh one from
    ``model_settings.lora``, one with an adapter trains that adapter. ``fingerprint`` decides whether resuming is
    allowed (``strict_resume``: a mismatch is an error, else a fresh start). ``eval_fn`` (held-out) is measured
    before and after training only; ``dev_fn`` (the dev split, the one to watch) every ``dev_every`` steps, so
    nothing seen during training is the held-out set. ``on_trainer(trainer)`` runs before training (e.g. to
    bind a reward to the trainer's model); ``info`` is written into the adapter's ``training_info.json``.
    """
    import torch
    from trl import GRPOTrainer

    from ladderlib.models.device import torch_threads
    from ladderlib.models.lora import lora_config
    from ladderlib.train.checkpoints import checkpoint_step, commit_callback
    from ladderlib.train.distributed import barrier, is_main, main_then_share
    from ladderlib.train.metrics import metrics_callback, tensorboard_callback
    from ladderlib.train.progress import use_progress_bar
    from ladderlib.train.resumable import begin_run, finished_summary, save_adapter

    out = Path(output_dir)
    resume = settings.resume if resume is None else resume
    t0 = time.perf_counter()
    if resume and (done := finished_summary(out, fingerprint, settings.max_steps)) is not None:
        return done
    # under a launcher the main process readies the folder, every process resumes from the same checkpoint
    checkpoint = main_then_share(lambda: begin_run(out, fingerprint, resume, strict=strict_resume))
    finished = checkpoint is not None and checkpoint_step(checkpoint) >= settings.max_steps
    metrics_path = out / "metrics.jsonl"
    model, tokenizer = load_policy()
    before = None
    if eval_fn is not None and is_main():  # held-out measurements: the main process only
        before = _prior_eval(metrics_path) if checkpoint is not None else None
        if before is None:
            before = eval_fn(model, tokenizer)
            log_eval(metrics_path, 0, before)
    t_train = time.perf_counter()
    if finished:  # training ended before the stop: take the last checkpoint (trainer.train would step again)
        policy, steps, trainer = _load_checkpoint_adapter(model, checkpoint), checkpoint_step(checkpoint), None
    else:
        cbs = [commit_callback(), metrics_callback(metrics_path), *callbacks]
        if is_main():  # the writer opens its event file when built: one process, one events file
            cbs.insert(2, tensorboard_callback(out / "tensorboard"))
        if dev_fn is not None and dev_every:
            cbs.append(eval_callback(dev_fn, dev_every, metrics_path))
        trainer = GRPOTrainer(
            model=model,
            reward_funcs=list(reward_funcs),
            args=grpo_config(settings, model_settings, out / "checkpoints", shuffle=shuffle),
            train_dataset=dataset,
            processing_class=tokenizer,
            peft_config=None if hasattr(model, "peft_config") else lora_config(model_settings.lora),
            callbacks=cbs,
        )
        use_progress_bar(trainer, f"GRPO {out.name}")
        if on_trainer is not None:
            on_trainer(trainer)
        with torch_threads(settings.torch_threads):
            trainer.train(resume_from_checkpoint=checkpoint)
        policy, steps = trainer.model, int(trainer.state.global_step)
    train_s = time.perf_counter() - t_train
    after = None
    if eval_fn is not None and is_main():
        after = eval_fn(policy, tokenizer)
        log_eval(metrics_path, steps, after, final=True)
    save_adapter(trainer or policy, tokenizer, out / "adapter", {
        "base_model": model_settings.name, "steps": steps, "settings": settings.model_dump(mode="json"), **(info or {}),
    })
    new_steps = steps - checkpoint_step(checkpoint)
    summary = {
        "output_dir": str(out),
        "adapter": str(out / "adapter"),
        "metrics_path": str(metrics_path),
        "rows": len(dataset),
        "steps": steps,
        "resumed_from": checkpoint,
        "train_runtime_s": round(train_s, 2),
        "step_time_s": round(train_s / new_steps, 2) if new_steps > 0 else None,
        "runtime_s": round(time.perf_counter() - t0, 2),
        "settings": settings.model_dump(mode="json"),
        "heldout_before": _strip(before),
        "heldout_after": _strip(after),
    }
    if is_main():
        atomic_write_json(out / "summary.json", summary)
    barrier()
    del policy, model, trainer
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return summary


def _strip(result: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if result is None else {k: v for k, v in result.items() if k != "records"}


def grpo_curves(metrics_path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """Training rows (with ``reward``), held-out points (before/after) and dev points from a ``metrics.jsonl``."""
    from ladderlib.train.metrics import read_metrics

    rows = read_metrics(metrics_path)
    return {"train": [r for r in rows if "reward" in r], "heldout": [r for r in rows if "heldout_accuracy" in r],
            "dev": [r for r in rows if "dev_accuracy" in r]}
