"""High-precision backend: math functions on mpmath numbers, guarded against blow-ups.

Used to re-check points where double precision disagrees, so rounding never decides a verdict. Values
that cannot be trusted (overflow, arguments too large for trig, special functions too slow) raise
``PointFailure`` instead of returning a number.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Callable

import mpmath

from ladderlib.verify.timelimit import TimeLimitExceeded, check_deadline, time_limit

# One special-function value (mpmath) may take at most this long; slower ones (e.g. complex elliptic
# integrals that mpmath evaluates by quadrature) count as "cannot evaluate here".
SPECIAL_BUDGET_S = 0.1
CACHE_SIZE = 50_000  # entries of each special-function value cache


class PointFailure(Exception):
    """A high-precision evaluation that cannot produce a trustworthy number (overflow, no convergence)."""


@functools.lru_cache(maxsize=None)
def _mp_hyper(p: int, q: int) -> Callable:
    def h(*args: object) -> object:
        return mpmath.hyper(list(args[:p]), list(args[p:p + q]), args[p + q], maxterms=20000)
    return h


def polylog_closed_form(n: int, z: object, log: Callable) -> object | None:
    """Li_n(z) in closed form for an integer n from -3 to 1 (None for other n); ``log`` is the backend's
    logarithm (mpmath's unit-circle series is very slow there)."""
    if n == 1:
        return -log(1 - z)
    if n == 0:
        return z / (1 - z)
    if n == -1:
        return z / (1 - z) ** 2
    if n == -2:
        return z * (1 + z) / (1 - z) ** 3
    if n == -3:
        return z * (1 + 4 * z + z * z) / (1 - z) ** 4
    return None


def _polylog(s: object, z: object) -> object:
    """Li_s(z), with closed forms for integer s <= 1."""
    if mpmath.im(s) == 0 and mpmath.re(s) == int(mpmath.re(s)):
        closed = polylog_closed_form(int(mpmath.re(s)), z, mpmath.log)
        if closed is not None:
            return closed
    return mpmath.polylog(s, z)


def _upper(s: object, a: object) -> object:
    return mpmath.gammainc(s, a)


def _lower(s: object, a: object) -> object:
    return mpmath.gammainc(s, 0, a)


# The special functions evaluated through mpmath in every backend (numerical partial derivatives use these).
RAW = SimpleNamespace(
    ellipk=mpmath.ellipk, ellipe1=mpmath.ellipe, ellipf=mpmath.ellipf, ellipe2=mpmath.ellipe,
    ellippi2=mpmath.ellippi, ellippi3=mpmath.ellippi, uppergamma=_upper, lowergamma=_lower,
    polylog=_polylog, expint=mpmath.expint, appellf1=mpmath.appellf1, binomial=mpmath.binomial,
    zeta1=mpmath.zeta, zeta2=mpmath.zeta, trigamma=lambda z: mpmath.psi(1, z), hyper=_mp_hyper,
)



_EXP_LIMIT = 100_000  # |Re z| beyond which exp(z) counts as overflow/underflow in high precision
MAG_LIMIT = 1_000_000  # |value| >= 2**MAG_LIMIT counts as overflow
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
        if len(_MP_CACHE) >= CACHE_SIZE:
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
    for name, fn in vars(RAW).items():
        setattr(m, name, sp(fn))
    m.hyper = lambda p, q: sp(_mp_hyper(p, q))
    m.partial = lambda fn, k: (lambda *args: mpmath.diff(lambda t: fn(*args[:k], t, *args[k + 1:]), args[k]))
    m.raw = RAW
    m.pi = mpmath.pi
    return m
