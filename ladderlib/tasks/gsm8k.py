"""The ``gsm8k`` task: grade-school word problems, graded by exact numbers and Math-Verify.

The prompt is the tutor's (seed 002): the tutor system prompt plus the question and a request to end with
``#### <answer>``, the format SFT trains on, PPO optimises and the evaluation reads. ``reference(row)`` is the
GSM8K solution without its ``<<...>>`` calculator notes, ending in one ``#### <answer>`` line.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

from ladderlib.config.sft import TUTOR_SYSTEM_PROMPT
from ladderlib.models.generation import Chat
from ladderlib.tasks.answers import answers_match, extract_answer, gsm8k_gold, normalize_answer
from ladderlib.tasks.base import Grade, Task

_CALC_RE = re.compile(r"<<[^<>]*>>")


def tutor_prompt(question: str) -> str:
    """The student's message for one GSM8K question (the tutor's system prompt is separate)."""
    return f"{question.strip()}\n\nPlease solve this step by step and end with a line '#### <answer>'."


def clean_solution(solution: str, answer: str | None = None) -> str:
    """GSM8K solution without ``<<...>>`` calculator notes, ending in exactly one ``#### <answer>`` line."""
    body, sep, tail = solution.rpartition("####")
    if not sep:
        body, tail = solution, ""
    final = (answer if answer is not None else tail).strip()
    if not final:
        raise ValueError(f"solution has no '#### <answer>' line and no answer was given: {solution[-80:]!r}")
    lines = [" ".join(_CALC_RE.sub("", line).split()) for line in body.splitlines()]
    steps = "\n".join(line for line in lines if line)
    return f"{steps}\n#### {final}" if steps else f"#### {final}"


def gold_of(row: dict[str, Any]) -> str:
    """The gold final answer of a row: ``gold``, else the run-folder ``answer``, else a raw ``#### N`` field."""
    if "gold" in row:
        return str(normalize_answer(str(row["gold"])))
    answer = str(row["answer"])
    return gsm8k_gold(answer) if "####" in answer else str(normalize_answer(answer))


class GSM8KTask(Task):
    """GSM8K rows (``question`` and ``answer`` — the run folder's bare answer or a raw ``#### N`` solution)."""

    name: ClassVar[str] = "gsm8k"
    datasets: ClassVar[dict[str, str]] = {"train": "gsm8k_train", "validation": "gsm8k_validation", "test": "gsm8k_test"}
    reward_prefix: ClassVar[str] = "gsm8k"

    def __init__(self, format_weight: float = 0.0, system_prompt: str | None = TUTOR_SYSTEM_PROMPT) -> None:
        super().__init__(format_weight)
        self.system_prompt = system_prompt

    def prompt(self, row: dict[str, Any]) -> Chat:
        """The tutor prompt for the row's question."""
        return Chat(tutor_prompt(row["question"]), self.system_prompt)

    def grade(self, row: dict[str, Any], completion: str) -> Grade:
        """Correct when the extracted final answer equals the gold one (numbers exactly, else Math-Verify)."""
        gold = gold_of(row)
        answer = extract_answer(completion)
        if answer is None:
            return Grade(False, None, "no_answer", "no final answer found in the completion", parsable=False)
        ok = answers_match(answer, gold)
        return Grade(ok, answer, "correct" if ok else "wrong", "" if ok else f"expected {gold}")

    def key(self, row: dict[str, Any]) -> str:
        """The question text, lower-cased with whitespace collapsed."""
        from ladderlib.data.splits import normalise_text

        return normalise_text(row["question"])

    def reference(self, row: dict[str, Any]) -> str | None:
        """The row's own worked solution in the ``#### <answer>`` format."""
        if "solution" in row:
            return clean_solution(row["solution"], str(row["answer"]))
        answer = str(row.get("answer", ""))
        return clean_solution(answer) if "####" in answer else None
