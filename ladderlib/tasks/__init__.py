"""Tasks: each domain as one object with its rows, prompt, grading and reward (see ``tasks.base``).

``integrals`` (the numerical verifier), ``gsm8k`` (exact numbers and Math-Verify), ``textbook`` (exact values),
``code`` (Python functions run against their tests in the sandbox);
``get_task(name, **options)`` builds one by name.
"""

from __future__ import annotations

from typing import Any

from ladderlib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "base": "Grade Task",
    "integrals": "IntegralsTask",
    "gsm8k": "GSM8KTask",
    "textbook": "TextbookTask",
    "code": "CodeProblem CodeTask",
})
TASKS = {"integrals": "IntegralsTask", "gsm8k": "GSM8KTask", "textbook": "TextbookTask", "code": "CodeTask"}


def get_task(name: str, **options: Any) -> Any:
    """The task called ``name`` (``integrals``, ``gsm8k``, ``textbook``, ``code``), built with ``options``."""
    if name not in TASKS:
        raise KeyError(f"unknown task {name!r}; known tasks: {', '.join(sorted(TASKS))}")
    return __getattr__(TASKS[name])(**options)
