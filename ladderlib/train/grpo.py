"""GRPO wiring for LADDER (seed 000): TRL's ``GRPOTrainer`` is the engine; this module builds its dataset,
rewards and config from our params. It does not re-implement GRPO.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from ladderlib.config.base import Section
from ladderlib.config.schema import ModelSettings


class GRPOSettings(Section):
    """GRPO on integration problems (KL coefficient 0.001 as in the LADDER paper; TRL's default is 0)."""

    learning_rate: float = Field(5e-6, gt=0, le=1)
    beta: float = Field(0.001, ge=0)
    num_generations: int = Field(4, ge=2, le=256)
    per_device_train_batch_size: int = Field(4, ge=1)
    max_completion_length: int = Field(256, ge=4, le=32768)
    temperature: float = Field(1.0, gt=0, le=3)
    max_steps: int = Field(100, ge=1)
    format_weight: float = Field(0.1, ge=0, le=10)
    curriculum: Literal["easy_first", "mixed"] = "easy_first"
    logging_steps: int = Field(1, ge=1)
    save_steps: int = Field(50, ge=1)
    use_vllm: bool = False
    seed: int = Field(0, ge=0)


def integration_dataset(rows: Sequence[dict[str, Any]]) -> Any:
    """A ``datasets.Dataset`` of conversational prompts with the integrand column the rewards read."""
    from datasets import Dataset

    from ladderlib.verify.audit import integration_prompt

    return Dataset.from_list([
        {"prompt": [{"role": "user", "content": integration_prompt(r["integrand"], r.get("variable", "x"))}],
         "integrand": r["integrand"]}
        for r in rows
    ])


def grpo_config(settings: GRPOSettings, model_settings: ModelSettings, output_dir: str | Path) -> Any:
    """``trl.GRPOConfig`` for our settings (mixed precision only on CUDA; TensorBoard logging)."""
    import torch
    from trl import GRPOConfig

    cuda = torch.cuda.is_available() and model_settings.device in ("auto", "cuda")
    return GRPOConfig(
        output_dir=str(output_dir),
        learning_rate=settings.learning_rate,
        beta=settings.beta,
        num_generations=settings.num_generations,
        per_device_train_batch_size=settings.per_device_train_batch_size,
        max_completion_length=settings.max_completion_length,
        temperature=settings.temperature,
        max_steps=settings.max_steps,
        logging_steps=settings.logging_steps,
        save_steps=settings.save_steps,
        seed=settings.seed,
        bf16=cuda and model_settings.dtype in ("auto", "bfloat16") and torch.cuda.is_bf16_supported(),
        fp16=cuda and model_settings.dtype == "float16",
        gradient_checkpointing=model_settings.gradient_checkpointing,
        use_vllm=settings.use_vllm,
        report_to=["tensorboard"],
        shuffle_dataset=settings.curriculum == "mixed",
    )


def make_grpo_trainer(
    model_settings: ModelSettings, settings: GRPOSettings, rows: Sequence[dict[str, Any]], output_dir: str | Path
) -> Any:
    """A ready ``GRPOTrainer``: LoRA policy, verifier correctness + format rewards, rows in curriculum order."""
    from trl import GRPOTrainer

    from ladderlib.models import load_model
    from ladderlib.models.lora import lora_config
    from ladderlib.train.rewards import integral_correctness_reward, make_format_reward
    from ladderlib.variants.dataset import curriculum_order

    model, tok = load_model(model_settings)
    ordered = curriculum_order(list(rows), settings.curriculum, seed=settings.seed) if rows and "difficulty" in rows[0] else list(rows)
    return GRPOTrainer(
        model=model,
        reward_funcs=[integral_correctness_reward, make_format_reward(settings.format_weight)],
        args=grpo_config(settings, model_settings, output_dir),
        train_dataset=integration_dataset(ordered),
        processing_class=tok,
        peft_config=lora_config(model_settings.lora),
    )
