"""Verify answers to integration problems: ``verify_integral``, ``verify_batch`` and the result type.

Indefinite integrals: the answer's derivative (propagated numerically, see ``numeric.py``) must equal
the integrand at every usable sample point in [x_min, x_max]. Points are drawn where the integrand is
finite, real ones first (the problem is about real integration); double-precision disagreements are
re-checked in high precision, so rounding never decides. A derivative check is blind to constants,
so ``log|x|`` and ``log(x)`` both pass for ``1/x`` (they differ by a constant on each side of 0), while
any non-constant error (``F + 0.001*x``) fails.

Definite integrals: the answer must be a number equal to the integral (SciPy quadrature, with
mpmath as a fallback) within ``definite_rel_tol``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import time
import warnings
import zlib
from dataclasses import asdict, dataclass
from fractions import Fraction
from typing import Any, Iterable, Mapping

import mpmath
import numpy as np

from ladderlib.verify import codes
from ladderlib.verify.codes import VerifyError
from ladderlib.config.verify import VerifySettings
from ladderlib.verify.filters import check_step_functions, close, is_echo, is_numerically_constant
from ladderlib.verify.numeric import LONGDOUBLE_USEFUL, PointFailure, Program
from ladderlib.verify.parse import (
    IntegralProblem, ParsedAnswer, load_latex_fallback, parse_answer, parse_problem,
)
from ladderlib.verify.timelimit import TimeLimitExceeded, time_limit

_RESULT_CACHE_SIZE = 4096


@dataclass
class VerifyResult:
    """The verdict on one answer."""

    correct: bool
    code: str
    reason: str
    answer: str | None = None  # the expression text that was checked
    points: int = 0  # sample points that agreed (indefinite) or 1 (definite)
    max_error: float | None = None  # largest relative mismatch at the checked points
    elapsed_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def _result(code: str, reason: str, **kw: Any) -> VerifyResult:
    return VerifyResult(correct=code == codes.OK, code=code, reason=reason, **kw)


_EPS = float(np.finfo(np.float64).eps)


def _stable(a: complex, b: complex) -> bool:
    """Two evaluations of the same quantity agree to 3 digits (so more precision would not change it).
    An exact 0 never counts: it is the typical result of total cancellation or underflow."""
    if not (np.isfinite(a) and np.isfinite(b)) or a == 0 or b == 0:
        return False
    return abs(a - b) <= 1e-3 * max(abs(a), abs(b)) + 1e-300


def _fmt(z: complex) -> str:
    z = complex(z)
    if z.imag == 0 or abs(z.imag) <= 1e-12 * abs(z.real):
        return f"{z.real:.6g}"
    return f"{z.real:.6g}{z.imag:+.6g}i"


# ----------------------------------------------------------------------------------------------
# Problem preparation (done once per problem and shared by all answers)
# ----------------------------------------------------------------------------------------------
def _parameter_values(names: Iterable[str], seed: int) -> dict[str, Fraction]:
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


def to_problem(problem: Any, variable: str | None = None) -> IntegralProblem:
    """Coerce text, a mapping ({"integrand", "variable", "lower", "upper"}), a SymPy expression or an
    ``IntegralProblem`` into an ``IntegralProblem``."""
    if isinstance(problem, IntegralProblem):
        return problem
    if isinstance(problem, str):
        return parse_problem(problem, variable)
    if isinstance(problem, Mapping):
        text = problem.get("integrand", problem.get("problem"))
        if not isinstance(text, str):
            raise VerifyError("the problem needs an 'integrand' string", codes.PROBLEM_ERROR)
        var = problem.get("variable") or variable
        lower, upper = problem.get("lower"), problem.get("upper")
        if lower is None and upper is None:
            return parse_problem(text, var)
        return IntegralProblem(text, var or "x", lower, upper, text=text)
    try:
        import sympy

        if isinstance(problem, sympy.Basic):
            return IntegralProblem(problem, variable or "x")
    except ImportError:  # pragma: no cover
        pass
    raise VerifyError(f"cannot use a {type(problem).__name__} as a problem", codes.PROBLEM_ERROR)


class PreparedProblem:
    """A problem compiled for checking many answers: parameter values, sample points, integrand values."""

    def __init__(self, problem: IntegralProblem, settings: VerifySettings) -> None:
        self.problem = problem
        self.settings = settings
        self.functions = problem.functions
        self.params = _parameter_values(problem.symbols, settings.seed)
        try:
            self.program = Program(problem.graph, problem.root, self.params)
        except (ValueError, KeyError) as exc:
            raise VerifyError(f"cannot evaluate the integrand: {exc}", codes.PROBLEM_ERROR) from None
        self._f_mp: dict[tuple, object] = {}
        self._f_ld: dict[int, object] = {}
        self._results: dict[str, VerifyResult] = {}
        self.reference: complex | None = None
        self.reference_error = 0.0
        if problem.is_definite:
            self._prepare_definite()
        else:
            self._prepare_points()

    # --- indefinite -----------------------------------------------------------------------------
    def _prepare_points(self) -> None:
        """Sample points where the integrand is finite: real ones first, half at random, half where
        |integrand| is smallest (so an added ``0.001*x`` cannot hide behind huge values), on two
        scales ([x_min, x_max] and a tenth of it)."""
        s = self.settings
        n = s.n_points
        rng = np.random.default_rng([s.seed, zlib.crc32(self.problem.key().encode())])
        pool = np.concatenate([rng.uniform(s.x_min, s.x_max, size=6 * n),
                               rng.uniform(s.x_min / 10, s.x_max / 10, size=2 * n)])
        rng.shuffle(pool)
        values, _ = self.program.eval_numpy(pool)
        if np.isfinite(values).sum() < n:  # real region small: look harder before going complex
            more = rng.uniform(s.x_min, s.x_max, size=60 * n)
            more_values, _ = self.program.eval_numpy(more)
            pool = np.concatenate([pool, more])
            values = np.concatenate([values, more_values])
        real_ok = np.isfinite(values)
        rx, rf = pool[real_ok], values[real_ok].astype(complex)
        cx, cf = pool[~real_ok], np.zeros(0, dtype=complex)
        if len(rx) < n and len(cx):
            cvals, _ = self.program.eval_numpy(cx, complex_mode=True)
            ok = np.isfinite(cvals)
            cx, cf = cx[ok], cvals[ok]
        else:
            cx = cx[:0]
        chosen_x, chosen_f, chosen_real = self._choose(rx, rf, n)
        if len(chosen_x) < n and len(cx):
            more_x, more_f, _ = self._choose(cx, cf, n - len(chosen_x))
            chosen_x = np.concatenate([chosen_x, more_x])
            chosen_f = np.concatenate([chosen_f, more_f])
            chosen_real = np.concatenate([chosen_real, np.zeros(len(more_x), dtype=bool)])
        if len(chosen_x) < s.min_points:
            raise VerifyError(
                f"the integrand has no finite values at enough points of [{s.x_min:g}, {s.x_max:g}]",
                codes.PROBLEM_ERROR,
            )
        order = np.argsort(chosen_x)
        self.xs = chosen_x[order]
        self.f = chosen_f[order]
        self.is_real = chosen_real[order]
        magnitudes = np.abs(np.concatenate([rf, cf]))
        nonzero = magnitudes[magnitudes > 0]
        self.integrand_is_zero = nonzero.size == 0
        # absolute tolerance scaled to the integrand's small values (10th percentile of |f|)
        low = float(np.quantile(nonzero, 0.1)) if nonzero.size else 1.0
        self.abs_tol = s.abs_tol * max(low, 1e-300)

    @staticmethod
    def _choose(xs: np.ndarray, fs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Up to ``n`` points: half in pool order (random), the rest with the smallest |f|."""
        if len(xs) <= n:
            return xs, fs, np.ones(len(xs), dtype=bool)
        first = (n + 1) // 2
        rest = np.argsort(np.abs(fs[first:]), kind="stable")[: n - first] + first
        idx = np.concatenate([np.arange(first), rest])
        return xs[idx], fs[idx], np.ones(len(idx), dtype=bool)

    def f_mp(self, k: int, dps: int) -> tuple[object, object]:
        """The integrand at sample point ``k`` with ``dps`` digits and its largest intermediate magnitude."""
        key = (k, dps)
        if key not in self._f_mp:
            v, _, scale = self.program.eval_mp(float(self.xs[k]), dps, with_scale=True)
            self._f_mp[key] = (v, scale)
        return self._f_mp[key]

    def _confirm_wrong_longdouble(self, prog: Program, k: int, d_double: float) -> tuple[float, float, float] | None:
        """Cheap confirmation of a disagreement at a real point: 80-bit arithmetic reproduces the double
        values, and the disagreement is far above the cancellation error that the largest intermediate
        magnitude allows. Returns (relative error, d, f) or None (undecided: high-precision re-check)."""
        s = self.settings
        x = float(self.xs[k])
        if k not in self._f_ld:
            self._f_ld[k] = self.program.eval_longdouble(x)
        f_ld, _, f_scale = self._f_ld[k]
        _, d_ld, d_scale = prog.eval_longdouble(x)
        if not (np.isfinite(d_ld) and np.isfinite(f_ld)) or d_ld == 0 or f_ld == 0 or d_double == 0:
            return None  # an exact 0 may be total cancellation: decide in high precision
        disagreement = abs(d_ld - f_ld)
        scale = max(abs(d_ld), abs(f_ld))
        rounding = abs(d_ld - d_double) + abs(f_ld - self.f[k].real)
        cancellation = 1e4 * _EPS * max(d_scale, f_scale)
        if disagreement <= s.rel_tol * scale + self.abs_tol or rounding > 0.01 * disagreement:
            return None
        if disagreement <= cancellation:
            return None
        return float(disagreement / scale), float(d_ld), float(f_ld)

    def _recheck(self, prog: Program, k: int, d_double: complex) -> tuple[bool, float, complex, complex] | None:
        """High-precision verdict at point ``k``: (agrees, relative error, d, f), or None when the point
        cannot be evaluated. Precision doubles (up to 4x) while the disagreement could still be rounding
        (unstable between precisions, or within the cancellation error of the intermediate magnitudes)."""
        s = self.settings
        x = float(self.xs[k])
        previous = (d_double, complex(self.f[k]))
        dps = s.mp_dps
        verdict: tuple[bool, float, complex, complex] | None = None
        for _ in range(3):
            try:
                _, d_mp, d_scale = prog.eval_mp(x, dps, with_scale=True)
                f_mp, f_scale = self.f_mp(k, dps)
            except PointFailure:
                return verdict
            diff = abs(d_mp - f_mp)
            scale = max(abs(d_mp), abs(f_mp))
            rel = float(diff / scale) if scale else 0.0
            if diff <= s.rel_tol * scale + self.abs_tol:
                return True, rel, complex(d_mp), complex(f_mp)
            verdict = (False, rel, complex(d_mp), complex(f_mp))
            cancellation = mpmath.mpf(10) ** (4 - dps) * max(d_scale, f_scale)
            d_prev, f_prev = previous
            if diff > cancellation and _stable(d_prev, complex(d_mp)) and _stable(f_prev, complex(f_mp)):
                return verdict
            previous = (complex(d_mp), complex(f_mp))
            dps *= 2
        return verdict

    # --- definite -------------------------------------------------------------------------------
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

    def _prepare_definite(self) -> None:
        from scipy import integrate  # imported (untimed) by _prepare before the limit starts

        a = self._bound_value(self.problem.lower_graph)
        b = self._bound_value(self.problem.upper_graph)
        prog = self.program
        complex_seen = [False]

        def f_real(t: float) -> float:
            v = prog.eval_numpy(np.array([t]))[0][0]
            if not np.isfinite(v):
                cv = prog.eval_numpy(np.array([t], dtype=complex), complex_mode=True)[0][0]
                if np.isfinite(cv):
                    complex_seen[0] = True
                    return float(cv.real)
            return float(v)

        def f_imag(t: float) -> float:
            return float(prog.eval_numpy(np.array([t], dtype=complex), complex_mode=True)[0][0].imag)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            re_val, re_err, *info = integrate.quad(f_real, a, b, limit=200, epsabs=1e-13, epsrel=1e-11,
                                                   full_output=1)
            trouble = len(info) > 2  # a warning message was returned
            im_val, im_err = 0.0, 0.0
            if complex_seen[0]:
                im_val, im_err, *info2 = integrate.quad(f_imag, a, b, limit=200, epsabs=1e-13, epsrel=1e-11,
                                                        full_output=1)
                trouble = trouble or len(info2) > 2
        value = complex(re_val, im_val)
        err = float(re_err + im_err)
        if trouble or not np.isfinite(value):
            try:
                with mpmath.workdps(20):
                    mv = mpmath.quad(lambda t: prog.eval_mp(float(t), 20)[0], [a, b], maxdegree=8)
                value, err = complex(mv), max(err, 1e-8 * abs(complex(mv)))
            except (PointFailure, ValueError, ZeroDivisionError, OverflowError) as exc:
                if trouble:
                    raise VerifyError(f"the definite integral could not be computed reliably ({exc})",
                                      codes.PROBLEM_ERROR) from None
        if not np.isfinite(value):
            raise VerifyError("the definite integral does not converge to a finite value", codes.PROBLEM_ERROR)
        self.reference = value
        self.reference_error = err

    # --- answers --------------------------------------------------------------------------------
    def parse(self, answer: object) -> ParsedAnswer:
        """Parse an answer under this problem's vocabulary and the settings' limits."""
        s = self.settings
        if isinstance(answer, str) and len(answer) > s.max_input_chars:
            raise VerifyError(f"answer longer than {s.max_input_chars} characters", codes.TOO_LARGE)
        return parse_answer(answer, self.problem, prose=s.allow_prose, max_chars=s.max_answer_chars,
                            max_tokens=s.max_tokens, max_depth=s.max_depth, max_nodes=s.max_nodes,
                            max_digits=s.max_digits)

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
            res = _result(exc.code, exc.reason)
        except TimeLimitExceeded:
            res = _result(codes.TIMEOUT, f"the check took longer than {self.settings.timeout_s:g} s")
        except RecursionError:
            res = _result(codes.TOO_LARGE, "the expression is nested too deeply")
        except MemoryError:
            res = _result(codes.TOO_LARGE, "the expression needs too much memory")
        except Exception as exc:  # never crash the caller (an RL loop); report instead
            res = _result(codes.ERROR, f"internal error: {type(exc).__name__}: {str(exc)[:200]}")
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

    def _check_indefinite(self, parsed: ParsedAnswer) -> VerifyResult:
        s = self.settings
        if not parsed.depends_on_variable:
            value = self._constant_value(parsed)
            if value is None or not np.isfinite(value):
                return _result(codes.NON_FINITE, "the answer is not a finite number")
            if self.integrand_is_zero:
                return _result(codes.OK, "the integrand is 0 and the answer is a constant", points=len(self.xs))
            return _result(codes.CONSTANT, f"the answer is a constant ({_fmt(value)}), it does not depend on "
                                           f"{self.problem.variable_name}")
        prog = Program(parsed.graph, parsed.root, self.params, derivative=True)
        xs, f = self.xs, self.f
        n = len(xs)
        values = np.full(n, np.nan, dtype=complex)
        derivs = np.full(n, np.nan, dtype=complex)
        real_idx = np.flatnonzero(self.is_real)
        if real_idx.size:
            v, d = prog.eval_numpy(xs[real_idx])
            values[real_idx], derivs[real_idx] = v, d
        redo = np.flatnonzero(~(np.isfinite(values) & np.isfinite(derivs)))
        if redo.size:
            v, d = prog.eval_numpy(xs[redo].astype(complex), complex_mode=True)
            values[redo], derivs[redo] = v, d
        agree = close(derivs, f, s.rel_tol, self.abs_tol) & np.isfinite(values)
        passed = int(agree.sum())
        unusable = 0
        worst: tuple[float, int, complex, complex] | None = None
        with np.errstate(all="ignore"):
            rel = np.abs(derivs - f) / np.maximum(np.maximum(np.abs(derivs), np.abs(f)), 1e-300)
        max_error = float(np.nanmax(np.where(agree, rel, 0.0))) if passed else None
        failing = np.flatnonzero(~agree)
        failing = failing[np.argsort(-np.nan_to_num(rel[failing], nan=np.inf), kind="stable")]
        redone = np.zeros(n, dtype=bool)
        redone[redo] = True
        quick = LONGDOUBLE_USEFUL and prog.elementary and self.program.elementary
        for k in failing:  # re-check disagreements in high precision, the largest first
            if quick and self.is_real[k] and not redone[k]:
                confirmed = self._confirm_wrong_longdouble(prog, int(k), derivs[k].real)
                if confirmed is not None:
                    worst = (confirmed[0], int(k), confirmed[1], confirmed[2])
                    break
            verdict = self._recheck(prog, int(k), complex(derivs[k]))
            if verdict is None:
                unusable += 1
            elif verdict[0]:
                passed += 1
                max_error = verdict[1] if max_error is None else max(max_error, verdict[1])
            else:
                worst = (verdict[1], int(k), verdict[2], verdict[3])
                break
        if worst is not None:
            return self._classify_wrong(worst, values, derivs)
        if passed < s.min_points:
            if passed == 0 and not np.any(np.isfinite(values)):
                return _result(codes.NON_FINITE, "the answer has no finite value at the sample points")
            return _result(codes.NON_FINITE, f"the answer could be evaluated at only {passed} of {n} sample "
                                             f"points (need {s.min_points})", points=passed)
        return _result(codes.OK, f"the derivative of the answer matches the integrand at {passed} points",
                       points=passed, max_error=max_error)

    def _classify_wrong(self, worst: tuple, values: np.ndarray, derivs: np.ndarray) -> VerifyResult:
        err, k, d, f = worst
        var = self.problem.variable_name
        if is_echo(values, self.f, 1e-6, self.abs_tol):
            return _result(codes.ECHO_INTEGRAND, "the answer is the integrand itself, not its antiderivative",
                           max_error=err)
        if is_numerically_constant(derivs, self.abs_tol) and not self.integrand_is_zero:
            return _result(codes.CONSTANT, f"the answer does not vary with {var} (its derivative is 0)",
                           max_error=err)
        return _result(codes.WRONG, f"d/d{var} of the answer is {_fmt(d)} but the integrand is {_fmt(f)} "
                                    f"at {var} = {float(self.xs[k]):.6g}", max_error=err)

    def _check_definite(self, parsed: ParsedAnswer) -> VerifyResult:
        s = self.settings
        if parsed.depends_on_variable:
            return _result(codes.NOT_CONSTANT, f"a definite integral needs a number, the answer depends on "
                                               f"{self.problem.variable_name}")
        value = self._constant_value(parsed)
        if value is None or not np.isfinite(value):
            return _result(codes.NON_FINITE, "the answer is not a finite number")
        ref = self.reference
        assert ref is not None
        tol = max(s.definite_rel_tol * abs(ref), s.abs_tol, 10 * self.reference_error)
        err = abs(value - ref)
        rel = err / abs(ref) if ref else err
        if err <= tol:
            return _result(codes.OK, f"the value {_fmt(value)} matches the integral {_fmt(ref)}", points=1,
                           max_error=rel)
        return _result(codes.WRONG, f"the answer is {_fmt(value)} but the integral is {_fmt(ref)}",
                       max_error=rel)


