"""Result codes of the verifier and the exception that carries one.

Every rejection has a machine ``code`` (one of the constants below) and a human-readable reason.
"""

from __future__ import annotations

OK = "ok"  # the answer is a correct antiderivative / value
WRONG = "wrong"  # a usable answer that is mathematically wrong
ECHO_INTEGRAND = "echo_integrand"  # the answer is the integrand itself (and is not its antiderivative)
CONSTANT = "constant"  # the answer does not vary with the variable (integrand is not 0)
NOT_CONSTANT = "not_constant"  # a definite integral was answered with an expression in the variable
PARSE_ERROR = "parse_error"  # looks like math but cannot be parsed (unbalanced, dangling operator...)
NOT_MATH = "not_math"  # not a mathematical expression (code, prose only, forbidden characters, unknown words)
UNEVALUATED_INTEGRAL = "unevaluated_integral"  # Integral(...), \int, integrate(...)
UNEVALUATED = "unevaluated"  # other unevaluated operators: Derivative, Limit, Sum, Product
NON_FINITE = "non_finite"  # oo, zoo, nan, or no finite value anywhere
FOREIGN_SYMBOL = "foreign_symbol"  # a symbol that is not in the problem
STEP_FUNCTION = "step_function"  # sign, floor, Heaviside, Piecewise, Max/Min... absent from the problem
TOO_LARGE = "too_large"  # input, number literal, nesting, node count or magnitude over the limits
TIMEOUT = "timeout"  # the check ran past its time limit
PROBLEM_ERROR = "problem_error"  # the problem itself cannot be parsed or evaluated
ERROR = "error"  # unexpected internal failure (reported, never raised)

ALL_CODES: tuple[str, ...] = (
    OK, WRONG, ECHO_INTEGRAND, CONSTANT, NOT_CONSTANT, PARSE_ERROR, NOT_MATH, UNEVALUATED_INTEGRAL,
    UNEVALUATED, NON_FINITE, FOREIGN_SYMBOL, STEP_FUNCTION, TOO_LARGE, TIMEOUT, PROBLEM_ERROR, ERROR,
)

# Well-formed answers that are simply not correct (CLI exit code 1); every other non-ok code means the
# input was not a usable answer (exit code 2).
WRONG_ANSWER_CODES: frozenset[str] = frozenset({WRONG, ECHO_INTEGRAND, CONSTANT, NOT_CONSTANT})


class VerifyError(ValueError):
    """A rejection with a machine ``code`` and a readable message."""

    def __init__(self, message: str, code: str = PARSE_ERROR) -> None:
        super().__init__(message)
        self.code = code
        self.reason = message


class ParseError(VerifyError):
    """Text that cannot be turned into an expression; ``code`` says why (``parse_error``, ``not_math`` ...)."""
