"""Compiled numeric evaluation of expression graphs, with forward-mode derivatives.

``Program`` compiles a ``Graph`` once into a flat instruction list and evaluates it

* vectorised in double precision with NumPy, in real arithmetic (fast; points where a value leaves the
  reals come out NaN) or in complex arithmetic (principal branches, signed zeros normalised), and
* at a single point in high precision with mpmath (no overflow; used to re-check points where double
  precision disagrees, so rounding never decides a verdict).

Derivatives are propagated alongside values (dual numbers), so no symbolic differentiation (which can
take seconds on large antiderivatives) is ever needed. Functions without a closed-form partial use
mpmath's numerical differentiation.
"""

from __future__ import annotations

import cmath
import functools
import math
from fractions import Fraction
from types import SimpleNamespace
from typing import Callable

import mpmath
import numpy as np
from scipy import special as sps

from ladderlib.verify.expr import Graph
from ladderlib.verify.timelimit import TimeLimitExceeded, check_deadline, time_limit

LEAF_OPS = ("num", "flt", "var", "sym", "const")
# One special-function value (mpmath) may take at most this long; slower ones (e.g. complex elliptic
# integrals that mpmath evaluates by quadrature) count as "cannot evaluate here".
SPECIAL_BUDGET_S = 0.1


# Operations the long-double (80-bit) pass supports: elementary ones, all NumPy ufuncs.
ELEMENTARY_OPS = frozenset({
    "num", "flt", "var", "sym", "const", "add", "mul", "neg", "inv", "pow", "exp", "log",
    "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "acot", "asec", "acsc",
    "sinh", "cosh", "tanh", "coth", "sech", "csch", "asinh", "acosh", "atanh", "acoth", "asech", "acsch",
    "Abs", "sign", "floor", "ceiling", "Heaviside", "Max", "Min",
})
# True where np.longdouble really is wider than float64 (x86: 80-bit; not on e.g. macOS arm64).
LONGDOUBLE_USEFUL = bool(np.finfo(np.longdouble).eps < np.finfo(np.float64).eps * 1e-2)
_LD_PI = np.longdouble("3.14159265358979323846264338327950288")
_LD_E = np.longdouble("2.71828182845904523536028747135266250")


class PointFailure(Exception):
    """A high-precision evaluation that cannot produce a trustworthy number (overflow, no convergence)."""


# ----------------------------------------------------------------------------------------------
# Backends
# ----------------------------------------------------------------------------------------------
_SCALAR_CACHE: dict[tuple, complex] = {}
_SCALAR_CACHE_SIZE = 50_000


def _mp_scalar(fn: Callable, args: tuple, cm: bool) -> complex:
    """One special-function value at double precision through mpmath; NaN when undefined or too slow.

    Values are cached (answers to one problem share sub-expressions, e.g. ``F`` and ``F + C``).
    """
    try:
        key_args = tuple(complex(a) for a in args)
    except TypeError:
        return complex("nan")
    if any(not cmath.isfinite(a) or abs(a) > 1e30 for a in key_args):
        return complex("nan")
    key = (fn, key_args, cm)
    hit = _SCALAR_CACHE.get(key)
    if hit is not None:
        return hit
    try:
        with time_limit(SPECIAL_BUDGET_S), mpmath.workdps(16):
            r = complex(fn(*[mpmath.mpc(a) if a.imag else mpmath.mpf(a.real) for a in key_args]))
    except TimeLimitExceeded:
        check_deadline()  # the whole check's limit has passed: let it propagate
        r = complex("nan")
    except Exception:
        r = complex("nan")
    if not cm and r.imag != 0 and abs(r.imag) > 1e-13 * max(abs(r.real), 1e-300):
        r = complex("nan")
    if len(_SCALAR_CACHE) >= _SCALAR_CACHE_SIZE:
        _SCALAR_CACHE.clear()
    _SCALAR_CACHE[key] = r
    return r


def _mp_map(fn: Callable, cm: bool) -> Callable:
    """Vectorise an mpmath function over NumPy arrays (element by element)."""
    def apply(*args: object) -> object:
        arrays = np.broadcast_arrays(*[np.asarray(a) for a in args])
        out = np.empty(arrays[0].shape, dtype=complex)
        flat = [a.ravel() for a in arrays]
        for k in range(out.size):
            check_deadline()
            out.flat[k] = _mp_scalar(fn, tuple(f[k] for f in flat), cm)
        return out if cm else out.real
    return apply


@functools.lru_cache(maxsize=256)
def _mp_partial(fn: Callable, cm: bool, k: int) -> Callable:
    """Numerical partial derivative of ``fn`` in argument ``k`` (vectorised, via mpmath.diff)."""
    def d(*args: object) -> Callable:
        return mpmath.diff(lambda t: fn(*args[:k], t, *args[k + 1:]), args[k])
    return _mp_map(d, cm)


