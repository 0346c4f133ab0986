"""Symbolic variant source: named sympy rewrites that make an integrand easier or keep it equivalent.

Easier rewrites (``kind="easier"``):
``drop_term`` (remove one term of a sum, anywhere), ``expand_drop_term`` (same, after ``expand``),
``split_sum`` (keep one term of a top-level sum of 3+ terms), ``remove_factor`` (remove one
variable-dependent factor of a product), ``lower_power`` (``u**n`` → ``u**(n-1)``, also for
negative ``n``), ``remove_root`` (``u**(p/q)`` → ``u``), ``replace_inner_argument`` (``f(a*x+b)`` →
``f(x)``, ``(a*x+b)**n`` → ``x**n``), ``simplify_exponent`` (``exp(g(x))`` → ``exp(x)``, ``a**g(x)`` →
``a**x``), ``simpler_trig`` (tan → sin, cot → cos, sec → cos, csc → sin, tanh → sinh, coth → cosh).

Equivalent rewrites (``kind="equivalent"``, same difficulty, new numbers):
``scale_integrand`` (``k*f`` for k in 2, 3, 1/2) and ``rescale_argument`` (``x`` → ``k*x`` for k in 2, 3).

``candidate_rewrites`` lists every applicable rewrite in a deterministic order; ``symbolic_variants``
orders them for one node with a seeded RNG (about ``equivalent_fraction`` equivalent ones).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy
from sympy.core.traversal import preorder_traversal

from ladderlib.ladder.variants.difficulty import symbol_of

EASIER = "easier"
EQUIVALENT = "equivalent"
MAX_CANDIDATES = 200

_SIMPLER_TRIG = {
    sympy.tan: sympy.sin, sympy.cot: sympy.cos, sympy.sec: sympy.cos, sympy.csc: sympy.sin,
    sympy.tanh: sympy.sinh, sympy.coth: sympy.cosh,
}
_SCALES = (sympy.Integer(2), sympy.Integer(3), sympy.Rational(1, 2))
_ARG_SCALES = (sympy.Integer(2), sympy.Integer(3))


@dataclass(frozen=True)
class Rewrite:
    """One proposed variant: the rewrite's name, the new integrand and its kind (easier/equivalent)."""

    name: str
    expr: sympy.Expr
    kind: str


def _subtrees(expr: sympy.Expr, x: sympy.Symbol) -> list[sympy.Basic]:
    """Distinct variable-dependent subexpressions of ``expr`` in preorder (deterministic)."""
    out: list[sympy.Basic] = []
    seen: set[sympy.Basic] = set()
    for node in preorder_traversal(expr):
        if node.has(x) and node not in seen:
            seen.add(node)
            out.append(node)
    return out


def _drop_terms(expr: sympy.Expr, x: sympy.Symbol, name: str) -> list[Rewrite]:
    out = []
    for node in _subtrees(expr, x):
        if isinstance(node, sympy.Add):
            for i in range(len(node.args)):
                rest = sympy.Add(*(a for j, a in enumerate(node.args) if j != i))
                out.append(Rewrite(name, expr.xreplace({node: rest}), EASIER))
    return out


def candidate_rewrites(expr: sympy.Expr, variable: str = "x") -> list[Rewrite]:
    """Every applicable rewrite of ``expr``, deterministic order, exact duplicates removed."""
    x = symbol_of(expr, variable)
    out: list[Rewrite] = []
    out += _drop_terms(expr, x, "drop_term")
    expanded = sympy.expand(expr)
    if expanded != expr and sympy.count_ops(expanded) <= 3 * sympy.count_ops(expr) + 10:
        out += _drop_terms(expanded, x, "expand_drop_term")
    if isinstance(expr, sympy.Add) and len(expr.args) >= 3:
        out += [Rewrite("split_sum", t, EASIER) for t in expr.args if t.has(x)]
    for node in _subtrees(expr, x):
        if isinstance(node, sympy.Mul):
            dep = [a for a in node.args if a.has(x)]
            if len(dep) >= 2:
                for f in dep:
                    rest = sympy.Mul(*(a for a in node.args if a is not f))
                    out.append(Rewrite("remove_factor", expr.xreplace({node: rest}), EASIER))
        elif isinstance(node, sympy.Pow):
            base, e = node.base, node.exp
            if base.has(x) and e.is_Integer and abs(int(e)) >= 2:
                lower = e - 1 if e > 0 else e + 1
                out.append(Rewrite("lower_power", expr.xreplace({node: base**lower}), EASIER))
            elif base.has(x) and e.is_Rational and not e.is_Integer:
                out.append(Rewrite("remove_root", expr.xreplace({node: base}), EASIER))
            if base.has(x) and isinstance(base, sympy.Add) and not e.has(x):
                out.append(Rewrite("replace_inner_argument", expr.xreplace({node: x**e}), EASIER))
            if e.has(x) and e != x and not base.has(x):
                out.append(Rewrite("simplify_exponent", expr.xreplace({node: base**x}), EASIER))
        elif isinstance(node, sympy.Function) and len(node.args) == 1:
            arg = node.args[0]
            if arg.has(x) and arg != x:
                name = "simplify_exponent" if isinstance(node, sympy.exp) else "replace_inner_argument"
                out.append(Rewrite(name, expr.xreplace({node: node.func(x)}), EASIER))
            if node.func in _SIMPLER_TRIG:
                out.append(Rewrite("simpler_trig", expr.xreplace({node: _SIMPLER_TRIG[node.func](arg)}), EASIER))
    for k in _SCALES:
        out.append(Rewrite("scale_integrand", k * expr, EQUIVALENT))
    for k in _ARG_SCALES:
        out.append(Rewrite("rescale_argument", expr.xreplace({x: k * x}), EQUIVALENT))
    unique: list[Rewrite] = []
    seen: set[sympy.Basic] = {expr}
    for r in out:
        if r.expr not in seen:
            seen.add(r.expr)
            unique.append(r)
    return unique[:MAX_CANDIDATES]


def symbolic_variants(
    expr: sympy.Expr, variable: str, rng: random.Random, equivalent_fraction: float = 0.2
) -> list[Rewrite]:
    """All rewrites of ``expr`` in a seeded order; each pick is equivalent with prob. ``equivalent_fraction``."""
    cands = candidate_rewrites(expr, variable)
    easier = [r for r in cands if r.kind == EASIER]
    equivalent = [r for r in cands if r.kind == EQUIVALENT]
    rng.shuffle(easier)
    rng.shuffle(equivalent)
    ordered: list[Rewrite] = []
    while easier or equivalent:
        take_equiv = bool(equivalent) and (not easier or rng.random() < equivalent_fraction)
        ordered.append(equivalent.pop(0) if take_equiv else easier.pop(0))
    return ordered
