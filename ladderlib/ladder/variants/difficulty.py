"""A cheap, documented difficulty estimate for an integrand (higher = harder).

``score = log2(1 + ops) + 0.5 * nesting + sum(kind weights) + integration term`` where

* ``ops`` — ``sympy.count_ops`` (expression size);
* ``nesting`` — depth of the expression tree (``sin(x)`` is 1, ``exp(x**2)`` is 2, ``x*exp(x**2)`` 3);
* kind weights — one per function kind present: exp 1, trig 1, log 1.5, hyperbolic 1.5, inverse
  trig 2, root / non-integer power 1.5, rational (a variable-dependent denominator) 1, any other
  function 2;
* integration term — sympy's ``integral_steps`` (the rule tree behind ``manualintegrate``), run
  under ``timeout_s``: ``0.5 * steps`` when it solves the integrand (steps = rules in the tree,
  cheapest branch of each ``AlternativeRule``), plus ``NONELEMENTARY_PENALTY`` when the answer needs a
  special function (erf, Ei, Si, Fresnel, ...); ``UNSOLVED_PENALTY`` when it gives up or times out.

The score is deterministic except when ``integral_steps`` runs into the wall-clock limit (on a slow or
overloaded machine): ``detail["timed_out"]`` then says so, and that node's score may differ between
runs. The tree's structure never depends on it (unless ``drop_harder_than_parent`` is on). Pass
``timeout_s=0`` to skip the integration term (then ``solved`` is None).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import sympy
from sympy.functions.elementary.hyperbolic import HyperbolicFunction
from sympy.functions.elementary.trigonometric import InverseTrigonometricFunction, TrigonometricFunction

from ladderlib.timeouts import call_with_timeout

KIND_WEIGHTS: dict[str, float] = {
    "exp": 1.0, "trig": 1.0, "log": 1.5, "hyperbolic": 1.5, "inverse_trig": 2.0,
    "root": 1.5, "rational": 1.0, "other": 2.0,
}
UNSOLVED_PENALTY = 6.0
NONELEMENTARY_PENALTY = 3.0
STEP_WEIGHT = 0.5
NONELEMENTARY_RULES = frozenset({
    "ErfRule", "FresnelCRule", "FresnelSRule", "ShiRule", "ChiRule", "EiRule", "LiRule", "SiRule",
    "CiRule", "UpperGammaRule", "PolylogRule", "EllipticFRule", "EllipticERule",
})


def _nesting(expr: sympy.Basic) -> int:
    if not expr.args:
        return 0
    return 1 + max(_nesting(a) for a in expr.args)


def function_kinds(expr: sympy.Expr, variable: str) -> list[str]:
    """The function kinds (keys of ``KIND_WEIGHTS``) that occur in ``expr`` around the variable."""
    kinds: set[str] = set()
    for node in sympy.preorder_traversal(expr):
        if not any(s.name == variable for s in getattr(node, "free_symbols", ())):
            continue
        if isinstance(node, sympy.exp):
            kinds.add("exp")
        elif isinstance(node, sympy.log):
            kinds.add("log")
        elif isinstance(node, InverseTrigonometricFunction):
            kinds.add("inverse_trig")
        elif isinstance(node, TrigonometricFunction):
            kinds.add("trig")
        elif isinstance(node, HyperbolicFunction):
            kinds.add("hyperbolic")
        elif isinstance(node, sympy.Pow):
            if node.exp.free_symbols:
                kinds.add("exp")  # a**x behaves like exp(x*log(a))
            elif not node.exp.is_integer:
                kinds.add("root")
            elif node.exp.is_negative and not (node.base.is_Symbol):
                kinds.add("rational")
        elif isinstance(node, sympy.Function):
            kinds.add("other")
    return sorted(kinds)


def _count_steps(rule: Any) -> int:
    """Rules in a manualintegrate rule tree; the cheapest alternative of an ``AlternativeRule``."""
    name = type(rule).__name__
    if name == "AlternativeRule":
        return min((_count_steps(r) for r in rule.alternatives), default=1)
    n = 1
    for f in dataclasses.fields(rule):
        v = getattr(rule, f.name)
        for item in (v if isinstance(v, (list, tuple)) else [v]):
            if dataclasses.is_dataclass(item) and not isinstance(item, type):
                n += _count_steps(item)
    return n


def _has_rule(rule: Any, names: frozenset[str]) -> bool:
    """True when a rule named in ``names`` is needed (in every branch of an ``AlternativeRule``)."""
    name = type(rule).__name__
    if name in names:
        return True
    if name == "AlternativeRule":
        return all(_has_rule(r, names) for r in rule.alternatives) if rule.alternatives else True
    for f in dataclasses.fields(rule):
        v = getattr(rule, f.name)
        for item in (v if isinstance(v, (list, tuple)) else [v]):
            if dataclasses.is_dataclass(item) and not isinstance(item, type) and _has_rule(item, names):
                return True
    return False


def reset_manualintegrate_state() -> None:
    """Clear manualintegrate's module-level caches.

    ``integral_steps`` counts integration-by-parts uses in a global dict that only ``manualintegrate``
    clears, so repeated ``integral_steps`` calls drift (the same integrand becomes "unsolved"); an
    interrupted call also leaves in-progress markers behind. Clearing both makes calls repeatable.
    """
    from sympy.integrals import manualintegrate as mi

    mi._parts_u_cache.clear()
    mi._integral_cache.clear()


def integration_steps(expr: sympy.Expr, variable: str, timeout_s: float = 2.0) -> tuple[int | None, bool, bool]:
    """``(steps, nonelementary, timed_out)`` of sympy's manualintegrate rule tree; steps None when unsolved."""
    from sympy.integrals.manualintegrate import integral_steps

    x = symbol_of(expr, variable)

    def _steps() -> tuple[int | None, bool]:
        rule = integral_steps(expr, x)
        if _has_rule(rule, frozenset({"DontKnowRule"})):
            return None, False
        return _count_steps(rule), _has_rule(rule, NONELEMENTARY_RULES)

    reset_manualintegrate_state()
    try:
        (steps, nonelementary), timed_out = call_with_timeout(_steps, timeout_s, (None, False))
    except Exception:  # sympy raises odd errors on odd input; treat as "not solved"
        return None, False, False
    finally:
        reset_manualintegrate_state()
    return steps, nonelementary, timed_out