def _real_only(fn: Callable) -> Callable:
    """Apply a real-only NumPy function in complex mode: NaN where the argument is not real."""
    def apply(a: object) -> object:
        a = np.asarray(a)
        if np.iscomplexobj(a):
            return np.where(a.imag == 0, fn(a.real), np.nan)
        return fn(a)
    return apply


def _np_sign(cm: bool) -> Callable:
    if not cm:
        return np.sign

    def sign(a: object) -> object:
        a = np.asarray(a, dtype=complex)
        r = np.abs(a)
        return np.where(r == 0, 0, a / np.where(r == 0, 1, r))
    return sign


def _np_lambertw(cm: bool) -> Callable:
    def w(a: object) -> object:
        r = sps.lambertw(a)
        if cm:
            return r
        a = np.asarray(a, dtype=float)
        return np.where((a >= -1 / math.e) & (r.imag == 0), r.real, np.nan)
    return w


def _np_ci(cm: bool, fn: Callable, index: int) -> Callable:
    """Ci / Chi: SciPy's real versions ignore the i*pi of negative arguments, so go complex there."""
    def f(a: object) -> object:
        if cm:
            return fn(np.asarray(a, dtype=complex))[index]
        a = np.asarray(a, dtype=float)
        return np.where(a > 0, fn(np.where(a > 0, a, 1.0))[index], np.nan)
    return f


def _np_li(cm: bool) -> Callable:
    def li(a: object) -> object:
        if cm:
            return sps.expi(np.log(np.asarray(a, dtype=complex)))
        a = np.asarray(a, dtype=float)
        return np.where(a > 0, sps.expi(np.log(np.where(a > 0, a, 1.0))), np.nan)
    return li


def _np_gamma(cm: bool) -> Callable:
    def gamma(a: object) -> object:
        return sps.gamma(np.asarray(a, dtype=complex if cm else float))
    return gamma


def _np_digamma(cm: bool) -> Callable:
    def digamma(a: object) -> object:
        return sps.psi(np.asarray(a, dtype=complex if cm else float))
    return digamma


def _np_polylog(cm: bool) -> Callable:
    """Li_s(z) for NumPy arrays: closed forms for integer s <= 2 (SciPy's complex ``spence`` gives the
    dilogarithm), mpmath element by element otherwise."""
    slow = _mp_map(_polylog, cm)

    def polylog(s: object, z: object) -> object:
        s_arr = np.asarray(s)
        if s_arr.ndim == 0 and np.imag(s_arr) == 0 and float(np.real(s_arr)).is_integer():
            n = int(np.real(s_arr))
            z = np.asarray(z, dtype=complex if cm else float)
            if n == 2:
                return sps.spence(1 - z)
            if n == 1:
                return -np.log(1 - z)
            if n == 0:
                return z / (1 - z)
            if n == -1:
                return z / (1 - z) ** 2
        return slow(s, z)
    return polylog


@functools.lru_cache(maxsize=None)
def _mp_hyper(p: int, q: int) -> Callable:
    def h(*args: object) -> object:
        return mpmath.hyper(list(args[:p]), list(args[p:p + q]), args[p + q], maxterms=20000)
    return h


def _polylog(s: object, z: object) -> object:
    """Li_s(z), with closed forms for integer s <= 1 (mpmath's unit-circle series is very slow there)."""
    if mpmath.im(s) == 0 and mpmath.re(s) == int(mpmath.re(s)) and mpmath.re(s) <= 1:
        n = int(mpmath.re(s))
        if n == 1:
            return -mpmath.log(1 - z)
        if n == 0:
            return z / (1 - z)
        if n == -1:
            return z / (1 - z) ** 2
        if n == -2:
            return z * (1 + z) / (1 - z) ** 3
        if n == -3:
            return z * (1 + 4 * z + z * z) / (1 - z) ** 4
    return mpmath.polylog(s, z)


def _upper(s: object, a: object) -> object:
    return mpmath.gammainc(s, a)


def _lower(s: object, a: object) -> object:
    return mpmath.gammainc(s, 0, a)


