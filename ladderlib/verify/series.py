"""Sums and products over an integer index (``Sum(x**n/factorial(n), (n, 0, oo))``), term by term.

A finite range is summed term by term (at most ``MAX_TERMS`` terms); an infinite one until the terms
stop mattering: ``SETTLE`` terms in a row below the working precision relative to the partial sum
(products: factors within it of 1). A series that has not settled within ``MAX_TERMS`` terms has no
value here: NaN in double precision, ``PointFailure`` in high precision; no extrapolation that could
give a divergent series a finite value. (A divergent series whose terms first fall below the working
precision, like n!*x**n very near 0, is not detected.)
"""

from __future__ import annotations

import mpmath
import numpy as np

from ladderlib.verify.backend_mpmath import PointFailure

MAX_TERMS = 5000
SETTLE = 4


def _integer(value: object) -> int | None:
    """``value`` as an int when it is a finite real integer, else None."""
    try:
        z = complex(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if z.imag != 0 or not np.isfinite(z.real) or not float(z.real).is_integer():
        return None
    return int(z.real)


def _range(lo: object, hi: object) -> tuple[int, int | None] | None:
    """(first index, last index or None for infinity), or None when the bounds are not usable."""
    first = _integer(lo)
    if first is None:
        return None
    if complex(hi) == complex("inf"):  # type: ignore[arg-type]
        return first, None
    last = _integer(hi)
    if last is None or last - first + 1 > MAX_TERMS:
        return None
    return first, last


def evaluate(op: str, data: tuple, bounds: list, x: object, kind: str, env: dict | None,
             m: object) -> tuple[object, object, object]:
    """(value, derivative, largest term or partial result) of a ``Sum`` or ``Product`` node at ``x`` in
    arithmetic ``kind``; in high precision that magnitude bounds the cancellation error of the sum."""
    body, name = data
    product = op == "Product"
    span = _range(*bounds)
    mp = kind == "mp"
    if mp:
        tiny = mpmath.mpf(10) ** (-mpmath.mp.dps - 2)
        zero, one = mpmath.mpf(0), mpmath.mpf(1)
    else:
        tiny, zero, one = 1e-17, np.zeros(np.shape(x)), np.ones(np.shape(x))
    if span is None:
        if mp:
            raise PointFailure(f"the {op} has bounds that are not integers")
        return zero * np.nan, (zero * np.nan if body.derivative else None), 0
    first, last = span
    total = one if product else zero
    d_total = zero if body.derivative else None
    settled = 0 if mp else np.zeros(np.shape(x), dtype=int)
    scope = dict(env or {})
    peak = zero
    n = first
    while last is None or n <= last:
        if n - first >= MAX_TERMS:
            if mp:
                raise PointFailure(f"the {op} has not converged after {MAX_TERMS} terms")
            done = settled >= SETTLE
            return (np.where(done, total, np.nan),
                    None if d_total is None else np.where(done, d_total, np.nan), peak)
        scope[name] = n
        v, d, _ = body._execute(m, x, kind, scope, False)
        if d_total is not None:
            d = zero if d is None else d
            d_total = d_total * v + total * d if product else d_total + d
        total = total * v if product else total + v
        if mp:
            peak = max(peak, abs(v), abs(total))
        if last is None:
            small = abs(v - 1) <= tiny if product else abs(v) <= tiny * abs(total)
            if mp:
                if not mpmath.isfinite(total):
                    raise PointFailure(f"the {op} diverges here")
                settled = settled + 1 if small else 0
                if settled >= SETTLE:
                    break
            else:
                settled = np.where(small, settled + 1, 0)
                if np.all((settled >= SETTLE) | ~np.isfinite(total)):
                    break
        n += 1
    return total, d_total, peak


def closed_forms(g: object, root: int, time_s: float = 3.0) -> int:
    """``root`` with each constant series replaced by SymPy's closed form when it finds one
    (``Sum(1/n**2, (n, 1, oo))`` -> ``pi**2/6``), which term-by-term summation would reach too slowly.
    Closed forms that keep a Sum or a Piecewise (convergence conditions) are not used."""
    import sympy

    from ladderlib.verify.sympy_bridge import from_sympy, to_sympy
    from ladderlib.verify.timelimit import TimeLimitExceeded, time_limit

    constant = [i for i in g.reachable(root) if g.ops[i] in ("Sum", "Product") and not g.dep[i]]  # type: ignore[attr-defined]
    replace: dict[int, int] = {}
    for i in constant:
        try:
            with time_limit(time_s):
                value = to_sympy(g, i).doit()  # type: ignore[arg-type, attr-defined]
                if value.has(sympy.Sum, sympy.Product, sympy.Piecewise) or not value.is_finite:
                    continue
                replace[i] = from_sympy(value, g.variable, graph=g)[1]  # type: ignore[attr-defined]
        except (TimeLimitExceeded, Exception):  # noqa: BLE001 - no closed form: sum term by term
            continue
    return g.substitute(root, replace)  # type: ignore[attr-defined]
