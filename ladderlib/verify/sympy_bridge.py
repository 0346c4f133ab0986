"""Expression graph <-> SymPy, with the same whitelist as the text parser.

``to_sympy`` guards against the integer blow-ups SymPy would otherwise attempt (``10**(10**10)``,
``factorial(10**9)``); ``from_sympy`` accepts only the vocabulary the tokenizer accepts (plus, in
problems, ``Sum``/``Product`` over an index).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Iterable

from ladderlib.verify import codes
from ladderlib.verify.codes import ParseError as VerifyError
from ladderlib.verify.expr import Graph
from ladderlib.verify.names import FUNCTION_ARITY, STEP_FUNCTIONS

_IDENTIFIER = re.compile(r"[^\W\d_]\w{0,30}")
_CONSTANTS = ("pi", "E", "I", "oo", "EulerGamma", "Catalan")
# ----------------------------------------------------------------------------------------------
# Graph -> SymPy
# ----------------------------------------------------------------------------------------------
_MAX_INT_BITS = 20000  # largest exact integer SymPy may be asked to build from a power / factorial
_MAX_ROOT_DENOMINATOR = 1000


def _sympy_functions() -> dict[str, object]:
    import sympy

    names = [n for n in FUNCTION_ARITY if n not in ("root", "cbrt", "sqrt", "hyper", "factorial")]
    table = {n: getattr(sympy, n) for n in names}
    table.update(hyper=sympy.hyper, factorial=sympy.factorial, sqrt=sympy.sqrt, cbrt=sympy.cbrt)
    return table


def _guard_pow(base: object, exp: object) -> bool:
    """True when SymPy may evaluate ``base**exp`` exactly without an integer blow-up."""
    import sympy

    if not (isinstance(base, sympy.Rational) and isinstance(exp, sympy.Rational)):
        return True
    if exp.q > _MAX_ROOT_DENOMINATOR:
        return False
    size = max(abs(base.p), abs(base.q), 2)
    return abs(exp.p) * math.log2(size) <= _MAX_INT_BITS


def to_sympy(g: Graph, root: int, symbols: dict[str, object] | None = None) -> object:
    """Build the SymPy expression of ``root``; numeric blow-ups raise ``VerifyError(too_large)``."""
    import sympy

    fn = _sympy_functions()
    symbols = dict(symbols or {})
    var = symbols.setdefault(g.variable, sympy.Symbol(g.variable))
    out: dict[int, object] = {}
    for i in g.reachable(root):
        op, args, data = g.ops[i], g.args[i], g.data[i]
        a = [out[j] for j in args]
        if op == "num":
            out[i] = sympy.Rational(data.numerator, data.denominator)  # type: ignore[union-attr]
        elif op == "flt":
            out[i] = sympy.Float(str(data))
        elif op == "var":
            out[i] = var
        elif op == "sym":
            out[i] = symbols.get(data) or symbols.setdefault(data, sympy.Symbol(data))  # type: ignore[arg-type]
        elif op == "const":
            out[i] = getattr(sympy, str(data))
        elif op == "idx":
            out[i] = sympy.Symbol(str(data), integer=True)
        elif op in ("Sum", "Product"):
            out[i] = getattr(sympy, op)(a[0], (sympy.Symbol(str(data), integer=True), a[1], a[2]))
        elif op == "intc":
            out[i] = sympy.Symbol(str(data))
        elif op == "add":
            out[i] = sympy.Add(*a)
        elif op == "mul":
            out[i] = sympy.Mul(*a)
        elif op == "neg":
            out[i] = -a[0]
        elif op == "inv":
            if isinstance(a[0], sympy.Rational) and a[0] == 0:
                out[i] = sympy.zoo
            else:
                out[i] = sympy.Pow(a[0], -1)
        elif op == "pow":
            if not _guard_pow(a[0], a[1]):
                if isinstance(a[1], sympy.Rational) and a[1].q > _MAX_ROOT_DENOMINATOR and abs(a[1].p) < 100:
                    out[i] = sympy.Pow(a[0], a[1], evaluate=False)
                    continue
                raise VerifyError("a number in the expression is too large to evaluate exactly", codes.TOO_LARGE)
            out[i] = sympy.Pow(a[0], a[1])
        elif op == "hyper":
            p, q = data  # type: ignore[misc]
            out[i] = sympy.hyper(a[:p], a[p:p + q], a[p + q])
        elif op in ("factorial", "gamma"):
            if isinstance(a[0], sympy.Integer) and abs(int(a[0])) > 1000:
                raise VerifyError(f"{op} of a huge integer is too large to evaluate", codes.TOO_LARGE)
            out[i] = fn[op](a[0])  # type: ignore[operator]
        elif op == "root":
            out[i] = sympy.root(a[0], a[1])
        elif op in fn:
            out[i] = fn[op](*a)  # type: ignore[operator]
        else:  # pragma: no cover - the parser never builds other ops
            raise VerifyError(f"cannot convert {op!r} to SymPy", codes.ERROR)
    return out[root]


# ----------------------------------------------------------------------------------------------
# SymPy -> Graph
# ----------------------------------------------------------------------------------------------
def from_sympy(expr: object, variable: str, symbols: Iterable[str] | None = None, *,
               allow_infinity: bool = False, strip_constant: bool = False,
               graph: Graph | None = None) -> tuple[Graph, int]:
    """Convert a SymPy expression into a ``Graph`` (a new one, or nodes added to ``graph``) with the same
    whitelist as the text parser.

    ``symbols`` (None = any) restricts parameter names; with ``strip_constant`` symbols named like an
    integration constant become ``intc`` nodes.
    """
    import sympy

    from ladderlib.verify.names import (
        CALCULUS_WORDS, INTEGRATION_CONSTANTS, UNSUPPORTED_STEP,
    )

    if not isinstance(expr, sympy.Basic):
        raise VerifyError(f"not a SymPy expression: {type(expr).__name__}", codes.NOT_MATH)
    if symbols is not None and expr.has(sympy.Sum, sympy.Product):
        kind = "Sum" if expr.has(sympy.Sum) else "Product"
        raise VerifyError(f"the answer contains an unevaluated {kind}: give a closed form", codes.UNEVALUATED)
    allowed = None if symbols is None else set(symbols)
    g = graph if graph is not None else Graph(variable)
    memo: dict[object, int] = {}
    stack: list[tuple[object, bool]] = [(expr, False)]
    while stack:
        e, ready = stack.pop()
        if e in memo:
            continue
        kids = _sympy_children(e)
        if not ready and kids:
            stack.append((e, True))
            stack.extend((k, False) for k in kids if k not in memo)
            continue
        a = [memo[k] for k in kids]
        memo[e] = _sympy_node(g, e, a, variable, allowed, allow_infinity, strip_constant,
                              INTEGRATION_CONSTANTS, CALCULUS_WORDS, UNSUPPORTED_STEP)
    return g, memo[expr]


def _sympy_children(e: object) -> tuple:
    import sympy

    if isinstance(e, sympy.hyper):
        return tuple(e.ap) + tuple(e.bq) + (e.argument,)
    if isinstance(e, (sympy.Sum, sympy.Product)):
        if len(e.limits) != 1 or len(e.limits[0]) != 3:
            raise VerifyError(f"a {type(e).__name__} needs one index with two bounds", codes.NOT_MATH)
        return (e.function,) + tuple(b for b in e.limits[0][1:] if not b.is_infinite)
    if isinstance(e, (sympy.Integral, sympy.Derivative, sympy.Piecewise)) or not isinstance(e, sympy.Basic):
        return ()
    if isinstance(e, (sympy.Add, sympy.Mul, sympy.Pow, sympy.Function, sympy.Max, sympy.Min)):
        return tuple(e.args)
    return ()


def _sympy_node(g: Graph, e: object, a: list[int], variable: str, allowed: set[str] | None,
                allow_infinity: bool, strip_constant: bool, intc_names: frozenset[str],
                calculus: frozenset[str], unsupported: frozenset[str]) -> int:
    import sympy

    if isinstance(e, sympy.Integral):
        raise VerifyError("the answer is an unevaluated integral", codes.UNEVALUATED_INTEGRAL)
    if isinstance(e, (sympy.Sum, sympy.Product)):
        return _series_node(g, e, a, variable)
    if isinstance(e, (sympy.Derivative, sympy.Subs, sympy.Limit)):
        raise VerifyError(f"the answer contains an unevaluated {type(e).__name__}", codes.UNEVALUATED)
    if isinstance(e, sympy.Piecewise):
        raise VerifyError("Piecewise expressions are not accepted", codes.STEP_FUNCTION)
    if e in (sympy.oo, -sympy.oo):
        if allow_infinity:
            return g.const("oo") if e == sympy.oo else g.neg(g.const("oo"))
        raise VerifyError("the expression contains infinity", codes.NON_FINITE)
    if e is sympy.zoo or e is sympy.nan:
        raise VerifyError(f"the expression contains {e}", codes.NON_FINITE)
    if isinstance(e, sympy.Integer):
        if abs(int(e)).bit_length() > 256:
            raise VerifyError("an integer in the expression is too large", codes.TOO_LARGE)
        return g.num(int(e))
    if isinstance(e, sympy.Rational):
        return g.num(Fraction(int(e.p), int(e.q)))
    if isinstance(e, sympy.Float):
        return g.flt(str(e))
    for name in _CONSTANTS[:3] + _CONSTANTS[4:]:
        if e is getattr(sympy, name):
            return g.const(name)
    if isinstance(e, sympy.Symbol):
        name = e.name
        if not _IDENTIFIER.fullmatch(name):
            raise VerifyError(f"{name!r} is not a valid symbol name", codes.NOT_MATH)
        if name == variable:
            return g.var()
        if allowed is not None and name in allowed:
            return g.sym(name)
        if strip_constant and name in intc_names:
            return g.intc(name)
        if allowed is None:
            return g.sym(name)
        raise VerifyError(f"symbol {name!r} does not occur in the problem", codes.FOREIGN_SYMBOL)
    if isinstance(e, sympy.Add):
        return g.add(*a)
    if isinstance(e, sympy.Mul):
        return g.mul(*a)
    if isinstance(e, sympy.Pow):
        return g.pow(a[0], a[1])
    if isinstance(e, sympy.exp):
        return g.func("exp", (a[0],))
    if isinstance(e, sympy.hyper):
        p, q = len(e.ap), len(e.bq)
        return g.func("hyper", tuple(a), (p, q))
    if isinstance(e, (sympy.Max, sympy.Min)):
        return g.func(type(e).__name__, tuple(a))
    if isinstance(e, sympy.Function):
        name = type(e).__name__
        if name in calculus:
            raise VerifyError(f"the answer contains an unevaluated {name}", codes.UNEVALUATED)
        if name in unsupported:
            raise VerifyError(f"{name} is not accepted", codes.STEP_FUNCTION)
        if name == "log" and len(a) == 2:
            return g.div(g.func("log", (a[0],)), g.func("log", (a[1],)))
        if name in FUNCTION_ARITY:
            lo, hi = FUNCTION_ARITY[name]
            if lo <= len(a) <= hi:
                return g.func(name, tuple(a))
        if name in STEP_FUNCTIONS:
            return g.func(name, tuple(a))
        raise VerifyError(f"function {name!r} is not supported", codes.NOT_MATH)
    raise VerifyError(f"unsupported expression part {type(e).__name__}", codes.NOT_MATH)


def _series_node(g: Graph, e: object, a: list[int], variable: str) -> int:
    """A ``Sum``/``Product`` node (children: body, then the finite bounds)."""
    import sympy

    index, *bounds = e.limits[0]  # type: ignore[attr-defined]
    if index.name == variable:
        raise VerifyError(f"the index of a {type(e).__name__} cannot be the variable {variable}", codes.NOT_MATH)
    finite = iter(a[1:])
    ids = []
    for b in bounds:
        if b.is_infinite:
            ids.append(g.const("oo") if b == sympy.oo else g.neg(g.const("oo")))
        else:
            ids.append(next(finite))
    return g.series(type(e).__name__, a[0], index.name, ids[0], ids[1])