def numpy_backend(cm: bool) -> SimpleNamespace:
    """Math functions on NumPy arrays, real (``cm=False``: NaN outside the reals) or complex."""
    m = SimpleNamespace(cm=cm, mp=False, pi=math.pi)
    m.sqrt, m.exp, m.log, m.power = np.sqrt, np.exp, np.log, np.power
    m.sin, m.cos, m.tan = np.sin, np.cos, np.tan
    m.asin, m.acos, m.atan = np.arcsin, np.arccos, np.arctan
    m.sinh, m.cosh, m.tanh = np.sinh, np.cosh, np.tanh
    m.asinh, m.acosh, m.atanh = np.arcsinh, np.arccosh, np.arctanh
    m.abs, m.real, m.conj = np.abs, np.real, np.conj
    m.sign = _np_sign(cm)
    m.floor, m.ceil = _real_only(np.floor), _real_only(np.ceil)
    m.heaviside = _real_only(lambda a: np.heaviside(a, 0.5))
    m.ge = lambda a, b: np.real(a) >= np.real(b)
    m.where = np.where
    m.is_real = (lambda a: np.all(np.imag(a) == 0)) if cm else (lambda a: True)
    m.erf, m.erfc = sps.erf, sps.erfc
    m.erfi = sps.erfi
    m.Ei = sps.expi
    m.li = _np_li(cm)
    m.Si = lambda a: sps.sici(a)[0]
    m.Ci = _np_ci(cm, sps.sici, 1)
    m.Shi = lambda a: sps.shichi(a)[0]
    m.Chi = _np_ci(cm, sps.shichi, 1)
    m.fresnels = lambda a: sps.fresnel(a)[0]
    m.fresnelc = lambda a: sps.fresnel(a)[1]
    m.gamma, m.digamma = _np_gamma(cm), _np_digamma(cm)
    m.lambertw = _np_lambertw(cm)
    m.ellipk = _mp_map(mpmath.ellipk, cm)
    m.ellipe1 = _mp_map(mpmath.ellipe, cm)
    m.ellipf = _mp_map(mpmath.ellipf, cm)
    m.ellipe2 = _mp_map(mpmath.ellipe, cm)
    m.ellippi2 = _mp_map(mpmath.ellippi, cm)
    m.ellippi3 = _mp_map(mpmath.ellippi, cm)
    m.uppergamma = _mp_map(_upper, cm)
    m.lowergamma = _mp_map(_lower, cm)
    m.polylog = _np_polylog(cm)
    m.expint = _mp_map(mpmath.expint, cm)
    m.appellf1 = _mp_map(mpmath.appellf1, cm)
    m.hyper = lambda p, q: _mp_map(_mp_hyper(p, q), cm)
    m.partial = lambda fn, k: _mp_partial(fn, cm, k)
    m.raw = SimpleNamespace(ellipf=mpmath.ellipf, ellipe2=mpmath.ellipe, ellippi2=mpmath.ellippi,
                            ellippi3=mpmath.ellippi, uppergamma=_upper, lowergamma=_lower,
                            polylog=_polylog, hyper=_mp_hyper,
                            expint=mpmath.expint, appellf1=mpmath.appellf1)
    return m


_EXP_LIMIT = 100_000  # |Re z| beyond which exp(z) counts as overflow/underflow in high precision
_MAG_LIMIT = 1_000_000  # |value| >= 2**_MAG_LIMIT counts as overflow
_TRIG_MAG = 300  # trig of |z| >= 2**300 is numerically meaningless


def _guard_exp_arg(z: object) -> bool:
    """False when exp(z) underflows to 0; raises when it overflows."""
    re = mpmath.re(z)
    if re > _EXP_LIMIT:
        raise PointFailure("overflow")
    if abs(mpmath.im(z)) > 2 ** _TRIG_MAG:
        raise PointFailure("argument too large")
    return re >= -_EXP_LIMIT


def _mp_exp(z: object) -> object:
    return mpmath.exp(z) if _guard_exp_arg(z) else mpmath.mpf(0)


def _mp_power(a: object, b: object) -> object:
    if a == 0:
        if mpmath.re(b) > 0:
            return mpmath.mpf(0)
        raise PointFailure("0 to a non-positive power")
    if isinstance(b, int) and abs(b) < 4096:
        return mpmath.power(a, b)
    t = b * mpmath.log(a)
    if not _guard_exp_arg(t):
        return mpmath.mpf(0)
    return mpmath.power(a, b)


def _mp_trig(fn: Callable) -> Callable:
    def f(z: object) -> object:
        if z != 0 and mpmath.mag(z) > _TRIG_MAG:
            raise PointFailure("argument too large")
        if abs(mpmath.im(z)) > _EXP_LIMIT:
            raise PointFailure("overflow")
        return fn(z)
    return f


def _mp_hyperbolic(fn: Callable) -> Callable:
    def f(z: object) -> object:
        if abs(mpmath.re(z)) > _EXP_LIMIT:
            raise PointFailure("overflow")
        if z != 0 and mpmath.mag(z) > _TRIG_MAG:
            raise PointFailure("argument too large")
        return fn(z)
    return f


_MP_CACHE: dict[tuple, object] = {}


def _mp_special(fn: Callable) -> Callable:
    def f(*args: object) -> object:
        for a in args:
            if not mpmath.isfinite(a):
                raise PointFailure("special function of a non-finite value")
            if a != 0 and mpmath.mag(a) > 60:
                raise PointFailure("special function argument too large")
        key = (fn, tuple(args), mpmath.mp.prec)
        hit = _MP_CACHE.get(key)
        if hit is not None:
            if isinstance(hit, PointFailure):
                raise hit
            return hit
        try:
            with time_limit(SPECIAL_BUDGET_S * 3):
                value = fn(*args)
        except TimeLimitExceeded:
            check_deadline()
            value = PointFailure("special function too slow to evaluate here")
        if len(_MP_CACHE) >= _SCALAR_CACHE_SIZE:
            _MP_CACHE.clear()
        _MP_CACHE[key] = value
        if isinstance(value, PointFailure):
            raise value
        return value
    return f


