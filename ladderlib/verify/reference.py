"""The LADDER paper's own answer check, kept as a baseline for the benchmark.

For each of 5 random points ``a`` in [-10, 10], integrate the integrand over ``[a, a + 0.1]`` with
``scipy.integrate.quad`` and compare with ``F(a + 0.1) - F(a)``; accept when every point agrees to a
relative tolerance of 1e-2. Points where either side is not a finite real number are redrawn (up to
``max_tries`` draws). Expressions are parsed with SymPy's ``parse_expr`` as the paper does
(``parser="sympy"``; the text must first pass this package's whitelisting tokenizer unless the caller
vouches for it with ``trusted=True``, as the benchmark does for its data set) or with this package's
safe parser (``parser="safe"``), then compiled with ``sympy.lambdify`` (SciPy/NumPy, falling back to
mpmath for functions SciPy lacks). Parameters other than the variable get the same test values as
the main verifier.
"""

from __future__ import annotations

import math
import warnings
from typing import Callable

import numpy as np


def _compile(expr: object, args: list) -> Callable:
    import sympy

    try:
        return sympy.lambdify(args, expr, modules=["scipy", "numpy"])
    except Exception:  # printers without a SciPy/NumPy version of some function
        return sympy.lambdify(args, expr, modules="mpmath")


def _real(v: object) -> float:
    z = complex(v)
    if z.imag:
        raise ValueError("complex value")
    return z.real


def _sympy_parse(text: str, variable: str, trusted: bool) -> object:
    """SymPy's parser (which evaluates Python code): only for whitelisted or trusted text."""
    import sympy
    from sympy.parsing.sympy_parser import convert_xor, parse_expr, standard_transformations

    from ladderlib.verify.parse import Context, parse_graph

    if not trusted:
        parse_graph(text, Context(variable=variable))  # raises on anything outside the whitelist
    x = sympy.Symbol(variable)
    return parse_expr(text, local_dict={variable: x, "e": sympy.E, "C": sympy.Integer(0)},
                      transformations=standard_transformations + (convert_xor,))


def reference_check(integrand: str, answer: str, variable: str = "x", *, n_points: int = 5,
                    width: float = 0.1, rel_tol: float = 1e-2, x_range: tuple[float, float] = (-10.0, 10.0),
                    seed: int | None = None, max_tries: int = 50, parser: str = "sympy",
                    trusted: bool = False) -> bool:
    """The paper's quadrature check of ``answer`` as an antiderivative of ``integrand`` (True = accept)."""
    import sympy
    from scipy import integrate

    from ladderlib.verify.codes import VerifyError
    from ladderlib.verify.sampling import parameter_values
    from ladderlib.verify.parse import parse_expression

    try:
        if parser == "safe":
            f_expr = parse_expression(integrand, variable)
            F_expr = parse_expression(answer, variable, strip_constant=True)
        else:
            f_expr = _sympy_parse(integrand, variable, trusted)
            F_expr = _sympy_parse(answer, variable, trusted)
    except (VerifyError, SyntaxError, TypeError, ValueError, AttributeError):
        return False
    x = sympy.Symbol(variable)
    params = sorted({s.name for s in (f_expr.free_symbols | F_expr.free_symbols)} - {variable})
    values = parameter_values(params, 0)
    args = [x] + [sympy.Symbol(p) for p in params]
    extra = [float(values[p]) for p in params]
    try:
        f = _compile(f_expr, args)
        F = _compile(F_expr, args)
    except Exception:
        return False
    rng = np.random.default_rng(seed)
    good = 0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for _ in range(max_tries):
            if good >= n_points:
                break
            a = float(rng.uniform(*x_range))
            b = a + width
            try:
                fa, fb = complex(F(a, *extra)), complex(F(b, *extra))
                if fa.imag or fb.imag or not (math.isfinite(fa.real) and math.isfinite(fb.real)):
                    continue
                value, _ = integrate.quad(lambda t: _real(f(t, *extra)), a, b, limit=50)
            except Exception:
                continue
            if not math.isfinite(value):
                continue
            if abs(value - (fb.real - fa.real)) > rel_tol * abs(value) + 1e-12:
                return False
            good += 1
    return good >= n_points
