"""The planner/worker sections of seed 001: ``planner_sft`` (JSON plans, 04) and ``planner_grpo`` (06).

Defaults follow seed 001: planner SFT lr 1e-4, batch 2 x gradient accumulation 8, LoRA r=16/alpha=32; planner
GRPO lr 1e-5, 4 generations, temperature 0.7, reward weights correctness 1.0 / token efficiency 0.2 /
independence 0.3. The KL coefficient is the LADDER engine's 0.001.
"""

from __future__ import annotations

from pydantic import Field, ValidationInfo, field_validator

from ladderlib.config.base import resolve_path
from ladderlib.config.grpo import GRPOBase
from ladderlib.config.model import LoraSettings
from ladderlib.config.sft import SFTSettings

EMBEDDED_EMBEDDING_MODEL = "embedded"

PLANNER_SYSTEM_PROMPT = (
    "You are a planner for grade-school math word problems. Decide whether the problem should be split into "
    "simpler subproblems that a solver can answer one at a time. Reply with only a JSON object: "
    '{"should_decompose": true or false, "subproblems": ["...", ...], "plan": "..."}. '
    "Use an empty subproblem list when the problem is solved in one step."
)


class PlannerSFTSettings(SFTSettings):
    """Planner SFT (seed 001's baseline): the model learns to answer a problem with a JSON plan.

    Left empty, ``dataset`` means the plans are built offline from the GSM8K training solutions' own steps
    (``ladderlib.planner.data``).
    """

    lora: LoraSettings = Field(default_factory=lambda: LoraSettings(r=16, alpha=32, dropout=0.05),
                               description="shape of the planner adapter")
    learning_rate: float = Field(1e-4, gt=0.0, le=1.0, description="peak learning rate")
    per_device_train_batch_size: int = Field(2, ge=1, le=1024, description="examples per device per forward pass")
    system_prompt: str = Field(PLANNER_SYSTEM_PROMPT, min_length=1, description="the planner's system prompt")
    dataset: str | None = Field(None, description="a local JSONL of plans or a hub dataset id 'owner/name' (None: build from GSM8K)")
    dataset_split: str = Field("train", description="split of the hub dataset to read")

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


class PlannerGRPOSettings(GRPOBase):
    """GRPO on the planner LoRA; a frozen worker (same base model, adapter disabled) executes each plan.

    reward = ``correctness_weight``·correct + ``token_weight``·max(0, 1 − tokens/``token_budget``)
    + ``independence_weight``·independence, where tokens = plan + worker subproblem answers + combine (or direct)
    answer, and independence is the mean pairwise cosine dissimilarity of the subproblems (0 for fewer than two).
    A completion with no recoverable JSON plan gets exactly ``unparsable_reward`` (default 0.0: worse than any
    parsed plan, whose reward is never negative, so GRPO pushes towards valid JSON) and the worker is not run.
    """

    learning_rate: float = Field(1e-5, gt=0, le=1, description="learning rate of the planner LoRA")
    temperature: float = Field(0.7, gt=0, le=3, description="sampling temperature of the plans")
    correctness_weight: float = Field(1.0, ge=0, le=100, description="reward weight of a correct final answer")
    token_weight: float = Field(0.2, ge=0, le=100, description="reward weight of token efficiency")
    independence_weight: float = Field(0.3, ge=0, le=100, description="reward weight of subproblem independence")
    token_budget: int = Field(1024, ge=1, le=1_000_000,
                              description="tokens (plan + worker answers) at which token efficiency reaches 0")
    worker_max_new_tokens: int = Field(128, ge=1, le=32768, description="tokens per worker answer")
    max_subproblems: int = Field(4, ge=1, le=64, description="subproblems of a plan that are executed (the rest are dropped)")
    unparsable_reward: float = Field(0.0, ge=-100, le=100, description="reward of a completion with no recoverable plan")
    embedding_model: str = Field(
        EMBEDDED_EMBEDDING_MODEL,
        description="sentence-embedding model for independence: 'embedded' (MiniLM, offline), a hub id or a folder",
    )
    system_prompt: str = Field(PLANNER_SYSTEM_PROMPT, min_length=1, description="the planner's system prompt")
    start_from_sft: bool = Field(True, description="continue the run's planner SFT adapter when it exists")
    max_train_examples: int | None = Field(None, ge=1, description="use at most this many GSM8K rows (None: all)")

    @field_validator("embedding_model")
    @classmethod
    def _embedding_model_not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("must name a sentence-embedding model: 'embedded', a hub id or a local folder")
        return v.strip()
