"""``PreparedProblem``: one problem compiled once, then any number of answers checked against it.

Indefinite integrals: the answer's derivative (propagated numerically, see ``program.py``) must equal
the integrand at every usable sample point (``sampling.py``). Disagreements are re-checked in high
precision, and so are agreements that are not at rounding level or answers with tiny coefficients
whose terms double precision cannot see (``precision.py``), so rounding never decides and neither
does a term too small to show. A derivative check is blind to constants, so ``log|x|`` and ``log(x)``
both pass for ``1/x`` (they differ by a constant on each side of 0); answers with step functions are
also checked for jumps (``increments.py``). An integrand that is identically 0 accepts exactly the
constant answers.

Definite integrals: the answer must be a number equal to the integral (``quadrature.py``: located,
split and computed by two methods that must agree) within ``definite_rel_tol``.
"""

from __future__ import annotations

import dataclasses
import math
import time

import mpmath
import numpy as np

from ladderlib.verify import codes
from ladderlib.verify.backend_mpmath import PointFailure
from ladderlib.verify.codes import VerifyError
from ladderlib.config.verify import VerifySettings
from ladderlib.verify.filters import check_step_functions, close, is_echo, is_numerically_constant
from ladderlib.verify.increments import first_jump, integrand_jumps
from ladderlib.verify.names import STEP_FUNCTIONS
from ladderlib.verify.precision import (
    MAX_DPS, PointVerdict, confirm_wrong_longdouble, decimals_consistent, recheck, smallest_coefficient_log10,
)
from ladderlib.verify.problems import IntegralProblem
from ladderlib.verify.program import LONGDOUBLE_USEFUL, Program
from ladderlib.verify.parse import ParsedAnswer, parse_answer
from ladderlib.verify.quadrature import definite_integral
from ladderlib.verify.result import VerifyResult, fmt, make_result
from ladderlib.verify.sampling import Samples, parameter_values
from ladderlib.verify.textgraph import load_latex_fallback
from ladderlib.verify.timelimit import TimeLimitExceeded, time_limit

_RESULT_CACHE_SIZE = 4096
_ROUNDING = 1e-13  # relative residual above which an agreement is confirmed in high precision
_BORDERLINE_POINTS = 2  # how many such points are confirmed (the largest residuals)
_TINY_COEFFICIENT = -8  # log10 of a constant factor small enough to hide a term from double precision


