"""Problem sets of the adversarial system: a training pool kept apart from every evaluation problem, and only
problems whose reference solution passes its own tests in the sandbox (others cannot judge a test)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from ladderlib.config.sandbox import SandboxSettings
from ladderlib.tasks.code import CodeProblem, to_problem


def _text_key(problem: CodeProblem) -> str:
    return " ".join(problem.description.lower().split())


def reference_passes(problems: Sequence[CodeProblem], sandbox: SandboxSettings) -> list[bool]:
    """Whether each problem's reference passes its own tests in the sandbox (one ``run_many``)."""
    from ladderlib.sandbox import SandboxJob, run_many

    results = run_many([SandboxJob(p.reference, p.tests, p.entry_point) for p in problems], sandbox)
    return [r.passed for r in results]


def usable(problems: Sequence[CodeProblem], sandbox: SandboxSettings) -> tuple[list[CodeProblem], list[str]]:
    """The problems whose reference passes its own tests, and the ids of those dropped."""
    ok = reference_passes(problems, sandbox)
    return [p for p, good in zip(problems, ok, strict=True) if good], \
        [p.id for p, good in zip(problems, ok, strict=True) if not good]


def training_pool(rows: Iterable[dict[str, Any] | CodeProblem], held_out: Iterable[dict[str, Any] | CodeProblem],
                  sandbox: SandboxSettings, limit: int | None = None) -> tuple[list[CodeProblem], dict[str, Any]]:
    """Training problems: every row that shares no id and no description with a held-out (evaluation) problem,
    whose reference passes its own tests; at most ``limit``. Returns (problems, counts of what was dropped)."""
    held = [to_problem(r) for r in held_out]
    held_ids, held_text = {p.id for p in held}, {_text_key(p) for p in held}
    problems = [to_problem(r) for r in rows]
    clean = [p for p in problems if p.id not in held_ids and _text_key(p) not in held_text]
    overlapping = len(problems) - len(clean)
    kept, failing = usable(clean[:limit] if limit is not None else clean, sandbox)
    return kept, {"rows": len(problems), "overlapping_evaluation": overlapping,
                  "reference_fails_own_tests": failing, "kept": len(kept)}
