"""GRPO wiring for LADDER (seed 000): TRL's ``GRPOTrainer`` is the engine; this module builds its dataset,
rewards, config and callbacks from our params, runs it resumably and evaluates on held-out problems. It does
not re-implement GRPO.

An output folder holds::

    checkpoints/checkpoint-N/   resumable trainer state (a commit marker says each was completely written)
    warmup_adapter/             the optional SFT warm-up on verified solutions (merged before GRPO)
    adapter/                    the final LoRA adapter and tokenizer, moved into place in one rename
    tensorboard/  metrics.jsonl per-step metrics (reward mean/std, accuracy, zero-std groups, length, KL,
                                success per difficulty level, held-out accuracy)
    summary.json                settings, steps, timings, held-out accuracy before and after
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from ladderlib.config.base import Section
from ladderlib.config.schema import LoraSettings, ModelSettings
from ladderlib.io import atomic_write_json

LEVELS = ("easy", "medium", "hard")
_NOT_IN_FINGERPRINT = {"resume", "eval_every", "eval_examples", "eval_max_new_tokens", "run_ablation", "save_steps"}


class GRPOSettings(Section):
    """GRPO on integration problems (KL coefficient 0.001 as in the LADDER paper; TRL's default is 0).

    ``warmup_sft_steps`` > 0 first fine-tunes on the training rows' verified antiderivatives (an SFT warm-up,
    reported as part of the method), merges it, and runs GRPO on a fresh LoRA so the KL reference is the
    warmed-up model. ``eval_every`` > 0 measures held-out accuracy every that many steps. ``use_vllm`` generates
    with vLLM colocated in the training process (CUDA only; the A100/H100 profiles switch it on).
    """

    learning_rate: float = Field(5e-6, gt=0, le=1)
    beta: float = Field(0.001, ge=0)
    num_generations: int = Field(4, ge=2, le=256)
    per_device_train_batch_size: int = Field(4, ge=1)
    gradient_accumulation_steps: int = Field(1, ge=1)
    max_completion_length: int = Field(256, ge=4, le=32768)
    temperature: float = Field(1.0, gt=0, le=3)
    max_steps: int = Field(100, ge=1)
    format_weight: float = Field(0.1, ge=0, le=10)
    curriculum: Literal["easy_first", "mixed"] = "easy_first"
    logging_steps: int = Field(1, ge=1)
    save_steps: int = Field(50, ge=1)
    use_vllm: bool = False
    vllm_gpu_memory_utilization: float = Field(0.3, gt=0, lt=1)
    seed: int = Field(0, ge=0)
    resume: bool = True
    warmup_sft_steps: int = Field(0, ge=0)
    warmup_learning_rate: float = Field(2e-4, gt=0, le=1)
    warmup_batch_size: int = Field(8, ge=1)
    eval_every: int = Field(0, ge=0)
    eval_examples: int = Field(50, ge=1)
    eval_max_new_tokens: int = Field(64, ge=4, le=8192)
    run_ablation: bool = True


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


def integration_dataset(rows: Sequence[dict[str, Any]]) -> Any:
    """A ``datasets.Dataset`` of conversational prompts with the integrand and difficulty-level columns."""
    from datasets import Dataset

    from ladderlib.verify.audit import integration_prompt

    rows = list(rows)
    if not rows:
        raise ValueError("no training rows: the GRPO dataset is empty")
    return Dataset.from_list([
        {"prompt": [{"role": "user", "content": integration_prompt(r["integrand"], r.get("variable", "x"))}],
         "integrand": r["integrand"], "level": level}
        for r, level in zip(rows, difficulty_levels(rows), strict=True)
    ])


def grpo_config(settings: GRPOSettings, model_settings: ModelSettings, output_dir: str | Path) -> Any:
    """``trl.GRPOConfig`` for our settings (mixed precision only on CUDA, matching the loaded dtype as in SFT;
    TensorBoard is added as a callback)."""
    from trl import GRPOConfig

    from ladderlib.models.device import mixed_precision

    _, _, bf16, fp16 = mixed_precision(model_settings.device, model_settings.dtype)
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
        gradient_checkpointing=model_settings.gradient_checkpointing,
        use_vllm=settings.use_vllm,
        vllm_mode="colocate",  # vLLM inside the training process: no separate server to start
        vllm_gpu_memory_utilization=settings.vllm_gpu_memory_utilization,
        report_to="none",
        shuffle_dataset=settings.curriculum == "mixed",
    )


def ordered_rows(rows: Sequence[dict[str, Any]], settings: GRPOSettings) -> list[dict[str, Any]]:
    """Rows in curriculum order (easiest first, or mixed) when they carry a difficulty, else as given."""
    from ladderlib.variants.dataset import curriculum_order

    rows = list(rows)
    return curriculum_order(rows, settings.curriculum, seed=settings.seed) if rows and "difficulty" in rows[0] else rows


def reward_functions(settings: GRPOSettings) -> list[Any]:
    """Verifier correctness (with per-level success metrics) and the format reward."""
    from ladderlib.train.rewards import integral_correctness_reward, make_format_reward

    return [integral_correctness_reward, make_format_reward(settings.format_weight)]


def make_grpo_trainer(
    model_settings: ModelSettings,
    settings: GRPOSettings,
    rows: Sequence[dict[str, Any]],
    output_dir: str | Path,
    *,
    model: Any = None,
    tokenizer: Any = None,
    callbacks: Sequence[Any] = (),
    tensorboard_dir: str | Path | None = None,
) -> Any:
    """A ready ``GRPOTrainer``: fresh LoRA policy on ``model`` (default: the base model), verifier rewards,
    rows in curriculum order, TensorBoard events in ``tensorboard_dir`` (default ``output_dir/tensorboard``)."""
    from trl import GRPOTrainer

    from ladderlib.models import load_model
    from ladderlib.models.lora import lora_config
    from ladderlib.train.metrics import tensorboard_callback

    if model is None:
        model, tokenizer = load_model(model_settings)
    return GRPOTrainer(
        model=model,
        reward_funcs=reward_functions(settings),
        args=grpo_config(settings, model_settings, output_dir),
        train_dataset=integration_dataset(ordered_rows(rows, settings)),
        processing_class=tokenizer,
        peft_config=lora_config(model_settings.lora),
        callbacks=[tensorboard_callback(tensorboard_dir or Path(output_dir) / "tensorboard"), *callbacks],
    )


# --- SFT warm-up on verified solutions ------------------------------------------------------------------------

def warmup_examples(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Prompt/completion pairs ``\\boxed{F}`` for rows whose known antiderivative the verifier accepts."""
    from ladderlib.verify import verify_batch
    from ladderlib.verify.audit import integration_prompt

    out = []
    for r in rows:
        answer = r.get("antiderivative")
        if not answer:
            continue
        v = r.get("variable", "x")
        if not verify_batch(r["integrand"], [str(answer)], variable=v)[0].correct:
            continue
        out.append({
            "prompt": [{"role": "user", "content": integration_prompt(r["integrand"], v)}],
            "completion": [{"role": "assistant", "content": f"\\boxed{{{answer}}}"}],
        })
    return out


