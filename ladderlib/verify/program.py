"""Compiled numeric evaluation of expression graphs, with forward-mode derivatives.

``Program`` compiles a ``Graph`` once into a flat instruction list and evaluates it

* vectorised in double precision with NumPy, in real arithmetic (fast; points where a value leaves the
  reals come out NaN) or in complex arithmetic (principal branches, signed zeros normalised),
* at one real point in 80-bit long double (a cheap confirmation of double-precision disagreements), and
* at a single point in high precision with mpmath (no overflow; used to re-check points where double
  precision disagrees, so rounding never decides a verdict).

Derivatives are propagated alongside values (dual numbers, ``ops.py``), so no symbolic differentiation
(which can take seconds on large antiderivatives) is ever needed. Sums and products over an index
(``Sum``/``Product`` nodes) compile their body as a sub-program evaluated term by term (``series.py``).
"""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np

from ladderlib.verify import series
from ladderlib.verify.backend_mpmath import MAG_LIMIT, PointFailure, mpmath_backend
from ladderlib.verify.backend_numpy import numpy_backend
from ladderlib.verify.expr import SERIES_OPS, Graph
from ladderlib.verify.ops import OPS
from ladderlib.verify.timelimit import check_deadline

LEAF_OPS = frozenset({"num", "flt", "var", "sym", "const", "idx"})
# Operations the long-double (80-bit) pass supports: elementary ones, all NumPy ufuncs.
ELEMENTARY_OPS = frozenset({
    "num", "flt", "var", "sym", "const", "add", "mul", "neg", "inv", "pow", "exp", "log",
    "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "acot", "asec", "acsc",
    "sinh", "cosh", "tanh", "coth", "sech", "csch", "asinh", "acosh", "atanh", "acoth", "asech", "acsch",
    "Abs", "sign", "floor", "ceiling", "frac", "Heaviside", "Max", "Min",
})
# True where np.longdouble really is wider than float64 (x86: 80-bit; not on e.g. macOS arm64).
LONGDOUBLE_USEFUL = bool(np.finfo(np.longdouble).eps < np.finfo(np.float64).eps * 1e-2)
# Named constants to 36 digits (exact enough for double and 80-bit; mpmath has its own).
_CONSTANT_TEXT = {
    "pi": "3.14159265358979323846264338327950288", "E": "2.71828182845904523536028747135266250",
    "EulerGamma": "0.577215664901532860606512090082402431", "Catalan": "0.915965594177219015054603514932384110",
}
_MP_CONSTANTS = {"pi": mpmath.pi, "E": mpmath.e, "EulerGamma": mpmath.euler, "Catalan": mpmath.catalan}

_NP_REAL = numpy_backend(False)
_NP_COMPLEX = numpy_backend(True)
_MP = mpmath_backend()
_HALF = Fraction(1, 2)
_MP_ERRORS = (ZeroDivisionError, OverflowError, ValueError, TypeError, ArithmeticError)


def _magnitude(t: object) -> object:
    return abs(t[0]) if type(t) is np.ndarray else abs(t)  # arrays here hold one 80-bit value


