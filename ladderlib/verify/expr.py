"""The verifier's own expression form: a small hash-consed DAG built from whitelisted pieces only.

Parsing model text produces a ``Graph`` (never executing anything); the numeric checks compile it
directly, and ``sympy_bridge.to_sympy`` turns it into a SymPy expression on demand.

Node kinds (``op``): ``num`` (exact Fraction), ``flt`` (decimal literal kept as text), ``var`` (the
integration variable), ``sym`` (a parameter), ``const`` (``pi``, ``E``, ``I``, ``oo``, ``EulerGamma``,
``Catalan``), ``intc`` (an integration constant, removed before evaluation), ``idx`` (the index of a
sum or product), ``add``/``mul`` (n-ary), ``neg``, ``inv``, ``pow``, ``Sum``/``Product`` (args: body,
lower, upper; data: the index name) and one op per function name (``sin``, ``log``, ``hyper`` ...).
"""

from __future__ import annotations

from fractions import Fraction

from ladderlib.verify import codes
from ladderlib.verify.codes import ParseError as VerifyError
from ladderlib.verify.names import FUNCTION_ARITY

LEAVES = frozenset({"num", "flt", "var", "sym", "const", "intc", "idx"})
SERIES_OPS = frozenset({"Sum", "Product"})
_FUNCTION_OPS = frozenset(FUNCTION_ARITY) | {"hyper"}


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

    def series(self, op: str, body: int, index: str, lower: int, upper: int) -> int:
        """``Sum``/``Product`` of ``body`` over ``index`` from ``lower`` to ``upper``: the parameter symbol
        ``index`` inside ``body`` becomes the bound index (an ``idx`` leaf)."""
        bound = {i: self.node("idx", (), index) for i in self.reachable(body)
                 if self.ops[i] == "sym" and self.data[i] == index}
        return self.node(op, (self.substitute(body, bound), lower, upper), index)

    def substitute(self, root: int, replace: dict[int, int]) -> int:
        """``root`` rebuilt with the nodes in ``replace`` swapped for their values."""
        if not replace:
            return root
        out: dict[int, int] = {}
        for i in self.reachable(root):
            out[i] = replace[i] if i in replace else self.node(self.ops[i], tuple(out[a] for a in self.args[i]),
                                                                self.data[i])
        return out[root]

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
    def reachable(self, root: int, series_bodies: bool = True) -> list[int]:
        """Ids reachable from ``root``, ascending (children before parents); without ``series_bodies`` the
        bodies of sums and products are not entered (they are compiled on their own)."""
        seen = {root}
        stack = [root]
        while stack:
            i = stack.pop()
            args = self.args[i]
            if not series_bodies and self.ops[i] in SERIES_OPS:
                args = args[1:]
            for a in args:
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
            elif op in ("flt", "sym", "const", "intc", "idx"):
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
