"""The ``Task`` interface: a domain is its rows, its prompt, how an answer is read and graded, and its reward.

Methods (GRPO, evaluation, TTRL, the audit) take a task, so a new domain needs one ``Task`` subclass and no new
glue. The shape follows nanochat's tasks (evaluate and reward on one object); grading is batched because the
integral verifier prepares a problem once for all of its answers.

* ``rows(run_dir, split)`` reads the split that 01_data wrote into the run folder (``datasets`` maps split
  names to run-folder datasets).
* ``prompt(row)`` is the ``Chat`` a model answers (user message and system prompt).
* ``grade(row, completion)`` / ``grade_batch`` return a ``Grade``: correct or not, the answer read from the
  text, a machine code and a reason.
* ``rewards(rows, completions)`` gives named reward components for RL (``correctness``, and ``format`` for
  a readable answer when ``format_weight`` > 0).
* ``key(row)`` is the row's identity for deduplication and train/test hygiene (equal problems, equal keys).
* ``reference(row)`` is a known correct completion when the row carries one (SFT warm-ups, demos).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

from ladderlib.models.generation import Chat


@dataclass(frozen=True)
class Grade:
    """The verdict on one completion."""

    correct: bool
    answer: str | None
    code: str
    reason: str = ""
    parsable: bool = True

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


class Task(ABC):
    """A domain: rows, prompts, answer grading and rewards (see the module docstring)."""

    name: ClassVar[str]
    datasets: ClassVar[dict[str, str]] = {}
    reward_prefix: ClassVar[str] = ""

    def __init__(self, format_weight: float = 0.0) -> None:
        if format_weight < 0:
            raise ValueError(f"format_weight must be >= 0, got {format_weight}")
        self.format_weight = format_weight

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    def rows(self, run_dir: str | Path, split: str) -> list[dict[str, Any]]:
        """The rows of ``split`` from a run folder written by 01_data."""
        from ladderlib.data.store import read_dataset

        if split not in self.datasets:
            raise KeyError(f"task {self.name!r} has no split {split!r}; it has {sorted(self.datasets)}")
        return read_dataset(run_dir, self.datasets[split])

    @abstractmethod
    def prompt(self, row: dict[str, Any]) -> Chat:
        """The message a model answers for ``row``."""

    @abstractmethod
    def grade(self, row: dict[str, Any], completion: str) -> Grade:
        """Grade one completion of ``row``."""

    def grade_batch(self, rows: Sequence[dict[str, Any]], completions: Sequence[str]) -> list[Grade]:
        """Grade completion ``i`` against row ``i``."""
        if len(rows) != len(completions):
            raise ValueError(f"{len(completions)} completions for {len(rows)} rows")
        return [self.grade(r, c) for r, c in zip(rows, completions, strict=True)]

    @abstractmethod
    def key(self, row: dict[str, Any]) -> str:
        """The identity of the row's problem (equal problems, equal keys)."""

    def reference(self, row: dict[str, Any]) -> str | None:
        """A known correct completion for ``row``, or None."""
        return None

    def messages(self, row: dict[str, Any]) -> list[dict[str, str]]:
        """The prompt as chat messages (what TRL's conversational datasets hold)."""
        chat = self.prompt(row)
        return ([{"role": "system", "content": chat.system}] if chat.system else []) + [
            {"role": "user", "content": chat.user}
        ]

    def rewards(self, rows: Sequence[dict[str, Any]], completions: Sequence[str]) -> dict[str, list[float]]:
        """Reward components per completion: ``correctness`` (1/0), and ``format`` when ``format_weight`` > 0."""
        grades = self.grade_batch(rows, completions)
        out = {"correctness": [1.0 if g.correct else 0.0 for g in grades]}
        if self.format_weight > 0:
            out["format"] = [self.format_weight if g.parsable else 0.0 for g in grades]
        return out
