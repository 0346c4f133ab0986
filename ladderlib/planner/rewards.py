"""The planner's GRPO reward (seed 001's ``PipelineRewardFunction``), as a TRL reward function.

Each completion is a plan; the frozen worker executes it (``ladderlib.planner.pipeline``) and the plan is scored

    reward = correctness_weight·correct + token_weight·max(0, 1 − tokens/token_budget)
             + independence_weight·independence

with tokens = plan + worker subproblem answers + combine (or direct) answer. A completion with no recoverable
plan gets ``unparsable_reward`` and no worker call. TRL calls ``reward(prompts=..., completions=...,
completion_ids=..., **dataset_columns, trainer_state=..., log_metric=..., log_extra=...)``; the per-batch
metrics go through ``log_metric`` and TRL averages them per logging step. The worker needs the policy model,
which TRL wraps in PEFT itself, so the reward is built unbound and ``bind``-ed to ``trainer.model`` afterwards.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from ladderlib.config.planner import PlannerGRPOSettings
from ladderlib.planner.pipeline import PipelineResult, execute_plans
from ladderlib.planner.worker import FrozenWorker

__all__ = ["REWARD_NAME", "PlannerReward", "batch_metrics", "plan_reward", "token_efficiency"]

REWARD_NAME = "planner_reward"
METRIC_PREFIX = "planner/"


def token_efficiency(tokens: int, max_tokens: int) -> float:
    """``1 − tokens/max_tokens`` clipped to [0, 1]: 1 for free, 0 at or beyond the budget."""
    return min(1.0, max(0.0, 1.0 - tokens / max_tokens))


def plan_reward(result: PipelineResult, settings: PlannerGRPOSettings) -> float:
    """The reward of one executed plan (``unparsable_reward`` when the plan did not parse)."""
    if not result.parse_ok:
        return float(settings.unparsable_reward)
    return (
        settings.correctness_weight * float(bool(result.correct))
        + settings.token_weight * token_efficiency(result.tokens, settings.token_budget)
        + settings.independence_weight * result.independence
    )


def batch_metrics(results: Sequence[PipelineResult], max_tokens: int) -> dict[str, float]:
    """Per-batch means: correctness and parse failures over all completions, the rest over parsed plans only."""
    n = len(results)
    if n == 0:
        return {}
    out = {
        "correctness": sum(bool(r.correct) for r in results) / n,
        "parse_failure_rate": sum(not r.parse_ok for r in results) / n,
    }
    parsed = [r for r in results if r.parse_ok]
    if parsed:
        m = len(parsed)
        out.update(
            decomposition_rate=sum(r.decomposed for r in parsed) / m,
            token_efficiency=sum(token_efficiency(r.tokens, max_tokens) for r in parsed) / m,
            mean_tokens=sum(r.tokens for r in parsed) / m,
            mean_subproblems=sum(r.n_subproblems for r in parsed) / m,
            independence=sum(r.independence for r in parsed) / m,
        )
    return out


def _text(completion: Any) -> str:
    """Plain text of a completion: a string, or the last message of a conversational completion."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion:
        last = completion[-1]
        return str(last.get("content", "")) if isinstance(last, dict) else str(last)
    return "" if completion is None else str(completion)


def _question(prompt: Any) -> str:
    """The user's question from a prompt (last user message of a conversation, else the text)."""
    if isinstance(prompt, list):
        users = [m.get("content", "") for m in prompt if isinstance(m, dict) and m.get("role") == "user"]
        return str(users[-1]) if users else _text(prompt)
    return str(prompt)


class PlannerReward:
    """Callable TRL reward: executes each plan with the frozen worker and scores it; keeps running counts."""

    def __init__(
        self,
        settings: PlannerGRPOSettings,
        worker: FrozenWorker | None = None,
        independence_fn: Callable[[Sequence[str]], float] | None = None,
    ) -> None:
        self.__name__ = REWARD_NAME  # TRL names the reward's metrics after it
        self.settings = settings
        self.worker = worker
        self._independence_fn = independence_fn
        self.last_results: list[PipelineResult] = []
        self.completions_seen = 0
        self.unparsable_seen = 0

    def bind(self, model: Any, tokenizer: Any) -> "PlannerReward":
        """Use ``model`` (the trainer's PEFT policy, adapter disabled) as the worker; returns self."""
        self.worker = FrozenWorker.from_model(model, tokenizer, max_new_tokens=self.settings.worker_max_new_tokens)
        return self

    def independence_fn(self) -> Callable[[Sequence[str]], float] | None:
        """The subproblem scorer (MiniLM by default, loaded on first use); None when the independence weight is 0."""
        if self._independence_fn is None and self.settings.independence_weight > 0:
            from ladderlib.planner.independence import independence

            self._independence_fn = functools.partial(independence, model=self.settings.embedding_model)
        return self._independence_fn

    def __call__(
        self,
        prompts: Sequence[Any],
        completions: Sequence[Any],
        completion_ids: Sequence[Sequence[int]] | None = None,
        question: Sequence[str] | None = None,
        gold: Sequence[str] | None = None,
        answer: Sequence[str] | None = None,
        log_metric: Callable[[str, float], None] | None = None,
        log_extra: Callable[[str, list], None] | None = None,
        **_: Any,
    ) -> list[float]:
        """One reward per completion; ``gold`` (else GSM8K ``answer``) grades, ``question`` (else the prompt) is
        the problem the worker solves."""
        if self.worker is None:
            raise RuntimeError("PlannerReward has no worker: call reward.bind(trainer.model, tokenizer) first")
        questions = list(question) if question is not None else [_question(p) for p in prompts]
        golds = gold if gold is not None else answer
        results = execute_plans(
            self.worker,
            questions,
            [_text(c) for c in completions],
            None if golds is None else list(golds),
            None if completion_ids is None else [len(ids) for ids in completion_ids],
            max_subproblems=self.settings.max_subproblems,
            independence_fn=self.independence_fn(),
            on_unparsable="skip",
        )
        self.last_results = results
        self.completions_seen += len(results)
        self.unparsable_seen += sum(not r.parse_ok for r in results)
        if log_metric is not None:
            for name, value in batch_metrics(results, self.settings.token_budget).items():
                log_metric(METRIC_PREFIX + name, float(value))
        if log_extra is not None:
            log_extra("final_answer", [r.final_answer for r in results])
        return [plan_reward(r, self.settings) for r in results]