class Program:
    """A graph compiled for repeated evaluation at many points (value and, optionally, d/dx)."""

    __slots__ = ("instr", "n", "derivative", "params", "has_var", "elementary", "_leaves")

    def __init__(self, g: Graph, root: int, params: dict[str, Fraction] | None = None,
                 derivative: bool = False) -> None:
        params = params or {}
        ids = g.reachable(root, series_bodies=False)
        local = {gid: k for k, gid in enumerate(ids)}
        self.instr: list[tuple[str, tuple[int, ...], object]] = []
        self.params = params
        self.derivative = derivative
        self.has_var = g.dep[root]
        for gid in ids:
            op, args, data = g.ops[gid], g.args[gid], g.data[gid]
            if op == "sym" and data not in params:
                raise KeyError(f"no value for parameter {data!r}")
            if op == "intc":
                raise ValueError("integration constants must be removed before evaluation")
            if op in SERIES_OPS:
                if any(g.dep[a] for a in args[1:]):
                    raise ValueError(f"the bounds of a {op} must not depend on the variable")
                data = (Program(g, args[0], params, derivative), data)
                args = args[1:]
            elif op == "pow":
                data = self._pow_kind(g, args[1])
            elif op in ("elliptic_e", "zeta"):
                op = op + ("1" if len(args) == 1 else "2")
            elif op == "elliptic_pi":
                op = "elliptic_pi2" if len(args) == 2 else "elliptic_pi3"
            elif op not in LEAF_OPS and op not in OPS:
                raise ValueError(f"cannot evaluate {op!r}")
            self.instr.append((op, tuple(local[a] for a in args), data))
        self.n = len(self.instr)
        self.elementary = all(op in ELEMENTARY_OPS for op, _, _ in self.instr)
        self._leaves: dict[tuple, object] = {}  # leaf values by (instruction, kind[, digits]) outside series

    @staticmethod
    def _pow_kind(g: Graph, ex: int) -> object:
        if g.ops[ex] == "num":
            q: Fraction = g.data[ex]  # type: ignore[assignment]
            if q.denominator == 1 and abs(q.numerator) <= 64:
                return int(q.numerator)
            if q == _HALF:
                return "sqrt"
            if q == -_HALF:
                return "isqrt"
        return "general"

    def literal_slots(self) -> list[tuple[int, str]]:
        """(instruction index, text) of the decimal literals (``0.333``, ``1e-12``), for ``overrides``."""
        return [(k, str(data)) for k, (op, _, data) in enumerate(self.instr) if op == "flt"]

    # --- leaves ---------------------------------------------------------------------------------
    def _leaf(self, op: str, data: object, kind: str, env: dict[str, int] | None) -> object:
        """A leaf's value in arithmetic ``kind``: real, complex, ld (80-bit) or mp."""
        if op == "idx":
            q: object = Fraction(env[data])  # type: ignore[index]
        elif op == "num":
            q = data
        elif op == "sym":
            q = self.params[data]  # type: ignore[index]
        elif op == "flt":
            text = str(data)
            return {"mp": mpmath.mpf, "ld": np.longdouble}.get(kind, float)(text)  # type: ignore[operator]
        else:
            return self._constant(str(data), kind)
        num, den = q.numerator, q.denominator  # type: ignore[attr-defined]
        if kind == "mp":
            return mpmath.mpf(num) / den
        if kind == "ld":
            return np.longdouble(str(num)) / np.longdouble(str(den))
        v = num / den if abs(num) < 2 ** 1000 else float(Fraction(num, den))
        return complex(v) if kind == "complex" else v

    @staticmethod
    def _constant(name: str, kind: str) -> object:
        if kind == "mp":
            return mpmath.mpc(0, 1) if name == "I" else (mpmath.inf if name == "oo" else +_MP_CONSTANTS[name])
        if name == "I":
            return 1j if kind == "complex" else (np.longdouble("nan") if kind == "ld" else math.nan)
        text = "inf" if name == "oo" else _CONSTANT_TEXT[name]
        if kind == "ld":
            return np.longdouble(text)
        return complex(float(text)) if kind == "complex" else float(text)

    # --- evaluation -----------------------------------------------------------------------------
    def _execute(self, m: object, x: object, kind: str, env: dict[str, int] | None, track: bool,
                 overrides: dict[int, object] | None = None) -> tuple[object, object, object]:
        """Run the instructions: (value, derivative or None, largest intermediate magnitude or 0)."""
        vals: list[object] = [None] * self.n
        ders: list[object] = [None] * self.n
        want_d = self.derivative
        complex_mode = kind == "complex"
        one = mpmath.mpf(1) if kind == "mp" else (np.longdouble(1) if kind == "ld" else 1.0)
        scale: object = 0
        for k, (op, args, data) in enumerate(self.instr):
            if overrides and k in overrides:
                vals[k] = overrides[k]
                continue
            if op == "var":
                vals[k], ders[k] = x, one
                continue
            if op in LEAF_OPS:
                if env:  # inside a series the index changes from term to term
                    vals[k] = self._leaf(op, data, kind, env)
                    continue
                key = (k, kind, mpmath.mp.prec) if kind == "mp" else (k, kind)
                leaf = self._leaves.get(key)
                if leaf is None:
                    leaf = self._leaves[key] = self._leaf(op, data, kind, env)
                vals[k] = leaf
                continue
            if kind == "mp":
                check_deadline()
            a = [vals[j] for j in args]
            if op in SERIES_OPS:
                v, d, inner = series.evaluate(op, data, a, x, kind, env, m)
                if track and inner > scale:
                    scale = inner
            else:
                v, d = OPS[op](m, a, [ders[j] for j in args] if want_d else None, data)
            if complex_mode:
                v = v + 0.0  # turn -0.0 imaginary parts into +0.0 (branch cuts)
                if d is not None:
                    d = d + 0.0
            vals[k], ders[k] = v, d
            if track:
                for t in (v, d):
                    if t is not None:
                        t = _magnitude(t)
                        if t > scale:
                            scale = t
        return vals[-1], ders[-1], scale

    def eval_numpy(self, xs: np.ndarray, complex_mode: bool = False,
                   env: dict[str, int] | None = None) -> tuple[np.ndarray, np.ndarray | None]:
        """Values (and derivatives when compiled with ``derivative=True``) at the points ``xs``."""
        m = _NP_COMPLEX if complex_mode else _NP_REAL
        xs = np.asarray(xs, dtype=complex if complex_mode else float)
        with np.errstate(all="ignore"):
            v, d, _ = self._execute(m, xs, "complex" if complex_mode else "real", env, False)
        v = np.broadcast_to(np.asarray(v), xs.shape)
        if self.derivative:
            d = np.broadcast_to(np.asarray(0.0 if d is None else d), xs.shape)
        return v, d

    def eval_longdouble(self, x: float) -> tuple[object, object, float]:
        """Value, derivative and the largest intermediate magnitude at one real point in 80-bit
        arithmetic (elementary programs only); used to confirm that a double-precision disagreement is
        not rounding noise (the magnitude bounds the cancellation error)."""
        xs = np.asarray([x], dtype=np.longdouble)
        with np.errstate(all="ignore"):
            v, d, scale = self._execute(_NP_REAL, xs, "ld", None, True)
        v = np.asarray(v).reshape(-1)[0]
        d = 0 if d is None else np.asarray(d).reshape(-1)[0]
        return v, d, float(scale) if np.isfinite(scale) else math.inf

    def eval_mp(self, x: object, dps: int = 40, with_scale: bool = False,
                env: dict[str, int] | None = None, overrides: dict[int, object] | None = None) -> tuple:
        """Value and derivative at one point in ``dps``-digit arithmetic (plus, with ``with_scale``, the
        largest intermediate magnitude, which bounds cancellation error); raises ``PointFailure``.
        ``overrides`` replaces instruction values (see ``literal_slots``)."""
        with mpmath.workdps(dps):
            try:
                v, d, scale = self._execute(_MP, mpmath.mpf(x) if not isinstance(x, mpmath.mpc) else x,
                                            "mp", env, with_scale, overrides)
            except _MP_ERRORS as exc:
                raise PointFailure(str(exc)[:80]) from None
            except mpmath.libmp.NoConvergence:
                raise PointFailure("no convergence") from None
            v = +mpmath.mpmathify(v)
            d = +mpmath.mpmathify(d if d is not None else 0)
            for t in (v, d):
                if not mpmath.isfinite(t) or (t != 0 and mpmath.mag(t) > MAG_LIMIT):
                    raise PointFailure("overflow or undefined value")
            if with_scale:
                return v, d, mpmath.mpf(scale)
            return v, d