class PreparedProblem:
    """A problem compiled for checking many answers: parameter values, sample points, integrand values."""

    def __init__(self, problem: IntegralProblem, settings: VerifySettings) -> None:
        self.problem = problem
        self.settings = settings
        self.functions = problem.functions
        self.params = parameter_values(problem.symbols, settings.seed)
        try:
            self.program = Program(problem.graph, problem.root, self.params)
        except (ValueError, KeyError) as exc:
            raise VerifyError(f"cannot evaluate the integrand: {exc}", codes.PROBLEM_ERROR) from None
        self._results: dict[str, VerifyResult] = {}
        self._breaks: list[float] | None = None
        self.reference: complex | None = None
        self.reference_error = 0.0
        self.samples: Samples | None = None
        if problem.is_definite:
            a = self._bound_value(problem.lower_graph)
            b = self._bound_value(problem.upper_graph)
            self.reference, self.reference_error = definite_integral(
                self.program, problem.graph, problem.root, self.params, a, b)
        else:
            self.samples = Samples(self.program, problem.key(), settings)

    # --- problem parts --------------------------------------------------------------------------
    def _bound_value(self, gb: tuple) -> float:
        g, root = gb
        if g.ops[root] == "const" and g.data[root] == "oo":
            return math.inf
        if g.ops[root] == "neg" and g.ops[g.args[root][0]] == "const" and g.data[g.args[root][0]] == "oo":
            return -math.inf
        prog = Program(g, root, self.params)
        try:
            v, _ = prog.eval_mp(0.0, 30)
        except PointFailure as exc:
            raise VerifyError(f"cannot evaluate an integration bound: {exc}", codes.PROBLEM_ERROR) from None
        if mpmath.im(v) != 0:
            raise VerifyError("an integration bound is not real", codes.PROBLEM_ERROR)
        return float(mpmath.re(v))

    # --- answers --------------------------------------------------------------------------------
    def parse(self, answer: object) -> ParsedAnswer:
        """Parse an answer under this problem's vocabulary and the settings' limits."""
        s = self.settings
        if isinstance(answer, str) and len(answer) > s.max_input_chars:
            raise VerifyError(f"answer longer than {s.max_input_chars} characters", codes.TOO_LARGE)
        return parse_answer(answer, self.problem, prose=s.allow_prose, max_chars=s.max_answer_chars,
                            max_answer_tokens=s.max_answer_tokens, max_depth=s.max_depth,
                            max_nodes=s.max_nodes, max_digits=s.max_digits)

    def check(self, answer: object) -> VerifyResult:
        """Verify one answer (never raises; timeouts and internal errors become result codes).

        Verdicts are cached per answer text: RL samples often repeat the same answer.
        """
        cacheable = isinstance(answer, str) and len(answer) <= 2000
        if cacheable and answer in self._results:
            hit = self._results[answer]
            return dataclasses.replace(hit, elapsed_s=0.0)
        res = self._check(answer)
        if cacheable and res.code != codes.TIMEOUT:
            if len(self._results) >= _RESULT_CACHE_SIZE:
                self._results.clear()
            self._results[answer] = dataclasses.replace(res)  # type: ignore[index]
        return res

    def _check(self, answer: object) -> VerifyResult:
        start = time.perf_counter()
        text = None
        if isinstance(answer, str) and "\\" in answer:
            load_latex_fallback()  # a slow first import must not run under the time limit
            start = time.perf_counter()
        try:
            with time_limit(self.settings.timeout_s):
                parsed = self.parse(answer)
                text = parsed.text
                check_step_functions(parsed.graph, parsed.root, self.functions)
                if self.problem.is_definite:
                    res = self._check_definite(parsed)
                else:
                    res = self._check_indefinite(parsed)
        except VerifyError as exc:
            res = make_result(exc.code, exc.reason)
        except TimeLimitExceeded:
            res = make_result(codes.TIMEOUT, f"the check took longer than {self.settings.timeout_s:g} s")
        except RecursionError:
            res = make_result(codes.TOO_LARGE, "the expression is nested too deeply")
        except MemoryError:
            res = make_result(codes.TOO_LARGE, "the expression needs too much memory")
        except Exception as exc:  # never crash the caller (an RL loop); report instead
            res = make_result(codes.ERROR, f"internal error: {type(exc).__name__}: {str(exc)[:200]}")
        res.answer = text
        res.elapsed_s = time.perf_counter() - start
        return res

    def _constant_value(self, parsed: ParsedAnswer) -> complex | None:
        prog = Program(parsed.graph, parsed.root, self.params)
        try:
            v, _ = prog.eval_mp(0.0, 30)
        except PointFailure:
            return None
        return complex(v)

    # --- indefinite -----------------------------------------------------------------------------
    def _check_indefinite(self, parsed: ParsedAnswer) -> VerifyResult:
        s = self.settings
        smp = self.samples
        assert smp is not None
        if not parsed.depends_on_variable:
            value = self._constant_value(parsed)
            if value is None or not np.isfinite(value):
                return make_result(codes.NON_FINITE, "the answer is not a finite number")
            if smp.is_zero:
                return make_result(codes.OK, "the integrand is identically 0 and the answer is a constant",
                                   points=len(smp))
            return make_result(codes.CONSTANT, f"the answer is a constant ({fmt(value)}), it does not depend "
                                               f"on {self.problem.variable_name}")
        prog = Program(parsed.graph, parsed.root, self.params, derivative=True)
        values, derivs, redone = self._evaluate(prog)
        agree = close(derivs, smp.f, s.rel_tol, smp.abs_tol) & np.isfinite(values)
        with np.errstate(all="ignore"):
            rel = np.abs(derivs - smp.f) / np.maximum(np.maximum(np.abs(derivs), np.abs(smp.f)), 1e-300)
        passed = int(agree.sum())
        max_error = float(np.nanmax(np.where(agree, rel, 0.0))) if passed else None
        failing = np.flatnonzero(~agree)
        failing = failing[np.argsort(-np.nan_to_num(rel[failing], nan=np.inf), kind="stable")]
        quick = LONGDOUBLE_USEFUL and prog.elementary and self.program.elementary
        unusable = 0
        worst: PointVerdict | None = None
        worst_k = -1
        decimals: list[int] = []  # points that agreed only through the rounding of decimal literals
        if quick:  # one disagreement that 80-bit arithmetic confirms settles it cheaply
            for k in failing:
                if smp.is_real[k] and not redone[k]:
                    verdict = confirm_wrong_longdouble(smp, prog, int(k), derivs[k].real, s.rel_tol)
                    if verdict is not None:
                        return self._classify_wrong(verdict, int(k), values, derivs)
        for k in failing:  # re-check disagreements in high precision, the largest first
            k = int(k)
            verdict = recheck(smp, prog, k, complex(derivs[k]), s)
            if verdict is None:
                unusable += 1
            elif verdict.agrees:
                passed += 1
                max_error = verdict.rel if max_error is None else max(max_error, verdict.rel)
                if verdict.why == "decimals":
                    decimals.append(k)
            else:
                worst, worst_k = verdict, k
                break
        if worst is None:
            found = self._hidden_error(parsed, prog, agree, rel, derivs, decimals)
            if isinstance(found, VerifyResult):
                return found
            if found is not None:
                worst, worst_k = found
        if worst is not None:
            return self._classify_wrong(worst, worst_k, values, derivs)
        if decimals and not decimals_consistent(smp, prog, s.mp_dps):
            return make_result(codes.WRONG, "no rounding of the answer's decimals makes its derivative match the "
                                            "integrand at all sample points at once", points=passed,
                               max_error=max_error)
        if passed < s.min_points:
            if passed == 0 and not np.any(np.isfinite(values)):
                return make_result(codes.NON_FINITE, "the answer has no finite value at the sample points")
            return make_result(codes.NON_FINITE, f"the answer could be evaluated at only {passed} of {len(smp)} "
                                                 f"sample points (need {s.min_points})", points=passed)
        if parsed.graph.functions(parsed.root) & STEP_FUNCTIONS:
            jump = first_jump(smp, values, self._integrand_breaks())
            if jump is not None:
                a, b, increment, integral = jump
                var = self.problem.variable_name
                return make_result(codes.WRONG, f"the answer jumps: it rises by {increment:.6g} from {var} = "
                                                f"{a:.6g} to {b:.6g}, but the integrand's integral there is "
                                                f"{integral:.6g}", points=passed, max_error=max_error)
        return make_result(codes.OK, f"the derivative of the answer matches the integrand at {passed} points",
                           points=passed, max_error=max_error)

    def _evaluate(self, prog: Program) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The answer's values and derivatives at the sample points (real arithmetic first, complex where
        that fails) and which points needed complex arithmetic."""
        smp = self.samples
        assert smp is not None
        n = len(smp)
        values = np.full(n, np.nan, dtype=complex)
        derivs = np.full(n, np.nan, dtype=complex)
        real_idx = np.flatnonzero(smp.is_real)
        if real_idx.size:
            v, d = prog.eval_numpy(smp.xs[real_idx])
            values[real_idx], derivs[real_idx] = v, d
        redo = np.flatnonzero(~(np.isfinite(values) & np.isfinite(derivs)))
        if redo.size:
            v, d = prog.eval_numpy(smp.xs[redo].astype(complex), complex_mode=True)
            values[redo], derivs[redo] = v, d
        redone = np.zeros(n, dtype=bool)
        redone[redo] = True
        return values, derivs, redone

    def _hidden_error(self, parsed: ParsedAnswer, prog: Program, agree: np.ndarray, rel: np.ndarray,
                      derivs: np.ndarray, decimals: list[int]) -> tuple[PointVerdict, int] | VerifyResult | None:
        """Look for an error that double precision agreed with: residuals above rounding level (confirmed
        at the largest ones) and, for answers with tiny coefficients, terms too small to show in double
        precision (checked at the extreme real points with enough digits to see them). Points that agree
        only through the rounding of decimals are added to ``decimals``."""
        s = self.settings
        smp = self.samples
        assert smp is not None
        checks: list[tuple[int, int | None]] = []
        borderline = np.flatnonzero(agree & (rel > _ROUNDING))
        quick = LONGDOUBLE_USEFUL and prog.elementary and self.program.elementary
        for k in borderline[np.argsort(-rel[borderline])][:_BORDERLINE_POINTS]:
            if not (quick and smp.is_real[k] and self._rounding_in_longdouble(prog, int(k), float(rel[k]))):
                checks.append((int(k), None))
        tiny = smallest_coefficient_log10(parsed.graph, parsed.root)
        if tiny is not None and tiny < _TINY_COEFFICIENT:
            dps = s.mp_dps + math.ceil(-tiny) + 10
            if dps > MAX_DPS:
                return make_result(codes.TOO_LARGE, f"the answer has a coefficient of about 1e{tiny:.0f}, too "
                                                    f"small for the check to resolve")
            real = np.flatnonzero(smp.is_real & agree)
            if real.size:
                checks.extend((int(k), dps) for k in {int(real[0]), int(real[-1])})
        for k, dps in checks:
            verdict = recheck(smp, prog, k, complex(derivs[k]), s, start_dps=dps)
            if verdict is not None and not verdict.agrees:
                return verdict, k
            if verdict is not None and verdict.why == "decimals":
                decimals.append(k)
        return None

    def _rounding_in_longdouble(self, prog: Program, k: int, rel_double: float) -> bool:
        """True when 80-bit arithmetic shrinks the residual at point ``k`` a hundredfold: it was rounding."""
        smp = self.samples
        assert smp is not None
        f_ld = smp.f_ld(k)[0]
        d_ld = prog.eval_longdouble(float(smp.xs[k]))[1]
        scale = max(abs(d_ld), abs(f_ld))
        return bool(np.isfinite(scale) and scale > 0 and abs(d_ld - f_ld) / scale < 0.01 * rel_double)

    def _integrand_breaks(self) -> list[float]:
        if self._breaks is None:
            assert self.samples is not None
            self._breaks = integrand_jumps(self.samples, self.problem.graph, self.problem.root, self.params)
        return self._breaks

    def _classify_wrong(self, worst: PointVerdict, k: int, values: np.ndarray, derivs: np.ndarray) -> VerifyResult:
        smp = self.samples
        assert smp is not None
        var = self.problem.variable_name
        err = worst.rel
        if smp.is_zero:
            return make_result(codes.WRONG, f"the integrand is identically 0, so only a constant is an "
                                            f"antiderivative, but d/d{var} of the answer is {fmt(worst.d)} at "
                                            f"{var} = {float(smp.xs[k]):.6g}", max_error=err)
        if is_echo(values, smp.f, 1e-6, smp.abs_tol):
            return make_result(codes.ECHO_INTEGRAND, "the answer is the integrand itself, not its antiderivative",
                               max_error=err)
        if is_numerically_constant(derivs, smp.abs_tol):
            return make_result(codes.CONSTANT, f"the answer does not vary with {var} (its derivative is 0)",
                               max_error=err)
        where = f"at {var} = {float(smp.xs[k]):.6g}"
        if fmt(worst.d) == fmt(worst.f):
            return make_result(codes.WRONG, f"d/d{var} of the answer differs from the integrand by a relative "
                                            f"{err:.2g} {where} ({fmt(worst.d)}...): more than rounding, and more "
                                            f"than rounding its decimals could explain", max_error=err)
        return make_result(codes.WRONG, f"d/d{var} of the answer is {fmt(worst.d)} but the integrand is "
                                        f"{fmt(worst.f)} {where}", max_error=err)

    # --- definite -------------------------------------------------------------------------------
    def _check_definite(self, parsed: ParsedAnswer) -> VerifyResult:
        s = self.settings
        if parsed.depends_on_variable:
            return make_result(codes.NOT_CONSTANT, f"a definite integral needs a number, the answer depends on "
                                                   f"{self.problem.variable_name}")
        value = self._constant_value(parsed)
        if value is None or not np.isfinite(value):
            return make_result(codes.NON_FINITE, "the answer is not a finite number")
        ref = self.reference
        assert ref is not None
        tol = max(s.definite_rel_tol * abs(ref), s.abs_tol, 10 * self.reference_error)
        err = abs(value - ref)
        rel = err / abs(ref) if ref else err
        if err <= tol:
            return make_result(codes.OK, f"the value {fmt(value)} matches the integral {fmt(ref)}", points=1,
                               max_error=rel)
        return make_result(codes.WRONG, f"the answer is {fmt(value)} but the integral is {fmt(ref)}",
                           max_error=rel)
