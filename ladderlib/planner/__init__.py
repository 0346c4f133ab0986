"""Recursive planner/worker (seed 001): a LoRA planner writes JSON plans, a frozen worker executes them, GRPO
trains the planner on correctness + token efficiency + subproblem independence.

Modules: ``schema`` (the JSON plan and its tolerant parser), ``data`` (SFT plans built from GSM8K steps, GRPO
prompts), ``sft`` (planner SFT), ``independence`` (MiniLM dissimilarity), ``prompts`` and ``worker`` (the frozen
worker), ``pipeline`` (execute plans), ``rewards`` (the TRL reward), ``grpo`` (the GRPO job), ``inference`` and
``cli`` (``ladder plan-solve``). The settings are ``ladderlib.config.planner``.
Names are imported lazily so params validation does not load torch.
"""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "independence": "EmbeddingModelError independence load_embedding_model",
    "worker": "FrozenWorker WorkerOutput",
    "pipeline": "PipelineResult execute_plan execute_plans gold_answer",
    "rewards": "PlannerReward plan_reward",
    "data": "planner_grpo_dataset",
    "schema": "Plan PlanParseError parse_plan",
    "sft": "train_planner_sft",
    "grpo": "train_planner_grpo",
    "inference": "solve",
})
