"""Verify answers to integration problems: ``verify_integral``, ``verify_batch`` and friends.

A problem is parsed, compiled and sampled once (``PreparedProblem``, cached for text problems) and
every answer is checked against it; see ``prepared.py`` for how indefinite and definite integrals are
checked. Nothing raises: a bad problem or answer becomes a result with a code and a reason.
"""

from __future__ import annotations

import functools
from typing import Any, Iterable, Mapping

from ladderlib.verify import codes
from ladderlib.verify.codes import VerifyError
from ladderlib.config.verify import VerifySettings
from ladderlib.verify.prepared import PreparedProblem
from ladderlib.verify.problems import IntegralProblem, parse_problem
from ladderlib.verify.result import VerifyResult, make_result
from ladderlib.verify.sampling import parameter_values
from ladderlib.verify.timelimit import TimeLimitExceeded, time_limit

__all__ = ["PreparedProblem", "VerifyResult", "prepare_problem", "to_problem", "verify_batch", "verify_integral",
           "parameter_values"]


def to_problem(problem: Any, variable: str | None = None) -> IntegralProblem:
    """Coerce text, a mapping ({"integrand", "variable", "lower", "upper"}), a SymPy expression or an
    ``IntegralProblem`` into an ``IntegralProblem``."""
    if isinstance(problem, IntegralProblem):
        return problem
    if isinstance(problem, str):
        return parse_problem(problem, variable)
    if isinstance(problem, Mapping):
        text = problem.get("integrand", problem.get("problem"))
        if not isinstance(text, str):
            raise VerifyError("the problem needs an 'integrand' string", codes.PROBLEM_ERROR)
        var = problem.get("variable") or variable
        lower, upper = problem.get("lower"), problem.get("upper")
        if lower is None and upper is None:
            return parse_problem(text, var)
        return IntegralProblem(text, var or "x", lower, upper, text=text)
    try:
        import sympy

        if isinstance(problem, sympy.Basic):
            return IntegralProblem(problem, variable or "x")
    except ImportError:  # pragma: no cover
        pass
    raise VerifyError(f"cannot use a {type(problem).__name__} as a problem", codes.PROBLEM_ERROR)


def _settings_key(settings: VerifySettings) -> str:
    return settings.model_dump_json()


@functools.lru_cache(maxsize=256)
def _prepared_cached(text: str, variable: str | None, settings_key: str) -> PreparedProblem:
    settings = VerifySettings.model_validate_json(settings_key)
    return _prepare(to_problem(text, variable), settings)


def _prepare(problem: IntegralProblem, settings: VerifySettings) -> PreparedProblem:
    import scipy.integrate  # noqa: F401  (a slow first import must not run under the time limit)

    with time_limit(max(settings.timeout_s, 1.0) * 2):
        return PreparedProblem(problem, settings)


def prepare_problem(problem: Any, settings: VerifySettings | None = None,
                    variable: str | None = None) -> PreparedProblem:
    """Parse and compile a problem once (raises ``VerifyError`` with code ``problem_error`` and friends)."""
    settings = settings or VerifySettings()
    try:
        if isinstance(problem, str):
            return _prepared_cached(problem, variable, _settings_key(settings))
        return _prepare(to_problem(problem, variable), settings)
    except TimeLimitExceeded:
        raise VerifyError("preparing the problem timed out", codes.PROBLEM_ERROR) from None
    except VerifyError as exc:
        if exc.code in (codes.PARSE_ERROR, codes.NOT_MATH, codes.FOREIGN_SYMBOL, codes.UNEVALUATED_INTEGRAL,
                        codes.UNEVALUATED, codes.NON_FINITE, codes.STEP_FUNCTION, codes.TOO_LARGE):
            raise VerifyError(f"cannot use the problem: {exc.reason}", codes.PROBLEM_ERROR) from None
        raise


def _problem_failure(exc: BaseException) -> VerifyResult:
    if isinstance(exc, VerifyError):
        return make_result(exc.code, exc.reason)
    return make_result(codes.PROBLEM_ERROR, f"cannot use the problem: {type(exc).__name__}: {str(exc)[:200]}")


def verify_integral(problem: Any, answer: object, settings: VerifySettings | None = None, *,
                    variable: str | None = None) -> VerifyResult:
    """Check one answer to one integration problem (text, mapping, SymPy or ``IntegralProblem``)."""
    return verify_batch(problem, [answer], settings, variable=variable)[0]


def verify_batch(problem: Any, answers: Iterable[object], settings: VerifySettings | None = None, *,
                 variable: str | None = None) -> list[VerifyResult]:
    """Check many answers to one problem; the problem is parsed, compiled and sampled once."""
    answers = list(answers)
    settings = settings or VerifySettings()
    try:
        prepared = prepare_problem(problem, settings, variable)
    except Exception as exc:  # a bad problem fails every answer, it never raises
        failure = _problem_failure(exc)
        return [VerifyResult(**{**failure.to_dict()}) for _ in answers]
    return [prepared.check(a) for a in answers]
