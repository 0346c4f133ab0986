"""High-precision verdicts at one sample point: the re-check, exactness and the decimals' allowance.

A double-precision comparison cannot tell rounding from a real but small error, so points are decided
in high precision (mpmath; 80-bit arithmetic first where that is enough to confirm a disagreement):

* **exact** agreement: the residual ``F' - f`` is within tolerance and within the cancellation error
  that the largest intermediate magnitude allows, or it shrinks as the precision doubles (rounding
  residue: ill-conditioned functions, integrands that are identically 0);
* **decimals**: a residual that stays put when the precision doubles but is within ``rel_tol`` is
  accepted only when rounding the answer's decimal literals (each may be off by half a unit in its
  last digit) explains it, at the point and, by one choice of values, at all points at once
  (``decimals_consistent``): ``0.3333333333*x**3`` for ``x**2`` is accepted, ``F + 1e-12*exp(x)`` and
  ``F + sin(pi*x)/10**12`` are not;
* otherwise the point disagrees.

Answers with tiny constant factors (``1e-60*x**40``, ``10**(-300)*x``) are re-checked with enough
digits to see those terms (``smallest_coefficient_log10``), up to ``MAX_DPS``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

import mpmath
import numpy as np

from ladderlib.verify.backend_mpmath import PointFailure
from ladderlib.config.verify import VerifySettings
from ladderlib.verify.expr import Graph
from ladderlib.verify.program import Program
from ladderlib.verify.sampling import Samples

_EPS = float(np.finfo(np.float64).eps)
_MAX_LITERALS = 20  # more decimal literals than this: no allowance is computed (tolerance alone decides)
MAX_DPS = 1200  # the most digits a re-check may use


@dataclass
class PointVerdict:
    """The decision at one point: agreement, relative error, the two values and why."""

    agrees: bool
    rel: float
    d: complex
    f: complex
    why: str  # exact | decimals | residual


def _stable(a: complex, b: complex) -> bool:
    """Two evaluations of the same quantity agree to 3 digits (so more precision would not change it).
    An exact 0 never counts: it is the typical result of total cancellation or underflow."""
    if not (np.isfinite(a) and np.isfinite(b)) or a == 0 or b == 0:
        return False
    return abs(a - b) <= 1e-3 * max(abs(a), abs(b)) + 1e-300


def confirm_wrong_longdouble(samples: Samples, prog: Program, k: int, d_double: float,
                             rel_tol: float) -> PointVerdict | None:
    """Cheap confirmation of a disagreement at a real point: 80-bit arithmetic reproduces the double
    values, and the disagreement is far above the cancellation error that the largest intermediate
    magnitude allows. None: undecided (use ``recheck``)."""
    f_ld, _, f_scale = samples.f_ld(k)
    _, d_ld, d_scale = prog.eval_longdouble(float(samples.xs[k]))
    if not (np.isfinite(d_ld) and np.isfinite(f_ld)) or d_ld == 0 or f_ld == 0 or d_double == 0:
        return None  # an exact 0 may be total cancellation: decide in high precision
    disagreement = abs(d_ld - f_ld)
    scale = max(abs(d_ld), abs(f_ld))
    rounding = abs(d_ld - d_double) + abs(f_ld - samples.f[k].real)
    cancellation = 1e4 * _EPS * max(d_scale, f_scale)
    if disagreement <= rel_tol * scale + samples.abs_tol or rounding > 0.01 * disagreement:
        return None
    if disagreement <= cancellation:
        return None
    return PointVerdict(False, float(disagreement / scale), complex(d_ld), complex(f_ld), "residual")


def half_unit(text: str) -> Decimal:
    """Half a unit in the last written digit of a decimal literal (``0.333`` -> 0.0005, ``1e-12`` -> 5e-13)."""
    try:
        exponent = Decimal(text).as_tuple().exponent
    except InvalidOperation:
        return Decimal(0)
    return Decimal(5).scaleb(int(exponent) - 1) if isinstance(exponent, int) else Decimal(0)


def _literal_effects(prog: Program, x: float, dps: int, d_value: object) -> list[object]:
    """For each decimal literal: how much shifting it by half a unit in its last digit changes F'(x)."""
    effects = []
    with mpmath.workdps(dps):
        for slot, text in prog.literal_slots():
            shifted = mpmath.mpf(text) + mpmath.mpf(str(half_unit(text)))
            _, d_shift = prog.eval_mp(x, dps, overrides={slot: shifted})
            effects.append(d_shift - d_value)
    return effects


def decimals_allowance(prog: Program, x: float, dps: int, d_value: object) -> object:
    """How much rounding the answer's decimal literals could change its derivative at ``x`` (first order):
    0 without literals, inf with too many to analyse."""
    if len(prog.literal_slots()) > _MAX_LITERALS:
        return mpmath.inf
    return sum((abs(e) for e in _literal_effects(prog, x, dps, d_value)), mpmath.mpf(0))


