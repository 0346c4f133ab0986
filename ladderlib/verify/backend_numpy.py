"""Double-precision backend: math functions on NumPy arrays, real (NaN outside the reals) or complex.

Special functions SciPy lacks are evaluated element by element through mpmath (cached, time-boxed).
"""

from __future__ import annotations

import cmath
import functools
import math
from types import SimpleNamespace
from typing import Callable

import mpmath
import numpy as np
from scipy import special as sps

from ladderlib.verify.backend_mpmath import CACHE_SIZE, RAW, SPECIAL_BUDGET_S, _mp_hyper, polylog_closed_form
from ladderlib.verify.timelimit import TimeLimitExceeded, check_deadline, time_limit

_SCALAR_CACHE: dict[tuple, complex] = {}


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
    if len(_SCALAR_CACHE) >= CACHE_SIZE:
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
    """Li_s(z) for NumPy arrays: closed forms for integer s from -3 to 2 (SciPy's complex ``spence``
    gives the dilogarithm), mpmath element by element otherwise."""
    slow = _mp_map(RAW.polylog, cm)

    def polylog(s: object, z: object) -> object:
        s_arr = np.asarray(s)
        if s_arr.ndim == 0 and np.imag(s_arr) == 0 and float(np.real(s_arr)).is_integer():
            n = int(np.real(s_arr))
            z = np.asarray(z, dtype=complex if cm else float)
            closed = sps.spence(1 - z) if n == 2 else polylog_closed_form(n, z, np.log)
            if closed is not None:
                return closed
        return slow(s, z)
    return polylog




def _np_binomial(cm: bool) -> Callable:
    """binomial(n, k): the falling-factorial product for a small integer k (any n), mpmath otherwise."""
    slow = _mp_map(mpmath.binomial, cm)

    def binomial(n: object, k: object) -> object:
        k_arr = np.asarray(k)
        if k_arr.ndim == 0 and np.imag(k_arr) == 0 and float(np.real(k_arr)).is_integer() \
                and abs(float(np.real(k_arr))) <= 200:
            kk = int(np.real(k_arr))
            out = np.ones(np.shape(n), dtype=complex if cm else float) * (kk >= 0)
            for j in range(max(kk, 0)):
                out = out * (np.asarray(n) - j) / (j + 1)
            return out
        return slow(n, k)
    return binomial


def _np_hyper(p: int, q: int, cm: bool) -> Callable:
    """pFq for NumPy arrays: SciPy's hyp2f1 for real 2F1 with z <= 0.9 (2F1 is what most textbook
    antiderivatives use; SciPy is accurate there but for rare parameter combinations, whose wrong values
    only send a point to the high-precision re-check), mpmath element by element everywhere else."""
    slow = _mp_map(_mp_hyper(p, q), cm)
    if (p, q) != (2, 1) or cm:
        return slow

    def hyp2f1(*args: object) -> object:
        arrays = np.broadcast_arrays(*[np.asarray(t, dtype=float) for t in args])
        near = arrays[3] <= 0.9
        out = np.full(arrays[0].shape, np.nan)
        out[near] = sps.hyp2f1(*[t[near] for t in arrays])
        rest = ~np.isfinite(out)
        if rest.any():
            out[rest] = slow(*[t[rest] for t in arrays])
        return out
    return hyp2f1


def _real_fast(fast: Callable, slow: Callable, cm: bool) -> Callable:
    """SciPy's real-argument function where it gives a number, the mpmath version elsewhere."""
    def f(a: object) -> object:
        a = np.asarray(a)
        if cm or np.iscomplexobj(a):
            return slow(a)
        out = fast(a)
        bad = ~np.isfinite(out)
        if np.any(bad):
            out = np.where(bad, slow(np.where(bad, a, 0.5)), out)
        return out
    return f


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
    for name, fn in vars(RAW).items():
        setattr(m, name, _mp_map(fn, cm))
    m.polylog = _np_polylog(cm)
    m.binomial = _np_binomial(cm)
    m.zeta1 = _real_fast(sps.zeta, m.zeta1, cm)
    m.trigamma = _real_fast(lambda a: sps.polygamma(1, a), m.trigamma, cm)
    m.hyper = functools.lru_cache(maxsize=None)(lambda p, q: _np_hyper(p, q, cm))
    m.partial = lambda fn, k: _mp_partial(fn, cm, k)
    m.raw = RAW
    return m

