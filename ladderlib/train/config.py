"""Settings for supervised fine-tuning (04_sft): the GSM8K tutor SFT (seed 002) and the planner SFT (seed 001)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ladderlib.config.base import Section, resolve_path
from ladderlib.config.schema import LoraSettings

TUTOR_SYSTEM_PROMPT = (
    "You are a patient math tutor. Solve the student's problem step by step, explaining each calculation "
    "in plain words, and finish with a last line of the form '#### <answer>' where <answer> is just the number."
)

PLANNER_SYSTEM_PROMPT = (
    "You are a planner for grade-school math word problems. Decide whether the problem should be split into "
    "simpler subproblems that a solver can answer one at a time. Reply with only a JSON object: "
    '{"should_decompose": true or false, "subproblems": ["...", ...], "plan": "..."}. '
    "Use an empty subproblem list when the problem is solved in one step."
)


class SFTSettings(Section):
    """Supervised fine-tuning with TRL's SFTTrainer and a LoRA adapter (QLoRA when the model is 4-bit).

    ``lora`` is the adapter trained here (seed 002: r=32, alpha=16, dropout=0.05, all linear layers); it is
    separate from ``model.lora``, which later RL notebooks use.
    Defaults are seed 002's recipe (lr 5e-5, batch 1 x grad-accum 8, 1 epoch). ``max_steps`` caps optimizer
    steps (overrides epochs), ``max_train_examples`` caps the training rows, ``max_seq_length`` (None: the
    model's) truncates each prompt+completion. ``save_steps`` writes checkpoints every N steps; with ``resume`` a
    rerun after a crash continues from the last one (only if the settings and data size are unchanged).
    """

    lora: LoraSettings = Field(default_factory=lambda: LoraSettings(r=32, alpha=16, dropout=0.05))
    learning_rate: float = Field(5e-5, gt=0.0, le=1.0)
    batch_size: int = Field(1, ge=1, le=1024)
    grad_accum: int = Field(8, ge=1, le=1024)
    epochs: float = Field(1.0, gt=0.0, le=100.0)
    max_steps: int | None = Field(None, ge=1)
    max_train_examples: int | None = Field(None, ge=1)
    max_seq_length: int | None = Field(None, ge=32, le=262144)
    warmup_ratio: float = Field(0.0, ge=0.0, lt=1.0)
    lr_scheduler: Literal["linear", "cosine", "constant", "constant_with_warmup"] = "linear"
    weight_decay: float = Field(0.0, ge=0.0, le=1.0)
    max_grad_norm: float = Field(1.0, gt=0.0)
    optim: Literal["auto", "adamw_torch", "paged_adamw_8bit", "adamw_8bit"] = "auto"
    logging_steps: int = Field(10, ge=1)
    save_steps: int | None = Field(None, ge=1)
    resume: bool = True
    seed: int = Field(42, ge=0)
    system_prompt: str = Field(TUTOR_SYSTEM_PROMPT, min_length=1)
    eval_examples: int = Field(50, ge=1)
    eval_max_new_tokens: int = Field(256, ge=1, le=8192)
    eval_batch_size: int = Field(8, ge=1, le=1024)

    @model_validator(mode="after")
    def _save_within_max_steps(self) -> "SFTSettings":
        if self.save_steps is not None and self.max_steps is not None and self.save_steps > self.max_steps:
            raise ValueError(
                f"save_steps ({self.save_steps}) is larger than max_steps ({self.max_steps}): "
                "no checkpoint would be written"
            )
        return self


class PlannerSFTSettings(SFTSettings):
    """Planner SFT (seed 001's baseline): the model learns to answer a problem with a JSON plan.

    ``dataset`` is a local JSONL file or a hub dataset id; left empty, the plans are built offline from the
    GSM8K training solutions' own steps (``ladderlib.train.planner_data``). Defaults follow seed 001
    (lr 1e-4, batch 2 x grad-accum 8, LoRA r=16/alpha=32).
    """

    lora: LoraSettings = Field(default_factory=lambda: LoraSettings(r=16, alpha=32, dropout=0.05))
    learning_rate: float = Field(1e-4, gt=0.0, le=1.0)
    batch_size: int = Field(2, ge=1, le=1024)
    system_prompt: str = Field(PLANNER_SYSTEM_PROMPT, min_length=1)
    dataset: str | None = None
    dataset_split: str = "train"

    @field_validator("dataset")
    @classmethod
    def _dataset_exists_or_hub_id(cls, v: str | None, info: ValidationInfo) -> str | None:
        if v is None or not v.strip():
            return None
        v = v.strip()
        if v.startswith((".", "/", "~", "$")) or v.endswith((".jsonl", ".json")):
            path = resolve_path(v, info)
            if not path.is_file():
                raise ValueError(
                    f"planner dataset file {str(path)!r} does not exist (give a JSONL file or a hub id 'owner/name')"
                )
            return str(path)
        if v.count("/") != 1:
            raise ValueError(f"{v!r} is neither a JSONL file path nor a hub dataset id 'owner/name'")
        return v