def decimals_consistent(samples: Samples, prog: Program, dps: int) -> bool:
    """True when one choice of the decimal literals, each within half a unit of its last digit, makes the
    derivative match the integrand at every real sample point at once (first order: a linear
    feasibility problem). ``0.3333333333*x**3`` for ``x**2`` is; adding ``1e-11*x`` is not, although at
    any single point the rounding of the two literals together might cover the difference."""
    from scipy.optimize import linprog

    n = len(prog.literal_slots())
    if not 0 < n <= _MAX_LITERALS:
        return True
    rows, bounds = [], []
    for k in np.flatnonzero(samples.is_real):
        x = float(samples.xs[k])
        try:
            _, d_mp, d_scale = prog.eval_mp(x, dps, with_scale=True)
            f_mp, f_scale = samples.f_mp(int(k), dps)
            effects = _literal_effects(prog, x, dps, d_mp)
        except PointFailure:
            continue
        residual = d_mp - f_mp
        slack = max(mpmath.mpf(10) ** (4 - dps) * max(d_scale, f_scale), 1e-6 * abs(residual))
        norm = max([abs(residual), slack] + [abs(e) for e in effects])
        row = [float(mpmath.re(e) / norm) for e in effects]
        r, tol = float(mpmath.re(residual) / norm), float(slack / norm)
        rows += [row, [-v for v in row]]  # |r + row . u| <= tol
        bounds += [tol - r, tol + r]
    if not rows:
        return True
    result = linprog(np.zeros(n), A_ub=np.array(rows), b_ub=np.array(bounds), bounds=[(-1, 1)] * n,
                     method="highs")
    return bool(result.status == 0)


def recheck(samples: Samples, prog: Program, k: int, d_double: complex, settings: VerifySettings,
            start_dps: int | None = None) -> PointVerdict | None:
    """High-precision verdict at sample point ``k`` (None when it cannot be decided there).

    The residual ``|F' - f|`` is computed at doubling precisions (up to 8x). Exact agreement: within
    tolerance and within the cancellation error that the largest intermediate magnitude allows, or
    shrinking with the precision (rounding residue, e.g. of ill-conditioned functions or of an integrand
    that is identically 0). A residual that stays put above the rounding error when the precision doubles
    is real: it disagrees
    unless it is within tolerance and the rounding of the answer's decimals could explain it. A large
    one that double precision already showed the same way disagrees at once."""
    x = float(samples.xs[k])
    dps = min(start_dps or settings.mp_dps, MAX_DPS)
    last: tuple[object, int] | None = None  # (noise level: the residual, or the bound if it was 0; digits)
    for _ in range(4):
        try:
            _, d_mp, d_scale = prog.eval_mp(x, dps, with_scale=True)
            f_mp, f_scale = samples.f_mp(k, dps)
        except PointFailure:
            return None
        diff = abs(d_mp - f_mp)
        scale = max(abs(d_mp), abs(f_mp))
        rel = float(diff / scale) if scale else 0.0
        tolerance = settings.rel_tol * scale + samples.abs_tol
        cancellation = mpmath.mpf(10) ** (4 - dps) * max(d_scale, f_scale)
        d_c, f_c = complex(d_mp), complex(f_mp)
        within = diff <= tolerance
        if last is None:
            if within and diff <= cancellation <= tolerance:
                return PointVerdict(True, rel, d_c, f_c, "exact")
            if not within and diff > cancellation and _stable(d_double, d_c) and _stable(samples.f[k], f_c):
                return PointVerdict(False, rel, d_c, f_c, "residual")
        elif diff <= last[0] * mpmath.mpf(10) ** ((last[1] - dps) // 2):  # shrank below the noise: rounding
            if within or diff <= cancellation:
                return PointVerdict(True, rel, d_c, f_c, "exact")
        elif diff > cancellation:  # it stayed put, above the rounding error: a real residual
            if within and diff <= decimals_allowance(prog, x, dps, d_mp) + cancellation:
                return PointVerdict(True, rel, d_c, f_c, "decimals")
            return PointVerdict(False, rel, d_c, f_c, "residual")
        last = (diff if diff else cancellation, dps)
        if dps >= MAX_DPS:
            break
        dps = min(2 * dps, MAX_DPS)
    return None


def smallest_coefficient_log10(g: Graph, root: int) -> float | None:
    """log10 of the smallest constant factor written in the answer (``1e-30``, ``10**(-60)``, ``exp(-90)``),
    or None when it has none. Terms with tiny coefficients may be invisible in double precision."""
    logs: dict[int, float | None] = {}
    smallest: float | None = None
    for i in g.reachable(root):
        if g.dep[i]:
            continue
        op, args, data = g.ops[i], g.args[i], g.data[i]
        value: float | None = None
        if op == "num" and data != 0:
            q = Fraction(data)  # type: ignore[arg-type]
            value = math.log10(abs(q.numerator)) - math.log10(q.denominator)
        elif op == "flt":
            dec = Decimal(str(data))
            value = float(abs(dec).log10()) if dec != 0 else None
        elif op == "neg":
            value = logs.get(args[0])
        elif op == "inv":
            inner = logs.get(args[0])
            value = None if inner is None else -inner
        elif op == "mul":
            parts = [logs.get(a) for a in args]
            value = None if any(p is None for p in parts) else sum(parts)  # type: ignore[arg-type]
        elif op == "pow" and g.ops[args[1]] == "num" and logs.get(args[0]) is not None:
            value = float(g.data[args[1]]) * logs[args[0]]  # type: ignore[arg-type,operator]
        elif op == "exp" and g.ops[args[0]] in ("num", "flt"):
            value = float(g.data[args[0]]) / math.log(10)  # type: ignore[arg-type]
        logs[i] = value
        if value is not None and (smallest is None or value < smallest):
            smallest = value
    return smallest
