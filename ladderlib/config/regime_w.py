"""``regime_w``: the Regime W section (arms, coherence-score weights, reward, counterfactuals, collection, bandit)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ladderlib.config.base import Section

CfRule = Literal["rename", "reorder", "paraphrase"]


class RegimeWSettings(Section):
    """How Regime W rollouts are generated, scored and rewarded (defaults follow seed 002).

    Arms: one Wolfram-style and one Maudlin-style arm per entry of ``temperatures`` (8 arms by default).
    ``s_wm = w_end·s_end + w_path·s_path + w_cf·s_cf`` (weights sum to 1).
    ``reward = (reward_correct if any arm correct else reward_incorrect) + coherence_weight·s_wm
    − length_penalty·max(0, mean_tokens − length_free_tokens)``.
    ``cf_arms`` arms (0 disables counterfactuals) are re-run on a meaning-preserving rewrite of each question.
    ``batch_size`` is the number of questions sent to one generate call (one call per arm per batch).
    """

    temperatures: list[float] = Field(default_factory=lambda: [0.2, 0.3, 0.4, 0.5], min_length=1, max_length=16,
                                      description="one Wolfram and one Maudlin arm per temperature")
    max_new_tokens: int = Field(512, ge=8, le=8192, description="tokens per arm answer")
    n_questions: int = Field(500, ge=1, description="training questions to collect rollouts for")
    batch_size: int = Field(8, ge=1, le=512, description="questions per generation call")
    seed: int = Field(0, ge=0, description="seed of sampling and counterfactual rewrites")
    w_end: float = Field(0.4, ge=0.0, le=1.0, description="weight of s_end (agreement of final answers)")
    w_path: float = Field(0.3, ge=0.0, le=1.0, description="weight of s_path (consistency of reasoning lengths)")
    w_cf: float = Field(0.3, ge=0.0, le=1.0, description="weight of s_cf (answers stable under a rewrite)")
    reward_correct: float = Field(1.0, description="base reward when any arm is correct")
    reward_incorrect: float = Field(-0.5, description="base reward when no arm is correct")
    coherence_weight: float = Field(0.7, ge=0.0, description="weight of s_wm in the reward")
    length_penalty: float = Field(0.001, ge=0.0, description="penalty per mean token above length_free_tokens")
    length_free_tokens: int = Field(400, ge=0, description="mean answer length that costs nothing")
    cf_arms: int = Field(8, ge=0, le=32, description="arms re-run on the rewritten question (0: no counterfactuals)")
    cf_rules: list[CfRule] = Field(default_factory=lambda: ["rename", "reorder", "paraphrase"], min_length=1,
                                   description="meaning-preserving rewrites applied to the question")
    ucb_c: float = Field(2.0, ge=0.0, le=100.0, description="exploration constant of the UCB1 bandit over arms")
    bandit_metric: Literal["correct", "reward_share"] = Field(
        "correct", description="what an arm pull earns in the bandit: correctness or its share of the reward")

    @property
    def n_arms(self) -> int:
        """Number of arms: two styles per temperature."""
        return 2 * len(self.temperatures)

    @field_validator("temperatures")
    @classmethod
    def _temps(cls, v: list[float]) -> list[float]:
        bad = [t for t in v if not 0.0 < t <= 2.0]
        if bad:
            raise ValueError(f"temperatures must be in (0, 2]; got {bad}")
        if len(set(v)) != len(v):
            raise ValueError(f"temperatures must be distinct; got {v}")
        return v

    @field_validator("cf_rules")
    @classmethod
    def _rules_unique(cls, v: list[CfRule]) -> list[CfRule]:
        if len(set(v)) != len(v):
            raise ValueError(f"cf_rules must not repeat; got {v}")
        return v

    @model_validator(mode="after")
    def _check(self) -> "RegimeWSettings":
        total = self.w_end + self.w_path + self.w_cf
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"w_end + w_path + w_cf must sum to 1 (s_wm stays in [0, 1]); got {total:g}")
        if self.cf_arms > self.n_arms:
            raise ValueError(f"cf_arms ({self.cf_arms}) exceeds the number of arms ({self.n_arms})")
        if self.reward_incorrect > self.reward_correct:
            raise ValueError("reward_incorrect must not exceed reward_correct")
        return self