# ----------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------
def _settings_key(settings: VerifySettings) -> str:
    return settings.model_dump_json()


@functools.lru_cache(maxsize=256)
def _prepared_cached(text: str, variable: str | None, settings_key: str) -> PreparedProblem:
    settings = VerifySettings.model_validate_json(settings_key)
    return _prepare(to_problem(text, variable), settings)


def _prepare(problem: IntegralProblem, settings: VerifySettings) -> PreparedProblem:
    if problem.is_definite:
        import scipy.integrate  # noqa: F401  (a slow first import must not run under the time limit)
    with time_limit(max(settings.timeout_s, 1.0) * 2):
        return PreparedProblem(problem, settings)


def prepare_problem(problem: Any, settings: VerifySettings | None = None,
                    variable: str | None = None) -> PreparedProblem:
    """Parse and compile a problem once (raises ``VerifyError`` with code ``problem_error`` and friends)."""
    settings = settings or VerifySettings()
    try:
        if isinstance(problem, str):
            return _prepared_cached(problem, variable, _settings_key(settings))
        return _prepare(to_problem(problem, variable), settings)
    except TimeLimitExceeded:
        raise VerifyError("preparing the problem timed out", codes.PROBLEM_ERROR) from None
    except VerifyError as exc:
        if exc.code in (codes.PARSE_ERROR, codes.NOT_MATH, codes.FOREIGN_SYMBOL, codes.UNEVALUATED_INTEGRAL,
                        codes.UNEVALUATED, codes.NON_FINITE, codes.STEP_FUNCTION):
            raise VerifyError(f"cannot use the problem: {exc.reason}", codes.PROBLEM_ERROR) from None
        raise


def _problem_failure(exc: BaseException) -> VerifyResult:
    if isinstance(exc, VerifyError):
        return _result(exc.code, exc.reason)
    return _result(codes.PROBLEM_ERROR, f"cannot use the problem: {type(exc).__name__}: {str(exc)[:200]}")


def verify_integral(problem: Any, answer: object, settings: VerifySettings | None = None, *,
                    variable: str | None = None) -> VerifyResult:
    """Check one answer to one integration problem (text, mapping, SymPy or ``IntegralProblem``)."""
    return verify_batch(problem, [answer], settings, variable=variable)[0]


def verify_batch(problem: Any, answers: Iterable[object], settings: VerifySettings | None = None, *,
                 variable: str | None = None) -> list[VerifyResult]:
    """Check many answers to one problem; the problem is parsed, compiled and sampled once."""
    answers = list(answers)
    settings = settings or VerifySettings()
    try:
        prepared = prepare_problem(problem, settings, variable)
    except Exception as exc:  # a bad problem fails every answer, it never raises
        failure = _problem_failure(exc)
        return [VerifyResult(**{**failure.to_dict()}) for _ in answers]
    return [prepared.check(a) for a in answers]
