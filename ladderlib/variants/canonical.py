"""Canonical forms, validity and triviality of candidate integrands, and the drop-reason names.

* Parsing goes through the safe parser ``ladderlib.verify.parse.parse_expression`` only.
* Canonical key (dedupe): a numeric fingerprint — the integrand's values at four fixed points
  (one negative, so ``Abs(x)`` and ``x`` differ), evaluated with 30 digits and rounded to 12
  significant ones. Equal functions get equal keys whatever their form (``(x+1)**2`` and
  ``x**2+2*x+1``, ``sin(x)**2 + cos(x)**2`` and ``1``), and the key does not depend on how fast the
  machine is (a time-limited ``simplify`` would: dedupe, and so the tree, would change under load).
  When fewer than two points are finite, the key is ``srepr`` of ``expand(cancel(expand(e)))``.
  Two candidates with the same key are the same problem.
* Trivial (dropped): integrands free of the variable or numerically constant (``trivial_constant``) and, when
  ``drop_monomials`` is on, bare power monomials ``c*x**n`` with numeric ``c`` and ``n``
  (``trivial_monomial``: the power rule alone solves them, so they teach nothing).
"""

from __future__ import annotations

import math

import sympy

from ladderlib.variants.timeout import call_with_timeout

# Drop reasons, in the order a candidate is screened.
UNPARSABLE = "unparsable"
INVALID = "invalid"  # not finite / contains Integral, Derivative, relations, ...
EXTRA_SYMBOLS = "extra_symbols"  # free symbols besides the integration variable
TOO_LARGE = "too_large"
TRIVIAL_CONSTANT = "trivial_constant"
TRIVIAL_MONOMIAL = "trivial_monomial"
ANCESTOR = "ancestor"  # same canonical form as the parent or any ancestor
DUPLICATE = "duplicate"  # same canonical form as a node elsewhere in the tree
HARDER = "harder"  # only with drop_harder_than_parent
OVER_BUDGET = "over_budget"  # valid, but the tree already holds max_nodes_per_tree variants
DROP_REASONS: tuple[str, ...] = (
    UNPARSABLE, INVALID, EXTRA_SYMBOLS, TOO_LARGE, TRIVIAL_CONSTANT, TRIVIAL_MONOMIAL,
    ANCESTOR, DUPLICATE, HARDER, OVER_BUDGET,
)

_FORBIDDEN = (
    sympy.Integral, sympy.Derivative, sympy.Subs, sympy.Sum, sympy.Product, sympy.Limit, sympy.Order,
    sympy.Piecewise,
)
_NON_FINITE = (sympy.zoo, sympy.oo, -sympy.oo, sympy.nan)


def parse_candidate(text: str, variable: str = "x") -> sympy.Expr:
    """Parse model/user text into an integrand with the safe parser; raises ``ParseError`` (a ValueError)."""
    from ladderlib.verify.parse import parse_expression

    return parse_expression(text, variable=variable)


def invalid_reason(expr: object, variable: str, max_ops: int | None = None) -> str | None:
    """Why ``expr`` cannot be an integrand (``invalid`` / ``extra_symbols`` / ``too_large``), or None."""
    from sympy.logic.boolalg import BooleanAtom, BooleanFunction

    logical = (sympy.core.relational.Relational, BooleanFunction, BooleanAtom)
    if not isinstance(expr, sympy.Expr) or isinstance(expr, logical):
        return INVALID  # (a Symbol is also a sympy Boolean: test the logical kinds, not Boolean)
    if expr.has(*_FORBIDDEN) or any(expr.has(v) for v in _NON_FINITE):
        return INVALID
    if not expr.is_commutative or expr.atoms(sympy.MatrixSymbol) or expr.has(sympy.I):
        return INVALID
    names = {s.name for s in expr.free_symbols}
    if names - {variable}:
        return EXTRA_SYMBOLS
    if max_ops is not None and sympy.count_ops(expr) > max_ops:
        return TOO_LARGE
    return None


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


def is_monomial(expr: sympy.Expr, variable: str) -> bool:
    """True for ``c*x**n`` with numeric ``c`` and ``n`` (including ``x`` and ``c*sqrt(x)``)."""
    x = sympy.Symbol(variable)
    coeff, rest = expr.as_coeff_Mul()
    if not coeff.is_number:
        return False
    if rest == x:
        return True
    return isinstance(rest, sympy.Pow) and rest.base == x and rest.exp.is_number


def trivial_reason(expr: sympy.Expr, variable: str, drop_monomials: bool = True) -> str | None:
    """``trivial_constant`` / ``trivial_monomial`` when ``expr`` is too easy to keep, else None.

    Constant means: free of the variable, or numerically constant (``sin(x)**2 + cos(x)**2``).
    """
    if not any(s.name == variable for s in expr.free_symbols) or is_numerically_constant(expr, variable):
        return TRIVIAL_CONSTANT
    if drop_monomials and is_monomial(expr, variable):
        return TRIVIAL_MONOMIAL
    return None
