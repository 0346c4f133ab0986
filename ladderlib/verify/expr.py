"""The verifier's own expression form: a small hash-consed DAG built from whitelisted pieces only.

Parsing model text produces a ``Graph`` (never executing anything); the numeric checks compile it
directly, and ``to_sympy`` turns it into a SymPy expression on demand (with guards against the
integer blow-ups SymPy would otherwise attempt, e.g. ``10**(10**10)`` or ``factorial(10**9)``).

Node kinds (``op``): ``num`` (exact Fraction), ``flt`` (decimal literal kept as text), ``var`` (the
integration variable), ``sym`` (a parameter), ``const`` (``pi``, ``E``, ``I``, ``oo``), ``intc`` (an
integration constant, removed before evaluation), ``add``/``mul`` (n-ary), ``neg``, ``inv``, ``pow``,
and one op per function name (``sin``, ``log``, ``hyper`` ...).
"""

from __future__ import annotations

import math
import re
from fractions import Fraction
from typing import Iterable

from ladderlib.verify import codes
from ladderlib.verify.codes import ParseError as VerifyError
from ladderlib.verify.names import FUNCTION_ARITY, STEP_FUNCTIONS

LEAVES = frozenset({"num", "flt", "var", "sym", "const", "intc"})
_FUNCTION_OPS = frozenset(FUNCTION_ARITY) | {"hyper"}
_IDENTIFIER = re.compile(r"[^\W\d_]\w{0,30}")


class Graph:
    """A hash-consed expression DAG: identical sub-expressions share one node id (children < parent)."""

    __slots__ = ("ops", "args", "data", "dep", "depth", "_index", "variable")

    def __init__(self, variable: str = "x") -> None:
        self.variable = variable
        self.ops: list[str] = []
        self.args: list[tuple[int, ...]] = []
        self.data: list[object] = []
        self.dep: list[bool] = []  # depends on the integration variable
        self.depth: list[int] = []
        self._index: dict[tuple, int] = {}

    def __len__(self) -> int:
        return len(self.ops)

    def node(self, op: str, args: tuple[int, ...] = (), data: object = None) -> int:
        """The id of node ``(op, args, data)``, creating it when new."""
        key = (op, args, data)
        found = self._index.get(key)
        if found is not None:
            return found
        i = len(self.ops)
        dep = op == "var"
        depth = 0
        deps, depths = self.dep, self.depth
        for a in args:
            if deps[a]:
                dep = True
            if depths[a] > depth:
                depth = depths[a]
        self.ops.append(op)
        self.args.append(args)
        self.data.append(data)
        deps.append(dep)
        depths.append(depth + 1)
        self._index[key] = i
        return i

    # --- leaves -------------------------------------------------------------------------------
    def num(self, value: int | Fraction) -> int:
        """An exact rational number (integers are stored as ``int``: faster to hash)."""
        if type(value) is not int:
            value = Fraction(value)
            if value.denominator == 1:
                value = value.numerator
        return self.node("num", (), value)

    def flt(self, text: str) -> int:
        """A decimal literal (kept as text so high-precision evaluation sees the exact decimal)."""
        return self.node("flt", (), text)

    def var(self) -> int:
        """The integration variable."""
        return self.node("var", (), self.variable)

    def sym(self, name: str) -> int:
        """A parameter symbol."""
        return self.node("sym", (), name)

    def const(self, name: str) -> int:
        """``pi``, ``E``, ``I`` or ``oo``."""
        return self.node("const", (), name)

    def intc(self, name: str) -> int:
        """An integration constant marker."""
        return self.node("intc", (), name)

    # --- operators ----------------------------------------------------------------------------
    def add(self, *ids: int) -> int:
        """Sum (flattened)."""
        flat: list[int] = []
        for i in ids:
            if self.ops[i] == "add":
                flat.extend(self.args[i])
            else:
                flat.append(i)
        if len(flat) == 1:
            return flat[0]
        return self.node("add", tuple(flat))

    def mul(self, *ids: int) -> int:
        """Product (flattened)."""
        flat: list[int] = []
        for i in ids:
            if self.ops[i] == "mul":
                flat.extend(self.args[i])
            else:
                flat.append(i)
        if len(flat) == 1:
            return flat[0]
        return self.node("mul", tuple(flat))

    def neg(self, a: int) -> int:
        """Negation."""
        if self.ops[a] == "neg":
            return self.args[a][0]
        if self.ops[a] == "num":
            return self.num(-self.data[a])  # type: ignore[operator]
        return self.node("neg", (a,))

    def inv(self, a: int) -> int:
        """Reciprocal."""
        if self.ops[a] == "num" and self.data[a] != 0:
            return self.num(Fraction(1) / self.data[a])  # type: ignore[operator]
        return self.node("inv", (a,))

    def sub(self, a: int, b: int) -> int:
        """Difference."""
        return self.add(a, self.neg(b))

    def div(self, a: int, b: int) -> int:
        """Quotient."""
        return self.mul(a, self.inv(b))

    def pow(self, a: int, b: int) -> int:
        """Power."""
        return self.node("pow", (a, b))

    def func(self, name: str, args: tuple[int, ...], data: object = None) -> int:
        """A function application (``name`` is a canonical function name)."""
        return self.node(name, tuple(args), data)

    # --- queries ------------------------------------------------------------------------------
    def reachable(self, root: int) -> list[int]:
        """Ids reachable from ``root``, ascending (children before parents)."""
        seen = {root}
        stack = [root]
        while stack:
            i = stack.pop()
            for a in self.args[i]:
                if a not in seen:
                    seen.add(a)
                    stack.append(a)
        return sorted(seen)

    def names(self, root: int, op: str) -> set[str]:
        """The ``data`` of reachable nodes of kind ``op`` (e.g. all ``sym`` names)."""
        return {self.data[i] for i in self.reachable(root) if self.ops[i] == op}  # type: ignore[misc]

    def functions(self, root: int) -> set[str]:
        """Function names used under ``root``."""
        if not (set(self.ops) & _FUNCTION_OPS):
            return set()
        return {self.ops[i] for i in self.reachable(root) if self.ops[i] in _FUNCTION_OPS}

    def tree_size(self, root: int, limit: int) -> int:
        """Number of nodes of the expanded tree, counting at most up to ``limit + 1``."""
        size = [0] * (root + 1)
        for i in self.reachable(root):
            s = 1 + sum(size[a] for a in self.args[i])
            size[i] = min(s, limit + 1)
        return size[root]

    def to_text(self, root: int) -> str:
        """A compact, unambiguous text form (for messages and tests)."""
        out: dict[int, str] = {}
        for i in self.reachable(root):
            op, args, data = self.ops[i], self.args[i], self.data[i]
            parts = [out[a] for a in args]
            if op == "num":
                out[i] = str(data)
            elif op in ("flt", "sym", "const", "intc"):
                out[i] = str(data)
            elif op == "var":
                out[i] = self.variable
            elif op == "add":
                out[i] = "(" + " + ".join(parts) + ")"
            elif op == "mul":
                out[i] = "(" + "*".join(parts) + ")"
            elif op == "neg":
                out[i] = f"(-{parts[0]})"
            elif op == "inv":
                out[i] = f"(1/{parts[0]})"
            elif op == "pow":
                out[i] = f"({parts[0]})**({parts[1]})"
            else:
                extra = f"{data};" if data is not None else ""
                out[i] = f"{op}({extra}{', '.join(parts)})"
        return out[root]


