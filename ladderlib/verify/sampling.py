"""Where an indefinite-integral check looks: parameter values and sample points.

Points are drawn where the integrand is finite, real ones first (the problem is about real
integration), half at random and half where |integrand| is smallest (so an added ``0.001*x`` cannot
hide behind huge values), on two scales ([x_min, x_max] and a tenth of it). The points are random
doubles, never integers or simple fractions, so terms like ``sin(pi*x)`` do not vanish at all of them.

``Samples`` also holds the integrand's values there (double, 80-bit and high precision, cached) and
says whether the integrand is identically zero (then any constant is an antiderivative).
"""

from __future__ import annotations

import zlib
from fractions import Fraction
from typing import Iterable

import mpmath
import numpy as np

from ladderlib.verify import codes
from ladderlib.verify.backend_mpmath import PointFailure
from ladderlib.verify.codes import VerifyError
from ladderlib.config.verify import VerifySettings
from ladderlib.verify.program import Program

# An integrand whose double values all stay below this is tested for being identically zero.
_ZERO_SUSPECT = 1e-7


def parameter_values(names: Iterable[str], seed: int) -> dict[str, Fraction]:
    """Distinct, non-integer, positive test values (exact in binary) for the problem's parameters."""
    names = sorted(names)
    rng = np.random.default_rng([seed, zlib.crc32(",".join(names).encode())])
    pool = list(range(9, 23))
    rng.shuffle(pool)
    out = {}
    for k, name in enumerate(names):
        numerator = 2 * pool[k % len(pool)] + 1 + 32 * (k // len(pool))
        out[name] = Fraction(numerator, 16)
    return out


def _choose(xs: np.ndarray, fs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``n`` points: half in pool order (random), the rest with the smallest |f|."""
    if len(xs) <= n:
        return xs, fs
    first = (n + 1) // 2
    rest = np.argsort(np.abs(fs[first:]), kind="stable")[: n - first] + first
    idx = np.concatenate([np.arange(first), rest])
    return xs[idx], fs[idx]


def vanishes(value: object, scale: object, dps: int) -> bool:
    """True when a high-precision ``value`` is at the rounding level of its largest intermediate ``scale``."""
    return abs(value) <= mpmath.mpf(10) ** (4 - dps) * max(scale, 1)


class Samples:
    """The integrand at the sample points of one problem (shared by all answers)."""

    def __init__(self, program: Program, key: str, settings: VerifySettings) -> None:
        self.program = program
        self.settings = settings
        s = settings
        n = s.n_points
        rng = np.random.default_rng([s.seed, zlib.crc32(key.encode())])
        pool = np.concatenate([rng.uniform(s.x_min, s.x_max, size=6 * n),
                               rng.uniform(s.x_min / 10, s.x_max / 10, size=2 * n)])
        rng.shuffle(pool)
        values, _ = program.eval_numpy(pool)
        if np.isfinite(values).sum() < n:  # real region small: look harder before going complex
            more = rng.uniform(s.x_min, s.x_max, size=60 * n)
            more_values, _ = program.eval_numpy(more)
            pool = np.concatenate([pool, more])
            values = np.concatenate([values, more_values])
        real_ok = np.isfinite(values)
        rx, rf = pool[real_ok], values[real_ok].astype(complex)
        cx, cf = pool[~real_ok][:0], np.zeros(0, dtype=complex)
        if len(rx) < n and (~real_ok).any():
            cx = pool[~real_ok]
            cvals, _ = program.eval_numpy(cx, complex_mode=True)
            ok = np.isfinite(cvals)
            cx, cf = cx[ok], cvals[ok]
        xs, fs = _choose(rx, rf, n)
        real = np.ones(len(xs), dtype=bool)
        if len(xs) < n and len(cx):
            more_x, more_f = _choose(cx, cf, n - len(xs))
            xs, fs = np.concatenate([xs, more_x]), np.concatenate([fs, more_f])
            real = np.concatenate([real, np.zeros(len(more_x), dtype=bool)])
        if len(xs) < s.min_points:
            raise VerifyError(
                f"the integrand has no finite values at enough points of [{s.x_min:g}, {s.x_max:g}]",
                codes.PROBLEM_ERROR,
            )
        order = np.argsort(xs)
        self.xs, self.f, self.is_real = xs[order], fs[order], real[order]
        self._f_mp: dict[tuple, tuple[object, object]] = {}
        self._f_ld: dict[int, tuple] = {}
        self.is_zero = self._identically_zero()
        if self.is_zero:
            self.abs_tol = 0.0  # only a derivative that vanishes to working precision matches 0
        else:
            magnitudes = np.abs(np.concatenate([rf, cf]))
            nonzero = magnitudes[magnitudes > 0]
            # absolute tolerance scaled to the integrand's small values (10th percentile of |f|)
            low = float(np.quantile(nonzero, 0.1)) if nonzero.size else 1.0
            self.abs_tol = s.abs_tol * max(low, 1e-300)

    def __len__(self) -> int:
        return len(self.xs)

    def _identically_zero(self) -> bool:
        """True when the integrand is 0 at every sample point up to rounding (``sin(x)**2 + cos(x)**2 - 1``,
        ``log(x**2) - 2*log(x)`` on x > 0): its high-precision values are at the rounding level of its
        intermediate magnitudes at two precisions, so they shrink with the precision instead of staying."""
        if np.max(np.abs(self.f)) > _ZERO_SUSPECT:
            return False
        if not np.any(self.f):
            return True
        dps = self.settings.mp_dps
        try:
            for k in range(len(self.xs)):
                for digits in (dps, 2 * dps):
                    value, scale = self.f_mp(k, digits)
                    if not vanishes(value, scale, digits):
                        return False
        except PointFailure:
            return False
        return True

    def f_mp(self, k: int, dps: int) -> tuple[object, object]:
        """The integrand at sample point ``k`` with ``dps`` digits and its largest intermediate magnitude."""
        key = (k, dps)
        if key not in self._f_mp:
            v, _, scale = self.program.eval_mp(float(self.xs[k]), dps, with_scale=True)
            self._f_mp[key] = (v, scale)
        return self._f_mp[key]

    def f_ld(self, k: int) -> tuple:
        """The integrand at sample point ``k`` in 80-bit arithmetic: (value, derivative, largest magnitude)."""
        if k not in self._f_ld:
            self._f_ld[k] = self.program.eval_longdouble(float(self.xs[k]))
        return self._f_ld[k]
