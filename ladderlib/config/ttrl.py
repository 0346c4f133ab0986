"""``ttrl``: test-time RL (LADDER's TTRL, seed 000), per test problem: variants, a short GRPO, then the answer.

The GRPO engine fields are ``GRPOBase``'s (TRL's names); the defaults here are short runs. ``max_steps`` and
``time_limit_s`` are the per-problem limits. The cache fields decide when a new problem starts from the adapter
of an earlier, similar one (MiniLM cosine of the problem texts, or an equal integrand fingerprint).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from ladderlib.config.grpo import GRPOBase
from ladderlib.config.planner import EMBEDDED_EMBEDDING_MODEL


class TTRLSettings(GRPOBase):
    """Test-time RL per problem: variant tree, GRPO on the variants with the verifier reward, greedy answer."""

    max_steps: int = Field(8, ge=1, description="GRPO steps per test problem (the per-problem step limit)")
    save_steps: int = Field(10_000, ge=1, description="checkpoint every this many steps (TTRL runs are short: "
                                                      "one checkpoint at the end is enough)")
    learning_rate: float = Field(1e-5, gt=0, le=1, description="learning rate of the per-problem LoRA")
    time_limit_s: float = Field(600.0, gt=0, description="wall-clock limit of one problem's GRPO; training stops "
                                                          "after the step that passes it")
    problems: int | None = Field(None, ge=1, description="test problems 09 adapts to (None: the whole held-out set)")
    variant_depth: int = Field(2, ge=1, le=6, description="levels of the variant tree grown under each test problem")
    variant_breadth: int = Field(3, ge=1, le=16, description="variants asked for per node of the tree")
    max_variants: int = Field(12, ge=1, le=1000, description="variants per test problem kept for GRPO")
    variant_source: Literal["model", "symbolic", "mixed"] = Field(
        "mixed", description="who proposes variants: the model, symbolic rewrites, or the model topped up by "
                             "rewrites (as in 02_variants)")
    format_weight: float = Field(0.1, ge=0, le=10, description="reward for a readable answer, right or wrong")
    probe_samples: int = Field(2, ge=0, le=64, description="sampled answers to the original problem after each step "
                                                           "(what solved_during_adaptation counts; 0: none)")
    answer_max_new_tokens: int = Field(96, ge=4, le=8192, description="tokens of the greedy answer to the original")
    cache: bool = Field(True, description="also run with the adapter cache and report hit rate, steps and time "
                                          "saved, and accuracy with and without it")
    cache_min_similarity: float = Field(0.8, ge=0, le=1, description="MiniLM cosine of two problem texts at or "
                                                                      "above which the cached adapter is reused")
    cache_hit_steps: int = Field(2, ge=0, description="GRPO steps for a problem that starts from a cached adapter "
                                                      "(an equal integrand fingerprint takes none)")
    embedding_model: str = Field(EMBEDDED_EMBEDDING_MODEL, description="sentence-embedding model of the cache keys: "
                                                                        "'embedded' (MiniLM, offline), a hub id or "
                                                                        "a folder")

    @field_validator("embedding_model")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must name a sentence-embedding model: 'embedded', a hub id or a local folder")
        return v.strip()
