"""Integrand identity: a numeric fingerprint that equal functions share, whatever their written form.

The canonical key of an integrand is its values at four fixed points (one negative, so ``Abs(x)`` and ``x``
differ), evaluated with 30 digits and rounded to 12 significant ones. Equal functions get equal keys
(``(x+1)**2`` and ``x**2+2*x+1``, ``sin(x)**2 + cos(x)**2`` and ``1``, ``cot(x)`` and ``1/tan(x)``), and the
key does not depend on how fast the machine is (a time-limited ``simplify`` would). When fewer than two
points are finite, the key is ``srepr`` of ``expand(cancel(expand(e)))``. Two problems with the same key are
the same problem: variant dedupe, train/test splits and held-out selection all use it.
"""

from __future__ import annotations

import functools
import math

import sympy

from ladderlib.timeouts import call_with_timeout

FINGERPRINT_POINTS: tuple[sympy.Rational, ...] = (
    sympy.Rational(-83, 100), sympy.Rational(37, 100), sympy.Rational(129, 100), sympy.Rational(271, 100),
)
_ZERO = 1e-20


def normal_form(expr: sympy.Expr, timeout_s: float = 0.5) -> sympy.Expr:
    """``expand(cancel(expand(e)))`` under ``timeout_s`` (``e`` itself when that runs out)."""
    normal, timed_out = call_with_timeout(lambda: sympy.expand(sympy.cancel(sympy.expand(expr))), timeout_s, expr)
    return expr if timed_out else normal


def _fmt(v: float) -> str:
    return "0" if abs(v) < _ZERO else format(v, ".11e")


def fingerprint(expr: sympy.Expr, variable: str = "x", timeout_s: float = 1.0) -> tuple[str, ...] | None:
    """Values of ``expr`` at ``FINGERPRINT_POINTS`` (30-digit evalf, 12 significant digits, complex allowed);
    None when fewer than two points give a finite value."""
    x = next((s for s in expr.free_symbols if s.name == variable), sympy.Symbol(variable))

    def _values() -> tuple[str, ...] | None:
        out, finite = [], 0
        for p in FINGERPRINT_POINTS:
            try:
                v = complex(expr.evalf(30, subs={x: p}))
            except (TypeError, ValueError, ZeroDivisionError, OverflowError):
                out.append("nan")
                continue
            if not (math.isfinite(v.real) and math.isfinite(v.imag)):
                out.append("nan")
                continue
            finite += 1
            out.append(f"{_fmt(v.real)}{'' if abs(v.imag) < _ZERO else '+' + _fmt(v.imag) + 'j'}")
        return tuple(out) if finite >= 2 else None

    values, _ = call_with_timeout(_values, timeout_s, None)
    return values


def canonical_key(expr: sympy.Expr, variable: str = "x", timeout_s: float = 0.5) -> str:
    """The dedupe key of an integrand: its numeric fingerprint, else ``srepr`` of its normal form."""
    fp = fingerprint(expr, variable, max(timeout_s, 1.0))
    if fp is not None:
        return "fp:" + ",".join(fp)
    return "sr:" + sympy.srepr(normal_form(expr, timeout_s))


def is_numerically_constant(expr: sympy.Expr, variable: str = "x") -> bool:
    """True when ``expr`` takes one and the same finite value at every fingerprint point that is finite."""
    fp = fingerprint(expr, variable)
    if fp is None:
        return False
    finite = [v for v in fp if v != "nan"]
    return len(set(finite)) == 1 and len(finite) == len(fp)


@functools.lru_cache(maxsize=65536)
def integrand_key(text: str, variable: str = "x") -> str | None:
    """``canonical_key`` of an integrand given as text (safe parser), or None when it does not parse."""
    from ladderlib.verify.parse import ParseError, parse_expression

    try:
        return canonical_key(parse_expression(text, variable=variable), variable)
    except (ParseError, ValueError, TypeError):
        return None


def strip_coefficients(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with every numeric factor and numeric term set to 1, exponents kept: ``3*sin(2*x) + 5`` and
    ``sin(x) + 1`` become the same, ``x**2`` and ``x**3`` stay apart."""
    if expr.is_Number:
        return sympy.Integer(1)
    if isinstance(expr, sympy.Pow):
        return sympy.Pow(strip_coefficients(expr.base), expr.exp)
    if isinstance(expr, sympy.Mul):
        factors = [strip_coefficients(a) for a in expr.args if not a.is_Number]
        return sympy.Mul(*factors) if factors else sympy.Integer(1)
    if expr.args:
        return expr.func(*[strip_coefficients(a) for a in expr.args])
    return expr


@functools.lru_cache(maxsize=65536)
def family_key(text: str, variable: str = "x") -> str | None:
    """The near-copy key of an integrand: its form with coefficients stripped and the variable renamed ``x``, so
    ``c*g(k*x)`` rewrites of one problem (``t*exp(-t)``, ``3*x*exp(2*x)``) share it; None when it does not parse."""
    from ladderlib.verify.parse import ParseError, parse_expression

    try:
        expr = parse_expression(text, variable=variable)
    except (ParseError, ValueError, TypeError):
        return None
    x = next((s for s in expr.free_symbols if s.name == variable), None)
    if x is not None and variable != "x":
        expr = expr.subs(x, sympy.Symbol("x"))
    return "fam:" + sympy.srepr(strip_coefficients(expr))