def run_warmup(model_settings: ModelSettings, settings: GRPOSettings, rows: Sequence[dict[str, Any]],
               adapter_dir: str | Path) -> dict[str, Any]:
    """Train (or resume) the SFT warm-up adapter on the rows' verified solutions; returns its metrics.

    A finished warm-up with the same settings and examples is reused (a resumed GRPO run does not redo it).
    """
    from ladderlib.train.config import SFTSettings
    from ladderlib.train.sft import train_adapter

    examples = warmup_examples(rows)
    if not examples:
        raise ValueError("SFT warm-up asked for, but no training row has a verified antiderivative")
    sft = SFTSettings(
        lora=LoraSettings(r=model_settings.lora.r, alpha=model_settings.lora.alpha, dropout=0.0),
        learning_rate=settings.warmup_learning_rate, batch_size=settings.warmup_batch_size, grad_accum=1,
        epochs=100.0, max_steps=settings.warmup_sft_steps, lr_scheduler="constant", logging_steps=5,
        seed=settings.seed, optim="auto",
    )
    done = Path(adapter_dir) / "warmup_metrics.json"
    key = {"model": model_settings.model_dump(mode="json"), "sft": sft.model_dump(mode="json"), "examples": len(examples)}
    if done.is_file() and (stored := json.loads(done.read_text())).get("key") == key:
        return {**stored["metrics"], "reused": True}
    metrics = train_adapter(model_settings, sft, examples, adapter_dir)
    metrics = {k: metrics[k] for k in ("adapter_path", "examples", "steps", "train_loss", "final_loss", "runtime_s")}
    atomic_write_json(done, {"key": key, "metrics": metrics})
    return metrics


