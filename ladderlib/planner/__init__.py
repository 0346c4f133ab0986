"""Recursive planner/worker (seed 001): a LoRA planner writes JSON plans, a frozen worker executes them, GRPO
trains the planner on correctness + token efficiency + subproblem independence.

Modules: ``config`` (the ``planner_grpo`` params section), ``independence`` (MiniLM dissimilarity), ``prompts`` and
``worker`` (the frozen worker), ``pipeline`` (execute plans), ``rewards`` (the TRL reward), ``data`` (GRPO
prompts), ``train`` (TRL ``GRPOTrainer`` wiring), ``inference`` and ``cli`` (``ladder plan-solve``).
Names are imported lazily so params validation does not load torch.
"""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

_EXPORTS = {
    "PlannerGRPOSettings": "ladderlib.planner.config",
    "EmbeddingModelError": "ladderlib.planner.independence",
    "independence": "ladderlib.planner.independence",
    "load_embedding_model": "ladderlib.planner.independence",
    "FrozenWorker": "ladderlib.planner.worker",
    "WorkerOutput": "ladderlib.planner.worker",
    "PipelineResult": "ladderlib.planner.pipeline",
    "execute_plan": "ladderlib.planner.pipeline",
    "execute_plans": "ladderlib.planner.pipeline",
    "gold_answer": "ladderlib.planner.pipeline",
    "PlannerReward": "ladderlib.planner.rewards",
    "plan_reward": "ladderlib.planner.rewards",
    "planner_grpo_dataset": "ladderlib.planner.data",
    "make_planner_grpo_trainer": "ladderlib.planner.train",
    "run_planner_grpo": "ladderlib.planner.train",
    "train_planner_grpo": "ladderlib.planner.train",
    "solve": "ladderlib.planner.inference",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
