"""Execute planner outputs (seed 001's ``PipelineExecutor``): parse → decompose → worker solves → combine.

A plan is parsed with the tolerant ``parse_plan``. With ``should_decompose`` and at least one subproblem, the
worker solves the subproblems in order (earlier sub-answers in context; at most ``max_subproblems``, the rest
are dropped) and then combines them into the final answer; otherwise the worker solves the problem directly.
Everything is batched across the plans given, so one call handles a whole GRPO step.

An unparsable plan is either skipped (``on_unparsable="skip"``: no worker call, no answer; training scores it
with a fixed reward) or solved directly (``"direct"``: inference still answers the question).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ladderlib.tasks.answers import answers_match, extract_answer, gsm8k_gold
from ladderlib.planner.worker import FrozenWorker, WorkerOutput
from ladderlib.planner.schema import Plan, PlanParseError, parse_plan

__all__ = ["PipelineResult", "execute_plan", "execute_plans", "gold_answer"]

IndependenceFn = Callable[[Sequence[str]], float]


@dataclass
class PipelineResult:
    """What executing one plan produced: the answer, whether it is right, and what it cost."""

    question: str
    plan_text: str
    parse_ok: bool
    decomposed: bool
    subproblems: list[str] = field(default_factory=list)
    sub_answers: list[str] = field(default_factory=list)
    final_text: str = ""
    final_answer: str | None = None
    correct: bool | None = None
    plan_tokens: int = 0
    worker_tokens: int = 0
    independence: float = 0.0
    parse_error: str | None = None

    @property
    def n_subproblems(self) -> int:
        """How many subproblems the worker solved."""
        return len(self.subproblems)

    @property
    def tokens(self) -> int:
        """Total generated tokens: plan + subproblem answers + combine (or direct) answer."""
        return self.plan_tokens + self.worker_tokens

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record, derived counts included."""
        return {**asdict(self), "n_subproblems": self.n_subproblems, "tokens": self.tokens}


def gold_answer(answer: str | int | float) -> str:
    """The gold final answer from a GSM8K ``answer`` field (full solution with ``####``) or a bare answer."""
    text = str(answer)
    return gsm8k_gold(text) if "####" in text else text.strip().replace(",", "")


def _parse(text: str) -> tuple[Plan | None, str | None]:
    """(plan, None) or (None, reason) for one planner output."""
    try:
        return parse_plan(text), None
    except PlanParseError as exc:
        return None, str(exc)


def execute_plans(
    worker: FrozenWorker,
    questions: Sequence[str],
    plan_texts: Sequence[str],
    golds: Sequence[str | None] | None = None,
    plan_tokens: Sequence[int] | None = None,
    *,
    max_subproblems: int = 4,
    independence_fn: IndependenceFn | None = None,
    on_unparsable: Literal["skip", "direct"] = "skip",
) -> list[PipelineResult]:
    """Run every plan through the worker in batches; ``golds`` (answers or GSM8K answer fields) grade the results.

    ``plan_tokens`` are the planner's token counts (re-tokenized from the text when absent);
    ``independence_fn`` scores the executed subproblems (None: independence 0).
    """
    n = len(questions)
    if len(plan_texts) != n:
        raise ValueError(f"{len(plan_texts)} plans for {n} questions")
    results: list[PipelineResult] = []
    notes: list[str] = []
    for i, (q, text) in enumerate(zip(questions, plan_texts)):
        plan, error = _parse(text)
        notes.append(plan.plan if plan is not None and plan.should_decompose else "")
        subs = plan.subproblems[:max_subproblems] if plan is not None and plan.should_decompose else []
        ptok = plan_tokens[i] if plan_tokens is not None else worker.count_tokens(text)
        results.append(
            PipelineResult(q, text, plan is not None, bool(subs), list(subs), plan_tokens=int(ptok), parse_error=error)
        )
    active = [i for i, r in enumerate(results) if r.parse_ok or on_unparsable == "direct"]
    decomposed = [i for i in active if results[i].decomposed]
    sub_out = worker.solve_subproblems([questions[i] for i in decomposed], [results[i].subproblems for i in decomposed])
    answers: dict[int, list[WorkerOutput]] = dict(zip(decomposed, sub_out))
    finals = worker.final_answers(
        [questions[i] for i in active],
        [results[i].subproblems or None for i in active],
        [answers.get(i) for i in active],
        [notes[i] for i in active],
    )
    for i, final in zip(active, finals):
        r = results[i]
        outs = answers.get(i, [])
        r.sub_answers = [o.text for o in outs]
        r.worker_tokens = sum(o.tokens for o in outs) + final.tokens
        r.final_text = final.text
        r.final_answer = extract_answer(final.text)
        if r.decomposed and independence_fn is not None:
            r.independence = float(independence_fn(r.subproblems))
    if golds is not None:
        for r, gold in zip(results, golds):
            if gold is not None:
                r.correct = r.final_answer is not None and answers_match(r.final_answer, gold_answer(gold))
    return results


def execute_plan(
    worker: FrozenWorker,
    question: str,
    plan_text: str,
    gold: str | None = None,
    **kwargs: Any,
) -> PipelineResult:
    """Execute one plan (see ``execute_plans`` for the keyword arguments)."""
    return execute_plans(worker, [question], [plan_text], None if gold is None else [gold], **kwargs)[0]
