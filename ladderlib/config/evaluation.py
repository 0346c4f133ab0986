"""``evaluation``: the final GSM8K test comparison (base vs SFT vs PPO) of 06, and the integral set 09 evaluates
(a user JSONL of competition problems via ``integrals_path``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator

from ladderlib.config.base import Section, existing_file_or_none


class EvalSettings(Section):
    """How many GSM8K test questions to score and how each model generates (greedy)."""

    test_examples: int = Field(200, ge=1, le=100_000, description="GSM8K test questions scored per model")
    max_new_tokens: int = Field(256, ge=8, le=8192, description="tokens per greedy answer")
    batch_size: int = Field(8, ge=1, le=1024, description="prompts per generation batch")
    integrals_path: Path | None = Field(
        None, description="JSONL of competition integrals (LaTeX 'problem', and 'answer': the value of a definite "
                          "integral or an antiderivative) that 09 evaluates instead of 06's held-out set (None: that set)")

    @field_validator("integrals_path")
    @classmethod
    def _exists(cls, v: Path | None, info: ValidationInfo) -> Path | None:
        return existing_file_or_none(v, info)
