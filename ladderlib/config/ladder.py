"""LADDER's sections: ``audit`` (03_verify's verifier audit) and ``grpo`` (curriculum GRPO on variants, 06)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ladderlib.config.base import Section
from ladderlib.config.grpo import GRPOBase


class AuditSettings(Section):
    """Sizes of the 03_verify audit."""

    true_pairs: int = Field(200, ge=1, description="test pairs whose true and corrupted answers are checked")
    model_problems: int = Field(8, ge=0, description="problems the model answers (0: skip model sampling)")
    samples_per_problem: int = Field(4, ge=1, le=64, description="sampled answers per problem")
    max_new_tokens: int = Field(192, ge=8, le=8192, description="tokens per sampled answer")
    temperature: float = Field(0.8, ge=0.0, le=2.0, description="sampling temperature of the model answers")
    seed: int = Field(0, ge=0, description="seed of the pair sample and of the model's sampling")


class LadderGRPOSettings(GRPOBase):
    """GRPO on integration problems (KL coefficient 0.001 as in the LADDER paper; TRL's default is 0).

    ``warmup_sft_steps`` > 0 first fine-tunes on the training rows' verified antiderivatives (an SFT warm-up,
    reported as part of the method), merges it, and runs GRPO on a fresh LoRA so the KL reference is the
    warmed-up model.
    """

    format_weight: float = Field(0.1, ge=0, le=10, description="reward for an answer the verifier can parse, right or wrong")
    curriculum: Literal["easy_first", "banded", "mixed"] = Field(
        "easy_first", description="row order: easiest first, difficulty bands shuffled within, or a seeded shuffle"
    )
    warmup_sft_steps: int = Field(0, ge=0, description="SFT warm-up steps on verified antiderivatives before GRPO (0: none)")
    warmup_learning_rate: float = Field(2e-4, gt=0, le=1, description="learning rate of the SFT warm-up")
    warmup_batch_size: int = Field(8, ge=1, description="examples per SFT warm-up step")
    warmup_rows: int = Field(160, ge=1, description="train-split problems (disjoint from every arm and the held-out "
                                                     "set) the shared warm-up of 06's ablation trains on")
    warmup_table_rows: int = Field(0, ge=0, description="table-rule problems (ladderlib.ladder.table_integrals, "
                                                        "unlike every arm, held-out and dev row) added to 06's "
                                                        "warm-up: a 135M model needs them to solve any variant")
    eval_every: int = Field(0, ge=0, description="measure dev-split accuracy every this many steps (0: never)")
    eval_examples: int = Field(50, ge=1, description="held-out problems measured before and after training (and dev problems)")
    eval_max_new_tokens: int = Field(64, ge=4, le=8192, description="tokens per greedy held-out answer")
    run_ablation: bool = Field(True, description="also train the ablation arm on the original (root) problems")
