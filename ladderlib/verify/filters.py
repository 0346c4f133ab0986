"""Reward-hacking filters: reasons an answer must not earn reward even before (or besides) the math.

The parser already rejects unevaluated integrals, non-finite constants, foreign symbols, code and
oversized input (each with its own code). This module adds the checks that need the problem:
step functions absent from the problem, constant answers, and echoing the integrand.
"""

from __future__ import annotations

import numpy as np

from ladderlib.verify import codes
from ladderlib.verify.codes import VerifyError
from ladderlib.verify.expr import Graph
from ladderlib.verify.names import STEP_FUNCTIONS


# A step function in an answer is accepted when the problem uses one of the same family: the integer
# part (floor, ceiling, frac), signs (sign, Heaviside; Abs differentiates to sign), or Max/Min.
STEP_FAMILIES: dict[str, frozenset[str]] = {
    **dict.fromkeys(("floor", "ceiling", "frac"), frozenset({"floor", "ceiling", "frac"})),
    **dict.fromkeys(("sign", "Heaviside"), frozenset({"sign", "Heaviside", "Abs"})),
    **dict.fromkeys(("Max", "Min"), frozenset({"Max", "Min"})),
}


def check_step_functions(g: Graph, root: int, problem_functions: frozenset[str]) -> None:
    """Reject sign/floor/ceiling/frac/Heaviside/Max/Min unless the problem uses that family of functions.

    ``Abs`` is allowed everywhere: it only adds piecewise-constant offsets under a derivative check
    (``log|x|`` vs ``log(x)``) and is how antiderivatives of ``1/x`` are usually written. Answers that do
    use step functions are also checked for jumps (``increments.py``).
    """
    if not (set(g.ops) & STEP_FUNCTIONS):
        return
    extra = sorted(fn for fn in g.functions(root) & STEP_FUNCTIONS if not STEP_FAMILIES[fn] & problem_functions)
    if extra:
        raise VerifyError(
            f"step/discontinuous function {extra[0]!r} is not in the problem and is not accepted in an answer",
            codes.STEP_FUNCTION,
        )


def close(a: np.ndarray, b: np.ndarray, rel_tol: float, abs_tol: float) -> np.ndarray:
    """Elementwise ``|a - b| <= rel_tol * max(|a|, |b|) + abs_tol`` (complex-aware, NaN -> False)."""
    with np.errstate(all="ignore"):
        scale = np.maximum(np.abs(a), np.abs(b))
        return np.abs(a - b) <= rel_tol * scale + abs_tol


def is_echo(values: np.ndarray, integrand: np.ndarray, rel_tol: float, abs_tol: float) -> bool:
    """True when the answer's values equal the integrand's at every finite sample point."""
    finite = np.isfinite(values) & np.isfinite(integrand)
    if finite.sum() < 2:
        return False
    return bool(np.all(close(values[finite], integrand[finite], rel_tol, abs_tol)))


def is_numerically_constant(derivatives: np.ndarray, abs_tol: float) -> bool:
    """True when the answer's derivative vanishes at every finite sample point."""
    finite = np.isfinite(derivatives)
    if finite.sum() < 2:
        return False
    return bool(np.all(np.abs(derivatives[finite]) <= abs_tol))