def _mp_real_only(fn: Callable) -> Callable:
    def f(z: object) -> object:
        if mpmath.im(z) != 0:
            raise PointFailure("step function of a complex value")
        return fn(mpmath.re(z))
    return f


def _mp_heaviside(z: object) -> object:
    return mpmath.mpf(1) if z > 0 else (mpmath.mpf(0) if z < 0 else mpmath.mpf(0.5))


def _mp_sign(z: object) -> object:
    return mpmath.sign(z)


def mpmath_backend() -> SimpleNamespace:
    """Math functions on mpmath numbers (complex results where needed, guarded against blow-ups)."""
    m = SimpleNamespace(cm=True, mp=True)
    m.sqrt, m.log = mpmath.sqrt, mpmath.log
    m.exp, m.power = _mp_exp, _mp_power
    m.sin, m.cos, m.tan = _mp_trig(mpmath.sin), _mp_trig(mpmath.cos), _mp_trig(mpmath.tan)
    m.asin, m.acos, m.atan = mpmath.asin, mpmath.acos, mpmath.atan
    m.sinh, m.cosh, m.tanh = (_mp_hyperbolic(mpmath.sinh), _mp_hyperbolic(mpmath.cosh),
                              _mp_hyperbolic(mpmath.tanh))
    m.asinh, m.acosh, m.atanh = mpmath.asinh, mpmath.acosh, mpmath.atanh
    m.abs, m.real, m.conj = abs, mpmath.re, mpmath.conj
    m.sign = _mp_sign
    m.floor, m.ceil = _mp_real_only(mpmath.floor), _mp_real_only(mpmath.ceil)
    m.heaviside = _mp_real_only(_mp_heaviside)
    m.ge = lambda a, b: mpmath.re(a) >= mpmath.re(b)
    m.where = lambda c, a, b: a if c else b
    m.is_real = lambda a: mpmath.im(a) == 0
    sp = _mp_special
    m.erf, m.erfc, m.erfi = sp(mpmath.erf), sp(mpmath.erfc), sp(mpmath.erfi)
    m.Ei, m.li = sp(mpmath.ei), sp(mpmath.li)
    m.Si, m.Ci, m.Shi, m.Chi = sp(mpmath.si), sp(mpmath.ci), sp(mpmath.shi), sp(mpmath.chi)
    m.fresnels, m.fresnelc = sp(mpmath.fresnels), sp(mpmath.fresnelc)
    m.gamma, m.digamma = sp(mpmath.gamma), sp(mpmath.digamma)
    m.lambertw = sp(mpmath.lambertw)
    m.ellipk, m.ellipe1 = sp(mpmath.ellipk), sp(mpmath.ellipe)
    m.ellipf, m.ellipe2 = sp(mpmath.ellipf), sp(mpmath.ellipe)
    m.ellippi2, m.ellippi3 = sp(mpmath.ellippi), sp(mpmath.ellippi)
    m.uppergamma, m.lowergamma = sp(_upper), sp(_lower)
    m.polylog = sp(_polylog)
    m.expint = sp(mpmath.expint)
    m.appellf1 = sp(mpmath.appellf1)
    m.hyper = lambda p, q: sp(_mp_hyper(p, q))
    m.partial = lambda fn, k: (lambda *args: mpmath.diff(lambda t: fn(*args[:k], t, *args[k + 1:]), args[k]))
    m.raw = SimpleNamespace(ellipf=mpmath.ellipf, ellipe2=mpmath.ellipe, ellippi2=mpmath.ellippi,
                            ellippi3=mpmath.ellippi, uppergamma=_upper, lowergamma=_lower,
                            polylog=_polylog, hyper=_mp_hyper,
                            expint=mpmath.expint, appellf1=mpmath.appellf1)
    m.pi = mpmath.pi
    return m


# ----------------------------------------------------------------------------------------------
# Operations: each returns (value, derivative); a derivative of None means "does not depend on x".
# ----------------------------------------------------------------------------------------------
def _scale(d: object, f: object) -> object:
    return None if d is None else d * f


def _op_add(m, a, da, data):
    v = a[0]
    for t in a[1:]:
        v = v + t
    d = None
    if da is not None:
        for t in da:
            if t is not None:
                d = t if d is None else d + t
    return v, d


def _op_mul(m, a, da, data):
    v = a[0]
    d = da[0] if da is not None else None
    for k in range(1, len(a)):
        b = a[k]
        db = da[k] if da is not None else None
        nd = None if d is None else d * b
        if db is not None:
            nd = db * v if nd is None else nd + db * v
        v = v * b
        d = nd
    return v, d


def _op_neg(m, a, da, data):
    return -a[0], (None if da is None or da[0] is None else -da[0])


