"""The frozen worker's prompts: solve one subproblem, combine sub-results, or solve a problem directly.

Every prompt asks for a last line ``#### <answer>`` so ``ladderlib.tasks.answers.extract_answer`` reads the
result. Earlier sub-results are shown as ``[k] = value  (subproblem)``, matching the ``[k]`` references that the
planner SFT data uses for results of earlier subproblems. Direct solving reuses the tutor SFT's user message; one
system prompt serves all three, so a whole GRPO batch of worker calls is one batched generation.
"""

from __future__ import annotations

from collections.abc import Sequence

from ladderlib.tasks.gsm8k import tutor_prompt

__all__ = ["WORKER_SYSTEM_PROMPT", "combine_prompt", "direct_prompt", "subproblem_prompt"]

WORKER_SYSTEM_PROMPT = (
    "You are a careful math solver. Answer exactly what you are asked, briefly, "
    "and finish with a last line of the form '#### <answer>' where <answer> is just the number."
)


def _results_block(subproblems: Sequence[str], answers: Sequence[str]) -> str:
    """``[k] = answer  (subproblem)`` lines for the subproblems solved so far."""
    return "\n".join(f"[{k}] = {a}  ({s})" for k, (s, a) in enumerate(zip(subproblems, answers), 1))


def subproblem_prompt(
    question: str, subproblem: str, index: int, earlier: Sequence[str], answers: Sequence[str]
) -> str:
    """The worker's message for subproblem ``index`` (1-based), with the problem and earlier results as context."""
    parts = [f"Problem: {question.strip()}"]
    if earlier:
        parts.append("Results so far:\n" + _results_block(earlier, answers))
    parts.append(f"Subproblem [{index}]: {subproblem.strip()}\n"
                 "Answer only this subproblem and end with '#### <answer>'.")
    return "\n\n".join(parts)


def combine_prompt(question: str, subproblems: Sequence[str], answers: Sequence[str], plan: str = "") -> str:
    """The worker's message that turns the sub-results into the final answer of the problem."""
    parts = [f"Problem: {question.strip()}", "Results of the subproblems:\n" + _results_block(subproblems, answers)]
    if plan.strip():
        parts.append(f"Plan: {plan.strip()}")
    parts.append("Using these results, give the final answer to the problem and end with '#### <answer>'.")
    return "\n\n".join(parts)


def direct_prompt(question: str) -> str:
    """The worker's message for a problem the planner chose not to decompose (the tutor SFT prompt)."""
    return tutor_prompt(question)
