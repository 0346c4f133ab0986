"""The ``textbook`` task: the project's combinatorics and convex-optimisation problems (seed 004's second set).

Answers are exact values (``1/6``, ``3*2**(-2/3)``); a completion is read like a GSM8K one (``#### <answer>``,
a boxed answer, "the answer is ...") and compared with Math-Verify, so ``0.1667`` is not ``1/6`` but
``\\frac{1}{6}`` is.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ladderlib.models.generation import Chat
from ladderlib.tasks.answers import answers_match, extract_answer
from ladderlib.tasks.base import Grade, Task

TEXTBOOK_SYSTEM_PROMPT = (
    "You are a careful mathematician. Reason step by step and finish with a last line of the form "
    "'#### <answer>', where <answer> is an exact number or expression."
)


class TextbookTask(Task):
    """Rows with ``question``, ``answer`` (exact, sympy-readable) and ``topic``."""

    name: ClassVar[str] = "textbook"
    datasets: ClassVar[dict[str, str]] = {"test": "textbook"}
    reward_prefix: ClassVar[str] = "textbook"

    def __init__(self, format_weight: float = 0.0, system_prompt: str | None = TEXTBOOK_SYSTEM_PROMPT) -> None:
        super().__init__(format_weight)
        self.system_prompt = system_prompt

    def prompt(self, row: dict[str, Any]) -> Chat:
        """The question with the answer-format request."""
        return Chat(f"{row['question'].strip()}\n\nEnd with a line '#### <answer>'.", self.system_prompt)

    def grade(self, row: dict[str, Any], completion: str) -> Grade:
        """Correct when the final answer equals the exact one (Math-Verify for non-integers)."""
        answer = extract_answer(completion)
        if answer is None:
            return Grade(False, None, "no_answer", "no final answer found in the completion", parsable=False)
        ok = answers_match(answer, str(row["answer"]))
        return Grade(ok, answer, "correct" if ok else "wrong", "" if ok else f"expected {row['answer']}")

    def key(self, row: dict[str, Any]) -> str:
        """The problem id."""
        return str(row["id"])
