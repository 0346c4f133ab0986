"""``evaluation``: the final GSM8K test comparison (base vs SFT vs PPO) of 06."""

from __future__ import annotations

from pydantic import Field

from ladderlib.config.base import Section


class EvalSettings(Section):
    """How many GSM8K test questions to score and how each model generates (greedy)."""

    test_examples: int = Field(200, ge=1, le=100_000, description="GSM8K test questions scored per model")
    max_new_tokens: int = Field(256, ge=8, le=8192, description="tokens per greedy answer")
    batch_size: int = Field(8, ge=1, le=1024, description="prompts per generation batch")