# --- resumable training ----------------------------------------------------------------------------------------

def _rows_digest(rows: Sequence[dict[str, Any]]) -> str:
    blob = json.dumps([[r["integrand"], r.get("difficulty"), r.get("antiderivative")] for r in rows], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def log_heldout(metrics_path: Path, step: int, result: dict[str, Any], **extra: Any) -> None:
    """Append one held-out accuracy row (from ``evaluate_integrals``) to ``metrics.jsonl``."""
    from ladderlib.io import append_jsonl

    append_jsonl(metrics_path, {"step": step, "heldout_accuracy": result["accuracy"],
                                "heldout_correct": result["correct"], "heldout_n": result["n"], **extra})


def heldout_callback(rows: Sequence[dict[str, Any]], every: int, metrics_path: Path, settings: GRPOSettings) -> Any:
    """A ``TrainerCallback`` measuring held-out accuracy every ``every`` steps into ``metrics.jsonl``."""
    from transformers import TrainerCallback

    from ladderlib.evaluate.integrals import evaluate_integrals

    class HeldoutAccuracy(TrainerCallback):
        def on_step_end(self, args, state, control, model=None, processing_class=None, **kw):  # noqa: ANN001
            if every and state.global_step % every == 0 and state.global_step < state.max_steps:
                t0 = time.perf_counter()
                res = evaluate_integrals(model, processing_class, rows, max_new_tokens=settings.eval_max_new_tokens,
                                         keep_records=False)
                log_heldout(metrics_path, int(state.global_step), res,
                            heldout_seconds=round(time.perf_counter() - t0, 2))
            return control

    return HeldoutAccuracy()


def train_grpo(
    model_settings: ModelSettings,
    settings: GRPOSettings,
    rows: Sequence[dict[str, Any]],
    output_dir: str | Path,
    *,
    eval_rows: Sequence[dict[str, Any]] | None = None,
    resume: bool | None = None,
    strict_resume: bool = False,
    callbacks: Sequence[Any] = (),
) -> dict[str, Any]:
    """Run (or resume) GRPO on ``rows`` into ``output_dir`` (layout in the module docstring); returns the summary.

    ``eval_rows`` are held-out problems measured before training, every ``settings.eval_every`` steps and at
    the end. ``resume`` (default ``settings.resume``) continues from the last complete checkpoint of a run
    with the same settings and rows; with ``strict_resume`` a mismatch is an error instead of a fresh start.
    """
    import torch

    from ladderlib.evaluate.integrals import evaluate_integrals
    from ladderlib.models import load_model
    from ladderlib.models.loader import load_with_adapters
    from ladderlib.train.checkpoints import checkpoint_step, commit_callback
    from ladderlib.train.metrics import metrics_callback, read_metrics
    from ladderlib.train.resumable import begin_run, save_adapter

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = list(rows)
    resume = settings.resume if resume is None else resume
    fingerprint = {
        "model": model_settings.model_dump(mode="json"),
        "grpo": settings.model_dump(mode="json", exclude=_NOT_IN_FINGERPRINT),
        "rows": _rows_digest(rows),
    }
    t0 = time.perf_counter()
    warmup = None
    if settings.warmup_sft_steps:
        warmup = run_warmup(model_settings, settings, rows, out / "warmup_adapter")
    checkpoint = begin_run(out, fingerprint, resume, strict=strict_resume)
    metrics_path = out / "metrics.jsonl"

    if warmup:
        model, tokenizer = load_with_adapters(model_settings, [out / "warmup_adapter"])
    else:
        model, tokenizer = load_model(model_settings)
    eval_rows = list(eval_rows or [])[: settings.eval_examples]
    before = None
    if eval_rows:
        prior = [r for r in read_metrics(metrics_path) if r.get("step") == 0 and "heldout_accuracy" in r]
        if checkpoint is None or not prior:
            before = evaluate_integrals(model, tokenizer, eval_rows, max_new_tokens=settings.eval_max_new_tokens)
            log_heldout(metrics_path, 0, before)
        else:
            before = {"accuracy": prior[0]["heldout_accuracy"], "correct": prior[0]["heldout_correct"],
                      "n": prior[0]["heldout_n"]}
    t_train = time.perf_counter()
    if checkpoint is not None and checkpoint_step(checkpoint) >= settings.max_steps:
        # training had finished before the stop: take the last checkpoint's adapter (trainer.train would step again)
        from peft import PeftModel

        policy, steps = PeftModel.from_pretrained(model, checkpoint), checkpoint_step(checkpoint)
    else:
        cbs = [commit_callback(), metrics_callback(metrics_path), *callbacks]
        if eval_rows and settings.eval_every:
            cbs.append(heldout_callback(eval_rows, settings.eval_every, metrics_path, settings))
        trainer = make_grpo_trainer(model_settings, settings, rows, out / "checkpoints", model=model,
                                    tokenizer=tokenizer, callbacks=cbs, tensorboard_dir=out / "tensorboard")
        trainer.train(resume_from_checkpoint=checkpoint)
        policy, steps = trainer, int(trainer.state.global_step)
    train_s = time.perf_counter() - t_train

    after = None
    if eval_rows:
        after = evaluate_integrals(getattr(policy, "model", policy), tokenizer, eval_rows,
                                   max_new_tokens=settings.eval_max_new_tokens)
        log_heldout(metrics_path, steps, after, final=True)
    save_adapter(policy, tokenizer, out / "adapter", {
        "base_model": model_settings.name, "warmup_adapter": str(out / "warmup_adapter") if warmup else None,
        "steps": steps, "settings": settings.model_dump(mode="json"),
    })
    summary = {
        "output_dir": str(out),
        "adapter": str(out / "adapter"),
        "adapter_stack": [str(out / "warmup_adapter"), str(out / "adapter")] if warmup else [str(out / "adapter")],
        "rows": len(rows),
        "steps": steps,
        "resumed_from": checkpoint,
        "warmup": warmup,
        "train_runtime_s": round(train_s, 2),
        "runtime_s": round(time.perf_counter() - t0, 2),
        "settings": settings.model_dump(mode="json"),
        "heldout_before": _strip(before),
        "heldout_after": _strip(after),
    }
    atomic_write_json(out / "summary.json", summary)
    del policy, model
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    return summary


def _strip(result: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if result is None else {k: v for k, v in result.items() if k != "records"}


def grpo_curves(metrics_path: str | Path) -> dict[str, list[dict[str, Any]]]:
    """Training rows (with ``reward``) and held-out accuracy points from a ``metrics.jsonl``."""
    from ladderlib.train.metrics import read_metrics

    rows = read_metrics(metrics_path)
    return {"train": [r for r in rows if "reward" in r], "heldout": [r for r in rows if "heldout_accuracy" in r]}
