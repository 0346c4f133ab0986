"""The ``integrals`` task: find an antiderivative (or, for a row with ``lower``/``upper``, the value of the definite
integral), graded by the numerical verifier (``ladderlib.verify``), which needs no answer key.

This is LADDER's domain and reward. Grading batches the answers per problem, so each integrand is parsed,
compiled and sampled once for all of its completions. An answer the verifier could not read at all (parse
error, not math, too large, a timeout) is not ``parsable``; everything else is, right or wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from ladderlib.config.verify import VerifySettings
from ladderlib.models.generation import Chat
from ladderlib.tasks.base import Grade, Task

INTEGRATION_PROMPT = (
    "Find the indefinite integral of {integrand} with respect to {variable}. "
    "Think briefly, then give only the antiderivative inside \\boxed{{}}."
)
DEFINITE_PROMPT = (
    "Evaluate the definite integral of {integrand} with respect to {variable} from {lower} to {upper}. "
    "Think briefly, then give only the exact value inside \\boxed{{}}."
)
UNPARSABLE_CODES = frozenset({"parse_error", "not_math", "too_large", "timeout", "error"})


def integration_prompt(integrand: str, variable: str = "x") -> str:
    """The user prompt asking a model for an antiderivative in ``\\boxed{}``."""
    return INTEGRATION_PROMPT.format(integrand=integrand, variable=variable)


def is_definite(row: dict[str, Any]) -> bool:
    """True when the row carries integration bounds."""
    return row.get("lower") is not None and row.get("upper") is not None


def problem_of(row: dict[str, Any]) -> str | dict[str, Any]:
    """What the verifier checks an answer against: the integrand text, or a mapping with the bounds."""
    if not is_definite(row):
        return row["integrand"]
    return {"integrand": row["integrand"], "variable": row.get("variable", "x"), "lower": str(row["lower"]),
            "upper": str(row["upper"])}


class IntegralsTask(Task):
    """Antiderivatives of one-variable integrands; rows carry ``integrand`` and optionally ``variable``."""

    name: ClassVar[str] = "integrals"
    datasets: ClassVar[dict[str, str]] = {"train": "integrals_train", "dev": "integrals_dev", "test": "integrals_test",
                                            "roots": "integrals_roots"}
    reward_prefix: ClassVar[str] = "integral"

    def __init__(self, format_weight: float = 0.0, verify: VerifySettings | None = None) -> None:
        super().__init__(format_weight)
        self.verify = verify or VerifySettings()

    def prompt(self, row: dict[str, Any]) -> Chat:
        """Ask for the antiderivative inside ``\\boxed{}`` (the prompt LADDER GRPO trains on), or for the value."""
        if is_definite(row):
            return Chat(DEFINITE_PROMPT.format(integrand=row["integrand"], variable=row.get("variable", "x"),
                                               lower=row["lower"], upper=row["upper"]))
        return Chat(integration_prompt(row["integrand"], row.get("variable", "x")))

    def grade(self, row: dict[str, Any], completion: str) -> Grade:
        """The verifier's verdict on one completion."""
        return self.grade_batch([row], [completion])[0]

    def grade_batch(self, rows: Sequence[dict[str, Any]], completions: Sequence[str]) -> list[Grade]:
        """Verify every completion, one prepared problem per distinct integrand."""
        from ladderlib.verify import verify_batch

        if len(rows) != len(completions):
            raise ValueError(f"{len(completions)} completions for {len(rows)} rows")
        groups: dict[tuple[str, str, str | None, str | None], list[int]] = {}
        for i, r in enumerate(rows):
            bounds = (str(r["lower"]), str(r["upper"])) if is_definite(r) else (None, None)
            groups.setdefault((r["integrand"], r.get("variable", "x"), *bounds), []).append(i)
        out: list[Grade | None] = [None] * len(rows)
        for (integrand, var, lower, upper), idx in groups.items():
            problem = problem_of({"integrand": integrand, "variable": var, "lower": lower, "upper": upper})
            results = verify_batch(problem, [completions[i] for i in idx], self.verify, variable=var)
            for i, res in zip(idx, results, strict=True):
                out[i] = Grade(bool(res.correct), res.answer, str(res.code), res.reason,
                               parsable=str(res.code) not in UNPARSABLE_CODES)
        return [g for g in out if g is not None]

    def key(self, row: dict[str, Any]) -> str:
        """The integrand's numeric fingerprint (``cot(x)`` and ``1/tan(x)`` share it)."""
        from ladderlib.verify.fingerprint import integrand_key

        key = integrand_key(row["integrand"], row.get("variable", "x"))
        key = key if key is not None else "text:" + row["integrand"].replace(" ", "")
        return f"{key}|{row['lower']}|{row['upper']}" if is_definite(row) else key

    def reference(self, row: dict[str, Any]) -> str | None:
        """``\\boxed{F}`` for the row's known antiderivative (or value) when the verifier accepts it."""
        answer = row.get("value") if is_definite(row) else row.get("antiderivative")
        if not answer:
            return None
        completion = f"\\boxed{{{answer}}}"
        return completion if self.grade(row, completion).correct else None
