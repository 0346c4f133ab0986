"""Answers with step functions: the derivative check is blind to jumps, so check increments too.

``x*floor(x)`` has derivative ``floor(x)`` wherever it is differentiable, yet it is no antiderivative
of ``floor(x)``: it jumps at every integer. For answers that use step functions, F(b) - F(a) must equal
the integral of the integrand from a to b (QUADPACK, split at the integrand's own jumps) between
consecutive real sample points, so a jump anywhere in the sampled range shows.
"""

from __future__ import annotations

import warnings

import numpy as np

from ladderlib.verify import codes
from ladderlib.verify.codes import VerifyError
from ladderlib.verify.quadrature import Integrand, jumps
from ladderlib.verify.sampling import Samples

_REL = 1e-7


def integrand_jumps(samples: Samples, g: object, root: int, params: dict) -> list[float]:
    """Where the integrand itself jumps inside the sampled range (QUADPACK breakpoints)."""
    grid = np.linspace(float(samples.xs.min()), float(samples.xs.max()), 4001)
    try:
        return jumps(g, root, params, grid)  # type: ignore[arg-type]
    except VerifyError:
        raise VerifyError("the integrand's step functions jump too often in the sampled range to check the "
                          "answer's increments", codes.PROBLEM_ERROR) from None


def first_jump(samples: Samples, values: np.ndarray, breaks: list[float]) -> tuple[float, float, float, float] | None:
    """(a, b, F(b) - F(a), integral) for the first pair of consecutive real sample points where the
    answer's increment differs from the integral, or None when all checkable pairs agree."""
    from scipy import integrate

    f = Integrand(samples.program)
    real = np.flatnonzero(samples.is_real & np.isfinite(values) & (np.imag(values) == 0))
    scale = float(np.max(np.abs(samples.f)))
    for i, j in zip(real[:-1], real[1:]):
        a, b = float(samples.xs[i]), float(samples.xs[j])
        inside = [p for p in breaks if a < p < b]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            integral, err, *info = integrate.quad(f.real, a, b, points=inside or None, limit=200,
                                                  epsabs=1e-12, epsrel=1e-11, full_output=1)
        if len(info) > 2 or not np.isfinite(integral):
            continue  # QUADPACK could not do this piece: no evidence either way
        increment = float(values[j].real - values[i].real)
        if abs(increment - integral) > _REL * max(abs(increment), abs(integral)) + 1e-9 * (b - a) * scale + 10 * err:
            return a, b, increment, integral
    return None
