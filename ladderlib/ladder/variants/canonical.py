"""Canonical forms, validity and triviality of candidate integrands, and the drop-reason names.

* Parsing goes through the safe parser ``ladderlib.verify.parse.parse_expression`` only.
* Canonical key (dedupe): ``ladderlib.verify.fingerprint.canonical_key`` (a numeric fingerprint).
* Trivial (dropped): integrands free of the variable or numerically constant (``trivial_constant``) and, when
  ``drop_monomials`` is on, bare power monomials ``c*x**n`` with numeric ``c`` and ``n``
  (``trivial_monomial``: the power rule alone solves them, so they teach nothing).
"""

from __future__ import annotations

import sympy

from ladderlib.verify.fingerprint import is_numerically_constant

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
