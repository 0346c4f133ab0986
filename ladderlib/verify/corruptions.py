"""Corrupted antiderivatives: the wrong answers the verifier must reject (used by the benchmark and 03_verify).

Six corruptions of a true antiderivative F: F + x, 1.1·F, F(2x), F + sin(x)/10, F with a non-constant additive
term dropped, F + 0.001·x. Some are still correct for particular integrands (``log(2x)`` for ``1/x``), so
``still_correct`` re-examines an accepted corruption symbolically before calling it a false accept.
"""

from __future__ import annotations

import re

CORRUPTIONS = ("plus_x", "times_1.1", "arg_2x", "plus_sin_over_10", "drop_term", "plus_0.001x")


def drop_term(antiderivative: str, variable: str) -> str | None:
    """F without its last non-constant additive term (None when F has fewer than 2 such terms)."""
    import sympy

    from ladderlib.verify.parse import parse_expression
    from ladderlib.verify.timelimit import TimeLimitExceeded, time_limit

    try:
        with time_limit(10):
            expr = parse_expression(antiderivative, variable)
            terms = sympy.Add.make_args(expr)
            x = sympy.Symbol(variable)
            moving = [t for t in terms if t.has(x)]
            if len(moving) < 2:
                return None
            kept = [t for t in terms if t is not moving[-1]]
            return str(sympy.Add(*kept))
    except (TimeLimitExceeded, ValueError):
        return None


def corruptions(antiderivative: str, variable: str) -> dict[str, str | None]:
    """The six corrupted answers of one antiderivative (None: not applicable)."""
    v = variable
    F = antiderivative
    return {
        "plus_x": f"({F}) + {v}",
        "times_1.1": f"1.1*({F})",
        "arg_2x": re.sub(rf"(?<![A-Za-z0-9_]){re.escape(v)}(?![A-Za-z0-9_])", f"(2*{v})", F),
        "plus_sin_over_10": f"({F}) + sin({v})/10",
        "drop_term": drop_term(F, v),
        "plus_0.001x": f"({F}) + 0.001*{v}",
    }


def still_correct(integrand: str, answer: str, variable: str) -> bool | None:
    """Independent adjudication: is ``answer`` an antiderivative after all? (SymPy derivative, 30 digits)."""
    import mpmath
    import sympy

    from ladderlib.verify.sampling import parameter_values
    from ladderlib.verify.parse import parse_expression
    from ladderlib.verify.timelimit import TimeLimitExceeded, time_limit

    try:
        with time_limit(30):
            f = parse_expression(integrand, variable)
            F = parse_expression(answer, variable, strip_constant=True)
            x = sympy.Symbol(variable)
            names = sorted(s.name for s in (sympy.diff(F, x) - f).free_symbols if s.name != variable)
            values = parameter_values(names, 0)
            subs = {sympy.Symbol(n): sympy.Rational(values[n].numerator, values[n].denominator) for n in names}
            g = sympy.lambdify(x, (sympy.diff(F, x) - f).subs(subs), "mpmath")
            scale = sympy.lambdify(x, f.subs(subs), "mpmath")
            with mpmath.workdps(30):
                for t in ("-7.31", "-2.17", "0.43", "1.91", "6.58"):
                    r = g(mpmath.mpf(t))
                    s = scale(mpmath.mpf(t))
                    if mpmath.isfinite(r) and mpmath.isfinite(s) and abs(r) > 1e-15 * max(abs(s), 1):
                        return False
            return True
    except (TimeLimitExceeded, Exception):  # noqa: BLE001 - adjudication is best effort
        return None