def _op_inv(m, a, da, data):
    v = 1 / a[0]
    return v, (None if da is None or da[0] is None else -da[0] * v * v)


def _op_pow(m, a, da, data):
    base, ex = a
    dbase = da[0] if da is not None else None
    dex = da[1] if da is not None else None
    kind = data
    if kind == "sqrt":
        v = m.sqrt(base)
        return v, _scale(dbase, 1 / (2 * v))
    if kind == "isqrt":
        r = m.sqrt(base)
        v = 1 / r
        return v, _scale(dbase, -v / (2 * base))
    if isinstance(kind, int):
        v = m.power(base, kind)
        if dbase is None:
            return v, None
        if kind == 0:
            return v, dbase * 0
        if kind == 1:
            return v, dbase
        return v, dbase * (kind * m.power(base, kind - 1))
    v = m.power(base, ex)
    d = None
    if dbase is not None:
        d = dbase * (ex * m.power(base, ex - 1))
    if dex is not None:
        t = dex * (v * m.log(base))
        d = t if d is None else d + t
    return v, d


def _unary(value: Callable, deriv: Callable) -> Callable:
    """An op from ``value(m, a)`` and ``deriv(m, a, v)`` (the derivative w.r.t. the argument)."""
    def op(m, a, da, data):
        x = a[0]
        v = value(m, x)
        if da is None or da[0] is None:
            return v, None
        return v, da[0] * deriv(m, x, v)
    return op


def _abs_op(m, a, da, data):
    x = a[0]
    v = m.abs(x)
    if da is None or da[0] is None:
        return v, None
    if not m.cm:
        return v, da[0] * m.sign(x)
    return v, m.real(m.conj(x) * da[0]) / v


def _zero_derivative(fn_name: str) -> Callable:
    def op(m, a, da, data):
        v = getattr(m, fn_name)(a[0])
        if da is None or da[0] is None:
            return v, None
        return v, da[0] * 0
    return op


def _minmax(is_max: bool) -> Callable:
    def op(m, a, da, data):
        if m.mp:
            if any(mpmath.im(t) != 0 for t in a):
                raise PointFailure("Max/Min of complex values")
            a = [mpmath.re(t) for t in a]
        else:
            bad = None
            for t in a:
                if np.iscomplexobj(t):
                    bad = (np.imag(t) != 0) if bad is None else (bad | (np.imag(t) != 0))
            a = [np.real(t) for t in a]
        v = a[0]
        d = da[0] if da is not None else None
        for k in range(1, len(a)):
            b = a[k]
            db = da[k] if da is not None else None
            first = m.ge(v, b) if is_max else m.ge(b, v)
            nv = m.where(first, v, b)
            nd = None if d is None and db is None else m.where(first, 0 if d is None else d, 0 if db is None else db)
            v, d = nv, nd
        if not m.mp and bad is not None:
            v = np.where(bad, np.nan, v)
        return v, d
    return op


def _special2(value_name: str, partials: tuple) -> Callable:
    """A multi-argument special function with closed-form partials (None: numeric partial)."""
    def op(m, a, da, data):
        fn = getattr(m, value_name)
        v = fn(*a)
        if da is None or all(d is None for d in da):
            return v, None
        total = None
        for k, dk in enumerate(da):
            if dk is None:
                continue
            rule = partials[k] if k < len(partials) else None
            if rule is not None:
                part = rule(m, *a)
            else:
                raw = getattr(m.raw, value_name)
                part = m.partial(raw, k)(*a)
            t = dk * part
            total = t if total is None else total + t
        return v, total
    return op


def _hyper_op(m, a, da, data):
    p, q = data
    ap, bq, z = a[:p], a[p:p + q], a[p + q]
    v = m.hyper(p, q)(*a)
    if da is None or all(d is None for d in da):
        return v, None
    total = None
    if da[-1] is not None:
        coef = 1
        for t in ap:
            coef = coef * t
        for t in bq:
            coef = coef / t
        shifted = [t + 1 for t in ap] + [t + 1 for t in bq] + [z]
        total = da[-1] * (coef * m.hyper(p, q)(*shifted))
    for k in range(p + q):
        if da[k] is not None:
            part = m.partial(m.raw.hyper(p, q), k)(*a)
            t = da[k] * part
            total = t if total is None else total + t
    return v, total


def _sin2(m, phi):
    s = m.sin(phi)
    return s * s


