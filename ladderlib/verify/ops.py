"""Operations of a compiled program: each returns (value, derivative) on any backend (dual numbers).

A derivative of None means "does not depend on x". Functions without a closed-form partial use the
backend's numerical partial derivative (mpmath.diff).
"""

from __future__ import annotations

import math
from typing import Callable

import mpmath
import numpy as np

from ladderlib.verify.backend_mpmath import PointFailure


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
    "digamma": _unary(lambda m, a: m.digamma(a), lambda m, a, v: m.trigamma(a)),
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
    "binomial": _special2("binomial", (
        lambda m, n, k: m.binomial(n, k) * (m.digamma(n + 1) - m.digamma(n - k + 1)),
        lambda m, n, k: m.binomial(n, k) * (m.digamma(n - k + 1) - m.digamma(k + 1)))),
    "zeta1": _special2("zeta1", (None,)),
    "zeta2": _special2("zeta2", (None, lambda m, s, a: -s * m.zeta2(s + 1, a))),
    "frac": _unary(lambda m, a: a - m.floor(a), lambda m, a, v: 1),
}