def symbol_of(expr: sympy.Expr, variable: str) -> sympy.Symbol:
    """The symbol named ``variable`` inside ``expr`` (keeps its assumptions), or a plain new one."""
    for s in expr.free_symbols:
        if s.name == variable:
            return s
    return sympy.Symbol(variable)


def estimate_difficulty(expr: sympy.Expr, variable: str = "x", timeout_s: float = 2.0) -> tuple[float, dict]:
    """``(score, detail)`` for ``expr`` as described in the module docstring."""
    ops = int(sympy.count_ops(expr))
    nesting = _nesting(expr)
    kinds = function_kinds(expr, variable)
    score = math.log2(1 + ops) + 0.5 * nesting + sum(KIND_WEIGHTS[k] for k in kinds)
    detail: dict[str, Any] = {"ops": ops, "nesting": nesting, "kinds": kinds}
    if timeout_s > 0:
        steps, nonelementary, timed_out = integration_steps(expr, variable, timeout_s)
        detail.update(steps=steps, solved=steps is not None, nonelementary=nonelementary, timed_out=timed_out)
        score += STEP_WEIGHT * steps if steps is not None else UNSOLVED_PENALTY
        score += NONELEMENTARY_PENALTY if nonelementary else 0.0
    else:
        detail.update(steps=None, solved=None, nonelementary=None, timed_out=None)
    return round(score, 2), detail
