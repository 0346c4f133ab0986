"""The frozen worker of seed 001: the planner's own base model with the LoRA adapter switched off.

No second copy of the model is loaded: the worker's engine generates inside ``peft_model.disable_adapter()``,
where the PEFT model computes exactly the base model's outputs, so the worker stays frozen while the planner's
adapter trains (``FrozenWorker.from_model``). Any engine with ``complete`` and ``count_tokens`` works (the vLLM
engine on GPUs). Every method takes a whole batch (all completions of a GRPO step) and makes one batched,
greedy generation per round, which is what keeps reward computation affordable on a CPU.

Token counts are the tokens the engine generated for each answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ladderlib.tasks.answers import extract_answer
from ladderlib.planner.prompts import WORKER_SYSTEM_PROMPT, combine_prompt, direct_prompt, subproblem_prompt

__all__ = ["FrozenWorker", "WorkerOutput"]


@dataclass(frozen=True)
class WorkerOutput:
    """One worker answer: the generated text, its token count and the answer extracted from it (or None)."""

    text: str
    tokens: int
    answer: str | None

    def short(self, limit: int = 80) -> str:
        """The extracted answer, else the end of the text: what later prompts show as this result."""
        if self.answer is not None:
            return self.answer
        tail = " ".join(self.text.split())
        return tail[-limit:] if tail else "?"


class FrozenWorker:
    """Solves subproblems, combines sub-results and solves problems directly with a frozen model."""

    def __init__(self, engine: Any, *, max_new_tokens: int = 128) -> None:
        self.engine = engine
        self.max_new_tokens = max_new_tokens

    @classmethod
    def from_model(cls, model: Any, tokenizer: Any, *, max_new_tokens: int = 128, batch_size: int = 16,
                   system: str = WORKER_SYSTEM_PROMPT) -> "FrozenWorker":
        """The worker on ``model`` with its LoRA adapter disabled (a plain model is used as is)."""
        from ladderlib.models.generation import Engine

        return cls(Engine(model, tokenizer, batch_size=batch_size, system=system, adapter_disabled=True),
                   max_new_tokens=max_new_tokens)

    def complete(self, messages: Sequence[str]) -> list[WorkerOutput]:
        """Greedy answers to raw user ``messages`` (one batched generation)."""
        from ladderlib.models.generation import Sampling

        if not messages:
            return []
        done = self.engine.complete(list(messages), Sampling(max_new_tokens=self.max_new_tokens))
        return [WorkerOutput(c.text, c.n_tokens, extract_answer(c.text)) for c in done]

    def count_tokens(self, text: str) -> int:
        """Number of tokens of ``text`` for the worker's tokenizer (no special tokens)."""
        return self.engine.count_tokens(text)

    def solve_subproblems(
        self, questions: Sequence[str], subproblem_lists: Sequence[Sequence[str]]
    ) -> list[list[WorkerOutput]]:
        """Solve each problem's subproblems in order, earlier results in context; round k batches every k-th one."""
        results: list[list[WorkerOutput]] = [[] for _ in questions]
        rounds = max((len(s) for s in subproblem_lists), default=0)
        for k in range(rounds):
            todo = [i for i, subs in enumerate(subproblem_lists) if len(subs) > k]
            prompts = [
                subproblem_prompt(
                    questions[i],
                    subproblem_lists[i][k],
                    k + 1,
                    subproblem_lists[i][:k],
                    [r.short() for r in results[i]],
                )
                for i in todo
            ]
            for i, out in zip(todo, self.complete(prompts)):
                results[i].append(out)
        return results

    def final_answers(
        self,
        questions: Sequence[str],
        subproblem_lists: Sequence[Sequence[str] | None],
        answer_lists: Sequence[Sequence[WorkerOutput] | None],
        plans: Sequence[str] | None = None,
    ) -> list[WorkerOutput]:
        """One batched call: combine sub-results where a problem has them, solve directly where it has none."""
        prompts = []
        for i, q in enumerate(questions):
            subs, answers = subproblem_lists[i], answer_lists[i]
            if subs:
                prompts.append(combine_prompt(q, subs, [a.short() for a in answers or []], plans[i] if plans else ""))
            else:
                prompts.append(direct_prompt(q))
        return self.complete(prompts)

    def combine(
        self,
        questions: Sequence[str],
        subproblem_lists: Sequence[Sequence[str]],
        answer_lists: Sequence[Sequence[WorkerOutput]],
        plans: Sequence[str] | None = None,
    ) -> list[WorkerOutput]:
        """Final answers from each problem's subproblems and their worker answers."""
        return self.final_answers(questions, subproblem_lists, answer_lists, plans)

    def solve_directly(self, questions: Sequence[str]) -> list[WorkerOutput]:
        """Final answers to problems solved in one go (no decomposition)."""
        return self.final_answers(questions, [None] * len(questions), [None] * len(questions))
