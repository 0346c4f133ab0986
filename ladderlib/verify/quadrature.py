"""Definite integrals of a compiled integrand: find where the mass is, split there, integrate twice.

QUADPACK on ``(-oo, oo)`` maps the range onto a finite one and samples it sparsely: a shifted Gaussian
``exp(-(x-50)**2)`` comes out as 0 there. So the range is first scanned (double precision, vectorised:
a uniform grid on a finite range, log-spaced grids out to 1e8 on infinite ones); the largest values
(each peak refined by zooming in, with its width) and the jumps of step functions in the integrand
become breakpoints. Each piece is then integrated by SciPy's QUADPACK and, independently, by mpmath's
tanh-sinh rule; the value is used only when both agree. An infinite tail that keeps changing sign with
a steady period (``sin(x)/x``), where both rules fail, is split into half waves at its zeros and the
alternating series of their integrals summed by Shanks' acceleration, at two lengths that must agree.
Otherwise the problem fails loudly (``problem_error``) instead of grading answers against a wrong
number.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np

from ladderlib.verify import codes
from ladderlib.verify.backend_mpmath import PointFailure
from ladderlib.verify.codes import VerifyError
from ladderlib.verify.expr import Graph
from ladderlib.verify.program import Program

_JUMP_OPS = ("floor", "ceiling", "frac", "sign", "Heaviside", "Abs")  # Abs: a kink, not a jump
_FAR = 8  # infinite ranges are scanned out to 10**_FAR
_PER_DECADE = 200
_MAX_BREAKS = 400
_AGREE = 1e-8  # relative agreement required between the two methods


def fail(reason: str) -> VerifyError:
    """The error of a definite integral that cannot be trusted."""
    return VerifyError(f"the definite integral cannot be computed reliably: {reason}", codes.PROBLEM_ERROR)


class Integrand:
    """The integrand as numbers: vectorised and scalar, real where possible, complex where needed."""

    def __init__(self, program: Program) -> None:
        self.program = program
        self.complex_seen = False

    def values(self, xs: np.ndarray) -> np.ndarray:
        """Values at ``xs`` (complex dtype; NaN where undefined)."""
        v, _ = self.program.eval_numpy(xs)
        out = v.astype(complex)
        bad = ~np.isfinite(v)
        if bad.any():
            cv, _ = self.program.eval_numpy(xs[bad].astype(complex), complex_mode=True)
            if np.isfinite(cv).any():
                self.complex_seen = True
            out[bad] = cv
        return out

    def real(self, t: float) -> float:
        """Real part at one point (for QUADPACK)."""
        return float(self.values(np.array([float(t)]))[0].real)

    def imag(self, t: float) -> float:
        """Imaginary part at one point."""
        return float(self.values(np.array([float(t)]))[0].imag)


# ----------------------------------------------------------------------------------------------
# Scan: where the mass is, where the integrand jumps
# ----------------------------------------------------------------------------------------------
def scan_grid(a: float, b: float) -> np.ndarray:
    """Grid over [a, b] (either may be infinite): uniform on finite ranges, log-spaced around the finite
    end (or 0) out to 10**_FAR on infinite ones."""
    if math.isfinite(a) and math.isfinite(b):
        return np.linspace(a, b, 4001)
    offsets = np.concatenate([[0.0], np.logspace(-6, _FAR, 14 * _PER_DECADE)])
    if math.isfinite(a):
        return a + offsets
    if math.isfinite(b):
        return (b - offsets)[::-1]
    return np.concatenate([-offsets[:0:-1], offsets])


def _refine_peak(f: Integrand, grid: np.ndarray, i: int) -> tuple[float, float]:
    """(location, half width) of the peak of |f| near ``grid[i]``: located by zooming in between its
    neighbours; the width is where |f| falls below a tenth of the peak, or the grid spacing."""
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    width = float(hi - lo) / 2
    for _ in range(6):
        xs = np.linspace(lo, hi, 201)
        mags = np.nan_to_num(np.abs(f.values(xs)), nan=0.0)
        k = int(np.argmax(mags))
        low = np.flatnonzero(mags < 0.1 * mags[k])
        left, right = low[low < k], low[low > k]
        if len(left) and len(right) and right[0] - left[-1] > 20:
            return float(xs[k]), float(xs[right[0]] - xs[left[-1]]) / 2
        lo, hi = xs[max(k - 2, 0)], xs[min(k + 2, 200)]
    return float(xs[k]), width


def _bisect_jump(arg: Program, lo: float, hi: float, kind: str) -> float:
    """Where the step function of ``arg`` changes value between ``lo`` and ``hi``."""
    def level(t: float) -> float:
        v = float(arg.eval_numpy(np.array([t]))[0][0])
        return float(np.floor(v)) if kind != "sign" else float(np.sign(v))
    start = level(lo)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if level(mid) == start:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def jumps(g: Graph, root: int, params: dict, grid: np.ndarray) -> list[float]:
    """Points of ``grid``'s range where a step function in the integrand jumps (its argument crosses an
    integer, or 0 for sign/Heaviside) or, for Abs, has a kink. Step functions inside a sum's body, whose
    arguments change with the index, are left to the adaptive rules."""
    out: list[float] = []
    for i in g.reachable(root, series_bodies=False):
        if g.ops[i] not in _JUMP_OPS or not g.dep[g.args[i][0]]:
            continue
        arg = Program(g, g.args[i][0], params)
        values = arg.eval_numpy(grid)[0]
        kind = "sign" if g.ops[i] in ("sign", "Heaviside", "Abs") else "floor"
        levels = np.sign(values) if kind == "sign" else np.floor(values)
        changed = np.flatnonzero(np.isfinite(levels[:-1]) & np.isfinite(levels[1:]) & (levels[:-1] != levels[1:]))
        if len(changed) > _MAX_BREAKS:
            raise fail(f"its step function {g.ops[i]} jumps more than {_MAX_BREAKS} times")
        out.extend(_bisect_jump(arg, grid[k], grid[k + 1], kind) for k in changed)
    return out


def breakpoints(f: Integrand, g: Graph, root: int, params: dict, a: float, b: float) -> list[float]:
    """Sorted interior breakpoints: the peaks of |f| with marks at 1, 10 and 100 widths, and the jumps."""
    grid = scan_grid(a, b)
    values = f.values(grid)
    mags = np.nan_to_num(np.abs(values), nan=0.0, posinf=0.0)
    if not np.any(mags):
        if np.isfinite(values).any() and not f.program.has_var:
            return []
        raise fail("the integrand is 0 or undefined at every scan point, so its mass cannot be located")
    top = mags.max()
    interior = (mags[1:-1] >= mags[:-2]) & (mags[1:-1] >= mags[2:]) & (mags[1:-1] >= 1e-10 * top)
    candidates = np.flatnonzero(interior) + 1
    candidates = candidates[np.argsort(-mags[candidates])][:12]
    points: list[float] = []
    for i in candidates:
        peak, width = _refine_peak(f, grid, int(i))
        points.append(peak)
        points.extend(peak + s * width * k for k in (1, 10, 100) for s in (-1, 1))
    points.extend(jumps(g, root, params, grid))
    inside: list[float] = []
    for p in sorted(p for p in points if a < p < b and math.isfinite(p)):
        if not inside or p - inside[-1] > 1e-9 * (1 + abs(p)):
            inside.append(p)
    if len(inside) > _MAX_BREAKS:
        raise fail(f"it has more than {_MAX_BREAKS} features to split at")
    return inside


# ----------------------------------------------------------------------------------------------
# Integration
# ----------------------------------------------------------------------------------------------
def _quadpack(fn, edges: list[float]) -> tuple[float, float, bool]:
    """QUADPACK over consecutive pieces: (value, error estimate, any warning)."""
    from scipy import integrate

    total = err = 0.0
    trouble = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for lo, hi in zip(edges[:-1], edges[1:]):
            v, e, *info = integrate.quad(fn, lo, hi, limit=200, epsabs=1e-14, epsrel=1e-11, full_output=1)
            total += v
            err += e
            trouble = trouble or len(info) > 2
    return total, err, trouble


def _tanh_sinh(f: Integrand, part: str, edges: list[float]) -> tuple[float, float]:
    """mpmath's tanh-sinh rule over the same pieces: (value, error). The integrand is evaluated in double
    precision, and in high precision at nodes so close to an edge that double precision hits it."""
    points = [mpmath.mpf(e) if math.isfinite(e) else (mpmath.inf if e > 0 else -mpmath.inf) for e in edges]

    def fn(t: object) -> float:
        z = f.values(np.array([float(t)]))[0]
        if not np.isfinite(z):
            try:
                z = complex(f.program.eval_mp(t, 20)[0])
            except PointFailure:
                return math.nan
        return z.real if part == "real" else z.imag

    with mpmath.workdps(15):
        v, e = mpmath.quad(fn, points, error=True, maxdegree=7)
    return float(v), float(e)


def _steady_period(f: Integrand, start: float, direction: float) -> float | None:
    """The period of the integrand's sign changes beyond ``start`` (towards ``direction``) when they are
    evenly spaced (``sin(x)/x``); None when it hardly changes sign; raises when the spacing drifts."""
    for width in (100.0, 1000.0, 10000.0):
        xs = start + direction * np.linspace(0.0, width, 20001)
        re = np.nan_to_num(np.real(f.values(xs)), nan=0.0, posinf=0.0, neginf=0.0)
        re[np.abs(re) < 1e-12 * np.max(np.abs(re))] = 0.0  # where it has died out, signs mean nothing
        crossings = np.flatnonzero(re[:-1] * re[1:] < 0)
        if len(crossings) >= 40:
            c = crossings[-40:]
            zeros = xs[c] - re[c] * (xs[c + 1] - xs[c]) / (re[c + 1] - re[c])  # linear interpolation
            gaps = np.abs(np.diff(zeros))
            if np.std(gaps) > 0.02 * np.mean(gaps):
                raise fail("its tail oscillates with a changing period (like sin(x**2)), which is not supported")
            return float(2 * np.mean(gaps))
    return None


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(48)


def _oscillating_tail(vec, start: float, direction: float, period: float) -> tuple[float, float]:
    """Integral from ``start`` to +-oo of an integrand that changes sign every half ``period``: split at
    its zeros (bisection), each half wave by 48-point Gauss-Legendre, the alternating series of half
    waves summed by Wynn's epsilon (Shanks) on 40 and on 80 terms. (value, their difference)."""
    half = period / 2
    xs = start + direction * np.linspace(0.0, 2 * period, 2001)
    ys = vec(xs)
    first = np.flatnonzero(ys[:-1] * ys[1:] < 0)
    if not len(first):
        raise fail("its tail oscillates but no sign change was found")
    guess = xs[first[0]] + direction * half * np.arange(81)
    lo, hi = guess - direction * half / 3, guess + direction * half / 3
    f_lo = vec(lo)
    if np.any(f_lo * vec(hi) >= 0):
        raise fail("its tail does not change sign once every half period")
    for _ in range(55):
        mid = 0.5 * (lo + hi)
        f_mid = vec(mid)
        left = f_lo * f_mid <= 0
        hi, lo, f_lo = np.where(left, mid, hi), np.where(left, lo, mid), np.where(left, f_lo, f_mid)
    edges = np.concatenate([[start], 0.5 * (lo + hi)])
    a, b = edges[:-1, None], edges[1:, None]
    nodes = 0.5 * (b - a) * _GL_NODES + 0.5 * (a + b)
    pieces = 0.5 * (b - a)[:, 0] * (vec(nodes.ravel()).reshape(nodes.shape) @ _GL_WEIGHTS)
    partial = np.cumsum(pieces)
    sizes = np.abs(pieces[1:])
    if not np.all(np.isfinite(partial)) or np.any(sizes[1:] > sizes[:-1] * (1 + 1e-9)) or sizes[-1] > 0.5 * sizes[0]:
        raise fail("the waves of its oscillating tail do not shrink, so it does not converge")
    with mpmath.workdps(30):
        estimates = [float(mpmath.shanks([mpmath.mpf(v) for v in partial[:n]])[-1][-1]) for n in (40, 80)]
    return estimates[1], abs(estimates[1] - estimates[0])