OPS: dict[str, Callable] = {
    "add": _op_add, "mul": _op_mul, "neg": _op_neg, "inv": _op_inv, "pow": _op_pow,
    "exp": _unary(lambda m, a: m.exp(a), lambda m, a, v: v),
    "log": _unary(lambda m, a: m.log(a), lambda m, a, v: 1 / a),
    "sin": _unary(lambda m, a: m.sin(a), lambda m, a, v: m.cos(a)),
    "cos": _unary(lambda m, a: m.cos(a), lambda m, a, v: -m.sin(a)),
    "tan": _unary(lambda m, a: m.tan(a), lambda m, a, v: 1 + v * v),
    "cot": _unary(lambda m, a: 1 / m.tan(a), lambda m, a, v: -(1 + v * v)),
    "sec": _unary(lambda m, a: 1 / m.cos(a), lambda m, a, v: v * m.tan(a)),
    "csc": _unary(lambda m, a: 1 / m.sin(a), lambda m, a, v: -v * m.cos(a) / m.sin(a)),
    "asin": _unary(lambda m, a: m.asin(a), lambda m, a, v: 1 / m.sqrt(1 - a * a)),
    "acos": _unary(lambda m, a: m.acos(a), lambda m, a, v: -1 / m.sqrt(1 - a * a)),
    "atan": _unary(lambda m, a: m.atan(a), lambda m, a, v: 1 / (1 + a * a)),
    "acot": _unary(lambda m, a: m.atan(1 / a), lambda m, a, v: -1 / (1 + a * a)),
    "asec": _unary(lambda m, a: m.acos(1 / a), lambda m, a, v: 1 / (a * a * m.sqrt(1 - 1 / (a * a)))),
    "acsc": _unary(lambda m, a: m.asin(1 / a), lambda m, a, v: -1 / (a * a * m.sqrt(1 - 1 / (a * a)))),
    "sinh": _unary(lambda m, a: m.sinh(a), lambda m, a, v: m.cosh(a)),
    "cosh": _unary(lambda m, a: m.cosh(a), lambda m, a, v: m.sinh(a)),
    "tanh": _unary(lambda m, a: m.tanh(a), lambda m, a, v: 1 / (m.cosh(a) * m.cosh(a))),  # sech^2, not 1-tanh^2
    "coth": _unary(lambda m, a: 1 / m.tanh(a), lambda m, a, v: -1 / (m.sinh(a) * m.sinh(a))),
    "sech": _unary(lambda m, a: 1 / m.cosh(a), lambda m, a, v: -v * m.tanh(a)),
    "csch": _unary(lambda m, a: 1 / m.sinh(a), lambda m, a, v: -v * m.cosh(a) / m.sinh(a)),
    "asinh": _unary(lambda m, a: m.asinh(a), lambda m, a, v: 1 / m.sqrt(1 + a * a)),
    "acosh": _unary(lambda m, a: m.acosh(a), lambda m, a, v: 1 / (m.sqrt(a - 1) * m.sqrt(a + 1))),
    "atanh": _unary(lambda m, a: m.atanh(a), lambda m, a, v: 1 / (1 - a * a)),
    "acoth": _unary(lambda m, a: m.atanh(1 / a), lambda m, a, v: 1 / (1 - a * a)),
    "asech": _unary(lambda m, a: m.acosh(1 / a), lambda m, a, v: -1 / (a * m.sqrt(1 - a * a))),
    "acsch": _unary(lambda m, a: m.asinh(1 / a), lambda m, a, v: -1 / (a * a * m.sqrt(1 + 1 / (a * a)))),
    "Abs": _abs_op,
    "sign": _zero_derivative("sign"),
    "floor": _zero_derivative("floor"),
    "ceiling": _zero_derivative("ceil"),
    "Heaviside": _zero_derivative("heaviside"),
    "Max": _minmax(True),
    "Min": _minmax(False),
    "erf": _unary(lambda m, a: m.erf(a), lambda m, a, v: 2 / math.sqrt(math.pi) * m.exp(-a * a)),
    "erfc": _unary(lambda m, a: m.erfc(a), lambda m, a, v: -2 / math.sqrt(math.pi) * m.exp(-a * a)),
    "erfi": _unary(lambda m, a: m.erfi(a), lambda m, a, v: 2 / math.sqrt(math.pi) * m.exp(a * a)),
    "Ei": _unary(lambda m, a: m.Ei(a), lambda m, a, v: m.exp(a) / a),
    "li": _unary(lambda m, a: m.li(a), lambda m, a, v: 1 / m.log(a)),
    "Si": _unary(lambda m, a: m.Si(a), lambda m, a, v: m.sin(a) / a),
    "Ci": _unary(lambda m, a: m.Ci(a), lambda m, a, v: m.cos(a) / a),
    "Shi": _unary(lambda m, a: m.Shi(a), lambda m, a, v: m.sinh(a) / a),
    "Chi": _unary(lambda m, a: m.Chi(a), lambda m, a, v: m.cosh(a) / a),
    "fresnels": _unary(lambda m, a: m.fresnels(a), lambda m, a, v: m.sin(m.pi * a * a / 2)),
    "fresnelc": _unary(lambda m, a: m.fresnelc(a), lambda m, a, v: m.cos(m.pi * a * a / 2)),
    "gamma": _unary(lambda m, a: m.gamma(a), lambda m, a, v: v * m.digamma(a)),
    "factorial": _unary(lambda m, a: m.gamma(a + 1), lambda m, a, v: v * m.digamma(a + 1)),
    "LambertW": _unary(lambda m, a: m.lambertw(a), lambda m, a, v: v / (a * (1 + v))),
    "elliptic_k": _unary(lambda m, a: m.ellipk(a),
                         lambda m, a, v: (m.ellipe1(a) - (1 - a) * v) / (2 * a * (1 - a))),
    "elliptic_f": _special2("ellipf", (lambda m, phi, k: 1 / m.sqrt(1 - k * _sin2(m, phi)), None)),
    "elliptic_e1": _unary(lambda m, a: m.ellipe1(a), lambda m, a, v: (v - m.ellipk(a)) / (2 * a)),
    "elliptic_e2": _special2("ellipe2", (lambda m, phi, k: m.sqrt(1 - k * _sin2(m, phi)), None)),
    "elliptic_pi2": _special2("ellippi2", (None, None)),
    "elliptic_pi3": _special2("ellippi3", (
        None, lambda m, n, phi, k: 1 / ((1 - n * _sin2(m, phi)) * m.sqrt(1 - k * _sin2(m, phi))), None)),
    "uppergamma": _special2("uppergamma", (None, lambda m, s, a: -m.power(a, s - 1) * m.exp(-a))),
    "lowergamma": _special2("lowergamma", (None, lambda m, s, a: m.power(a, s - 1) * m.exp(-a))),
    "polylog": _special2("polylog", (None, lambda m, s, z: m.polylog(s - 1, z) / z)),
    "hyper": _hyper_op,
    "expint": _special2("expint", (None, lambda m, n, z: -m.expint(n - 1, z))),
    "appellf1": _special2("appellf1", (None,) * 6),
}


