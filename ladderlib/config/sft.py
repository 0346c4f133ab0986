"""The ``sft`` section: supervised fine-tuning with TRL's ``SFTTrainer`` and a LoRA adapter (seed 002's tutor SFT).

Fields that are handed to TRL carry TRL's names (``per_device_train_batch_size``, ``num_train_epochs``, ...).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ladderlib.config.base import Section
from ladderlib.config.model import LoraSettings

TUTOR_SYSTEM_PROMPT = (
    "You are a patient math tutor. Solve the student's problem step by step, explaining each calculation "
    "in plain words, and finish with a last line of the form '#### <answer>' where <answer> is just the number."
)


class SFTSettings(Section):
    """Supervised fine-tuning with TRL's SFTTrainer and a LoRA adapter (QLoRA when the model is 4-bit).

    ``lora`` is the adapter trained here (seed 002: r=32, alpha=16, dropout=0.05, all linear layers); it is
    separate from ``model.lora``, which later RL notebooks use. Defaults are seed 002's recipe (lr 5e-5,
    batch 1 x gradient accumulation 8, 1 epoch).
    """

    lora: LoraSettings = Field(default_factory=lambda: LoraSettings(r=32, alpha=16, dropout=0.05),
                               description="shape of the adapter trained here")
    learning_rate: float = Field(5e-5, gt=0.0, le=1.0, description="peak learning rate")
    per_device_train_batch_size: int = Field(1, ge=1, le=1024, description="examples per device per forward pass")
    gradient_accumulation_steps: int = Field(8, ge=1, le=1024, description="forward passes per optimizer step")
    num_train_epochs: float = Field(1.0, gt=0.0, le=100.0, description="passes over the training rows")
    max_steps: int | None = Field(None, ge=1, description="cap on optimizer steps; overrides num_train_epochs")
    max_train_examples: int | None = Field(None, ge=1, description="use at most this many training rows (None: all)")
    max_length: int | None = Field(None, ge=32, le=262144,
                                   description="truncate each prompt + completion to this many tokens (None: model.max_seq_length)")
    warmup_ratio: float = Field(0.0, ge=0.0, lt=1.0, description="share of the steps spent warming the learning rate up")
    lr_scheduler_type: Literal["linear", "cosine", "constant", "constant_with_warmup"] = Field(
        "linear", description="learning-rate schedule after warm-up"
    )
    weight_decay: float = Field(0.0, ge=0.0, le=1.0, description="AdamW weight decay")
    max_grad_norm: float = Field(1.0, gt=0.0, description="gradient-norm clipping")
    optim: Literal["auto", "adamw_torch", "paged_adamw_8bit", "adamw_8bit"] = Field(
        "auto", description="optimizer; auto is paged 8-bit AdamW for 4-bit models on CUDA, else AdamW"
    )
    logging_steps: int = Field(10, ge=1, description="log the loss every this many steps")
    save_steps: int | None = Field(None, ge=1, description="write a resumable checkpoint every this many steps (None: none)")
    resume: bool = Field(True, description="after a crash, continue from the last complete checkpoint of the same run")
    seed: int = Field(42, ge=0, description="seed of initialisation and data order")
    system_prompt: str = Field(TUTOR_SYSTEM_PROMPT, min_length=1, description="system prompt of every training example")
    eval_examples: int = Field(50, ge=1, description="validation rows scored by the base-vs-SFT dev evaluation")
    eval_max_new_tokens: int = Field(256, ge=1, le=8192, description="tokens generated per dev-evaluation answer")
    eval_batch_size: int = Field(8, ge=1, le=1024, description="prompts per generation batch in the dev evaluation")

    @model_validator(mode="after")
    def _save_within_max_steps(self) -> "SFTSettings":
        if self.save_steps is not None and self.max_steps is not None and self.save_steps > self.max_steps:
            raise ValueError(
                f"save_steps ({self.save_steps}) is larger than max_steps ({self.max_steps}): "
                "no checkpoint would be written"
            )
        return self