def definite_integral(program: Program, g: Graph, root: int, params: dict, a: float, b: float) -> tuple[complex, float]:
    """(value, error bound) of the integral of ``program`` over [a, b]; raises ``VerifyError`` when the two
    methods disagree or the value is not finite."""
    if a == b:
        return 0j, 0.0
    if a > b:
        value, err = definite_integral(program, g, root, params, b, a)
        return -value, err
    f = Integrand(program)
    tails = []  # (start, direction, period) of infinite ends that oscillate with a steady period
    lo, hi = a, b
    for end, direction, other in ((b, 1.0, a), (a, -1.0, b)):
        if math.isinf(end):
            origin = other if math.isfinite(other) else 0.0
            period = _steady_period(f, origin, direction)
            if period is not None:
                start = origin + direction * 10 * period  # the first waves go to the two rules
                tails.append((start, direction, period))
                lo, hi = (lo, start) if direction > 0 else (start, hi)
    head = [lo, *breakpoints(f, g, root, params, lo, hi), hi]
    total, err_total = 0j, 0.0
    for part in ["real"] + (["imag"] if f.complex_seen else []):
        value, err = _two_rules(f, part, head) if len(head) > 1 else (0.0, 0.0)
        for start, direction, period in tails:
            tail, tail_err = _oscillating_tail(lambda xs: getattr(f.values(xs), part), start, direction, period)
            if not tail_err <= 1e-7 * max(abs(tail), 1.0):
                raise fail(f"its oscillating tail gives {tail:.10g} +- {tail_err:.2g}")
            value += direction * tail
            err += tail_err
        total += value if part == "real" else 1j * value
        err_total += err
    if not np.isfinite(total):
        raise VerifyError("the definite integral does not converge to a finite value", codes.PROBLEM_ERROR)
    return total, err_total


def _two_rules(f: Integrand, part: str, edges: list[float]) -> tuple[float, float]:
    """QUADPACK and tanh-sinh over the pieces between ``edges``: (value, error bound) when they agree."""
    fn = f.real if part == "real" else f.imag
    v1, e1, trouble = _quadpack(fn, edges)
    try:
        v2, _ = _tanh_sinh(f, part, edges)
    except (ValueError, ZeroDivisionError, OverflowError, ArithmeticError):
        v2 = math.nan
    if not (math.isfinite(v1) or math.isfinite(v2)):
        raise fail("it does not seem to converge")
    if not abs(v1 - v2) <= max(_AGREE * max(abs(v1), abs(v2)), 1e-13, 10 * e1):
        note = " with warnings" if trouble else ""
        raise fail(f"QUADPACK gives {v1:.10g} (error {e1:.2g}{note}) but tanh-sinh gives {v2:.10g}")
    return v1, max(e1, abs(v1 - v2))