# ----------------------------------------------------------------------------------------------
# Programs
# ----------------------------------------------------------------------------------------------
_NP_REAL = numpy_backend(False)
_NP_COMPLEX = numpy_backend(True)
_MP = mpmath_backend()


class Program:
    """A graph compiled for repeated evaluation at many points (value and, optionally, d/dx)."""

    __slots__ = ("instr", "n", "derivative", "params", "leaf_np", "has_var", "elementary")

    def __init__(self, g: Graph, root: int, params: dict[str, Fraction] | None = None,
                 derivative: bool = False) -> None:
        params = params or {}
        ids = g.reachable(root)
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
            if op == "pow":
                data = self._pow_kind(g, args[1])
            elif op == "elliptic_e":
                op = "elliptic_e1" if len(args) == 1 else "elliptic_e2"
            elif op == "elliptic_pi":
                op = "elliptic_pi2" if len(args) == 2 else "elliptic_pi3"
            elif op not in LEAF_OPS and op not in OPS:
                raise ValueError(f"cannot evaluate {op!r}")
            self.instr.append((op, tuple(local[a] for a in args), data))
        self.n = len(self.instr)
        self.leaf_np: dict[bool, list[object]] = {}
        self.elementary = all(op in ELEMENTARY_OPS for op, _, _ in self.instr)

    @staticmethod
    def _pow_kind(g: Graph, ex: int) -> object:
        if g.ops[ex] == "num":
            q: Fraction = g.data[ex]  # type: ignore[assignment]
            if q.denominator == 1 and abs(q.numerator) <= 64:
                return int(q.numerator)
            if q == Fraction(1, 2):
                return "sqrt"
            if q == Fraction(-1, 2):
                return "isqrt"
        return "general"

    # --- leaves ---------------------------------------------------------------------------------
    def _leaf_double(self, op: str, data: object, cm: bool) -> object:
        if op == "num":
            q: Fraction = data  # type: ignore[assignment]
            v: object = q.numerator / q.denominator if abs(q.numerator) < 2 ** 1000 else float(q)
        elif op == "flt":
            v = float(data)  # type: ignore[arg-type]
        elif op == "sym":
            q = self.params[data]  # type: ignore[index]
            v = q.numerator / q.denominator
        else:
            v = {"pi": math.pi, "E": math.e, "I": 1j, "oo": math.inf}[data]  # type: ignore[index]
            if v == 1j and not cm:
                v = math.nan
        return complex(v) if cm else v

    def _leaf_ld(self, op: str, data: object) -> object:
        if op in ("num", "sym"):
            q = data if op == "num" else self.params[data]  # type: ignore[index]
            return np.longdouble(str(q.numerator)) / np.longdouble(str(q.denominator))  # type: ignore[union-attr]
        if op == "flt":
            return np.longdouble(str(data))
        table = {"pi": _LD_PI, "E": _LD_E, "I": np.longdouble("nan"), "oo": np.longdouble("inf")}
        return table[data]  # type: ignore[index]

    def eval_longdouble(self, x: float) -> tuple[object, object, float]:
        """Value, derivative and the largest intermediate magnitude at one real point in 80-bit
        arithmetic (elementary programs only); used to confirm that a double-precision disagreement is
        not rounding noise (the magnitude bounds the cancellation error)."""
        m = _NP_REAL
        xs = np.asarray([x], dtype=np.longdouble)
        vals: list[object] = [None] * self.n
        ders: list[object] = [None] * self.n
        want_d = self.derivative
        scale = 0.0
        with np.errstate(all="ignore"):
            for k, (op, args, data) in enumerate(self.instr):
                if op == "var":
                    vals[k], ders[k] = xs, np.longdouble(1)
                    continue
                if op in LEAF_OPS:
                    vals[k] = self._leaf_ld(op, data)
                    continue
                a = [vals[j] for j in args]
                da = [ders[j] for j in args] if want_d else None
                v, d = OPS[op](m, a, da, data)
                vals[k], ders[k] = v, d
                mag = abs(v[0] if type(v) is np.ndarray else v)
                if mag > scale:
                    scale = mag
                if d is not None:
                    mag = abs(d[0] if type(d) is np.ndarray else d)
                    if mag > scale:
                        scale = mag
        v = np.asarray(vals[-1]).reshape(-1)[0]
        d = ders[-1]
        d = 0 if d is None else np.asarray(d).reshape(-1)[0]
        return v, d, float(scale) if np.isfinite(scale) else math.inf

    def _leaf_mp(self, op: str, data: object) -> object:
        if op == "num":
            q: Fraction = data  # type: ignore[assignment]
            return mpmath.mpf(q.numerator) / q.denominator
        if op == "flt":
            return mpmath.mpf(data)
        if op == "sym":
            q = self.params[data]  # type: ignore[index]
            return mpmath.mpf(q.numerator) / q.denominator
        return {"pi": mpmath.pi, "E": mpmath.e, "I": mpmath.mpc(0, 1), "oo": mpmath.inf}[data]  # type: ignore[index]

    # --- evaluation -----------------------------------------------------------------------------
    def eval_numpy(self, xs: np.ndarray, complex_mode: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Values (and derivatives when compiled with ``derivative=True``) at the points ``xs``."""
        m = _NP_COMPLEX if complex_mode else _NP_REAL
        xs = np.asarray(xs, dtype=complex if complex_mode else float)
        vals: list[object] = [None] * self.n
        ders: list[object] = [None] * self.n
        want_d = self.derivative
        with np.errstate(all="ignore"):
            for k, (op, args, data) in enumerate(self.instr):
                if op == "var":
                    vals[k] = xs
                    ders[k] = 1.0
                    continue
                if op in LEAF_OPS:
                    vals[k] = self._leaf_double(op, data, complex_mode)
                    continue
                a = [vals[j] for j in args]
                da = [ders[j] for j in args] if want_d else None
                v, d = OPS[op](m, a, da, data)
                if complex_mode:
                    v = v + 0.0  # turn -0.0 imaginary parts into +0.0 (branch cuts)
                    if d is not None:
                        d = d + 0.0
                vals[k], ders[k] = v, d
        v = np.broadcast_to(np.asarray(vals[-1]), xs.shape)
        d = ders[-1]
        if want_d:
            d = np.broadcast_to(np.asarray(0.0 if d is None else d), xs.shape)
        return v, d

    def eval_mp(self, x: float, dps: int = 40, with_scale: bool = False) -> tuple:
        """Value and derivative at one point in ``dps``-digit arithmetic (plus, with ``with_scale``, the
        largest intermediate magnitude, which bounds cancellation error); raises ``PointFailure``."""
        m = _MP
        vals: list[object] = [None] * self.n
        ders: list[object] = [None] * self.n
        want_d = self.derivative
        scale = mpmath.mpf(0)
        with mpmath.workdps(dps):
            xv = mpmath.mpf(x)
            try:
                for k, (op, args, data) in enumerate(self.instr):
                    if op == "var":
                        vals[k], ders[k] = xv, mpmath.mpf(1)
                        continue
                    if op in LEAF_OPS:
                        vals[k] = self._leaf_mp(op, data)
                        continue
                    check_deadline()
                    a = [vals[j] for j in args]
                    da = [ders[j] for j in args] if want_d else None
                    v, d = OPS[op](m, a, da, data)
                    vals[k], ders[k] = v, d
                    if with_scale:
                        for t in (v, d):
                            if t is not None:
                                t = abs(t)
                                if t > scale:
                                    scale = t
            except (ZeroDivisionError, OverflowError, ValueError, TypeError, ArithmeticError) as exc:
                raise PointFailure(str(exc)[:80]) from None
            except mpmath.libmp.NoConvergence:
                raise PointFailure("no convergence") from None
            v = +mpmath.mpmathify(vals[-1])
            d = +mpmath.mpmathify(ders[-1] if ders[-1] is not None else 0)
            for t in (v, d):
                if not mpmath.isfinite(t) or (t != 0 and mpmath.mag(t) > _MAG_LIMIT):
                    raise PointFailure("overflow or undefined value")
            if with_scale:
                return v, d, scale
            return v, d