def drop_integration_constant(g: Graph, root: int) -> tuple[int, bool]:
    """Remove added integration-constant terms (``+ C``, ``- 2*C``); returns (new root, whether removed).

    Raises ``VerifyError(foreign_symbol)`` when an integration constant is used any other way.
    """
    if "intc" not in g.ops or not any(g.ops[i] == "intc" for i in g.reachable(root)):
        return root, False

    def is_constant_term(t: int) -> bool:
        op = g.ops[t]
        if op == "intc":
            return True
        if op == "neg":
            return is_constant_term(g.args[t][0])
        if op == "mul":
            kinds = [g.ops[a] for a in g.args[t]]
            return kinds.count("intc") == 1 and all(k in ("intc", "num", "flt") for k in kinds)
        return False

    terms = g.args[root] if g.ops[root] == "add" else (root,)
    kept = [t for t in terms if not is_constant_term(t)]
    new_root = g.add(*kept) if kept else g.num(0)
    leftover = sorted(g.names(new_root, "intc"))
    if leftover:
        raise VerifyError(
            f"the integration constant {leftover[0]!r} may only be added to the answer, not used inside it",
            codes.FOREIGN_SYMBOL,
        )
    return new_root, True


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
            out[i] = {"pi": sympy.pi, "E": sympy.E, "I": sympy.I, "oo": sympy.oo}[data]  # type: ignore[index]
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
               allow_infinity: bool = False, strip_constant: bool = False) -> tuple[Graph, int]:
    """Convert a SymPy expression into a ``Graph`` with the same whitelist as the text parser.

    ``symbols`` (None = any) restricts parameter names; with ``strip_constant`` symbols named like an
    integration constant become ``intc`` nodes.
    """
    import sympy

    from ladderlib.verify.names import (
        CALCULUS_WORDS, INTEGRATION_CONSTANTS, UNSUPPORTED_STEP,
    )

    if not isinstance(expr, sympy.Basic):
        raise VerifyError(f"not a SymPy expression: {type(expr).__name__}", codes.NOT_MATH)
    allowed = None if symbols is None else set(symbols)
    g = Graph(variable)
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
    if isinstance(e, (sympy.Derivative, sympy.Subs, sympy.Limit, sympy.Sum, sympy.Product)):
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
    if e is sympy.pi:
        return g.const("pi")
    if e is sympy.E:
        return g.const("E")
    if e is sympy.I:
        return g.const("I")
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
