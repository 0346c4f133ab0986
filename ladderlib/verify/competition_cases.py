"""Hand-checked Integration-Bee style cases, one group per way competition problems break a verifier.

Each case is a problem, an answer and the verdict the verifier must give. The expected values were
derived by hand and are re-checked independently by the tests (SymPy derivatives and mpmath quadrature
at 30 digits, ``tests/test_verify_competition.py``); ``bench/verify_bench.py`` reports accepted and
rejected counts per group.

Groups: ``improper`` (infinite ranges with the mass far from 0, oscillating tails), ``zero``
(integrands that are identically 0), ``series`` (sums, products, binomials and other special functions
competitions use), ``invisible`` (wrong answers whose extra terms hide from double precision) and
``code`` (answers written as program code).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ladderlib.verify import codes


@dataclass(frozen=True)
class Case:
    """One problem/answer pair and the verdict it must get."""

    group: str
    problem: Any  # integrand text, or {"integrand", "lower", "upper"} for a definite integral
    answer: str
    code: str  # the expected result code (``ok`` for a correct answer)

    @property
    def correct(self) -> bool:
        """True when the answer must be accepted."""
        return self.code == codes.OK


def _definite(integrand: str, lower: str, upper: str) -> dict[str, str]:
    return {"integrand": integrand, "lower": lower, "upper": upper}


_OK, _WRONG = codes.OK, codes.WRONG
_GAUSS_FAR = _definite("exp(-(x-50)**2)", "-oo", "oo")

CASES: tuple[Case, ...] = (
    # --- improper integrals whose mass is far from the origin -------------------------------------
    Case("improper", _GAUSS_FAR, "sqrt(pi)", _OK),
    Case("improper", _GAUSS_FAR, "0", _WRONG),
    Case("improper", _definite("exp(-(x+80)**2)", "-oo", "oo"), "sqrt(pi)", _OK),
    Case("improper", _definite("exp(-(x-50)**2)", "0", "oo"), "sqrt(pi)", _OK),
    Case("improper", _definite("exp(-(x+60)**2)", "-oo", "-60"), "sqrt(pi)/2", _OK),
    Case("improper", _definite("exp(-(x+60)**2)", "-oo", "-60"), "sqrt(pi)", _WRONG),
    Case("improper", _definite("exp(-(x-1000)**2/2)", "-oo", "oo"), "sqrt(2*pi)", _OK),
    Case("improper", _definite("exp(-(x-40)**2) + exp(-(x+70)**2)", "-oo", "oo"), "2*sqrt(pi)", _OK),
    Case("improper", _definite("exp(-(x-40)**2) + exp(-(x+70)**2)", "-oo", "oo"), "sqrt(pi)", _WRONG),
    Case("improper", _definite("x*exp(-x/100)", "0", "oo"), "10000", _OK),
    Case("improper", _definite("1/(1 + (x-300)**2)", "-oo", "oo"), "pi", _OK),
    Case("improper", _definite("sin(x)/x", "0", "oo"), "pi/2", _OK),
    Case("improper", _definite("sin(x)/x", "0", "oo"), "1.5707", _WRONG),
    Case("improper", _definite("x**3/(exp(x) - 1)", "0", "oo"), "pi**4/15", _OK),
    Case("improper", _definite("1/x", "1", "oo"), "100", codes.PROBLEM_ERROR),  # diverges
    Case("improper", _definite("exp(-(x-10**6)**2)", "-oo", "oo"), "0", codes.PROBLEM_ERROR),  # unseen peak
    # --- integrands that are identically zero -------------------------------------------------------
    Case("zero", "sin(x)**2 + cos(x)**2 - 1", "5", _OK),
    Case("zero", "sin(x)**2 + cos(x)**2 - 1", "C", _OK),
    Case("zero", "sin(x)**2 + cos(x)**2 - 1", "sin(x)**2 + cos(x)**2", _OK),
    Case("zero", "sin(x)**2 + cos(x)**2 - 1", "x", _WRONG),
    Case("zero", "sin(x)**2 + cos(x)**2 - 1", "1e-7*x", _WRONG),
    Case("zero", "sin(x)**2 + cos(x)**2 - 1", "sin(x)", _WRONG),
    Case("zero", "log(x**2) - 2*log(x)", "3", _OK),
    Case("zero", "log(x**2) - 2*log(x)", "x", _WRONG),
    Case("zero", "cosh(x)**2 - sinh(x)**2 - 1", "-2/7", _OK),
    Case("zero", "cosh(x)**2 - sinh(x)**2 - 1", "x**2", _WRONG),
    Case("zero", "1e-10*x", "5", codes.CONSTANT),  # tiny is not zero
    Case("zero", "1e-10*x", "5e-11*x**2", _OK),
    # --- sums, products, binomials and special functions --------------------------------------------
    Case("series", "Sum(x**n/factorial(n), (n, 0, oo))", "exp(x)", _OK),
    Case("series", "Sum(x**n/factorial(n), (n, 0, oo))", "exp(x) + x", _WRONG),
    Case("series", r"\sum_{n=0}^{\infty} \frac{x^n}{n!}", "e^x + C", _OK),
    Case("series", "Sum((-1)**n*x**(2*n+1)/factorial(2*n+1), (n, 0, oo))", "-cos(x)", _OK),
    Case("series", "Sum((-1)**n*x**(2*n+1)/factorial(2*n+1), (n, 0, oo))", "cos(x)", _WRONG),
    Case("series", "Product(1 + x**(2**k), (k, 0, oo))", "-log(1 - x)", _OK),
    Case("series", "Product(1 + x**(2**k), (k, 0, oo))", "log(1 - x)", _WRONG),
    Case("series", "Sum(k*x**k, (k, 1, 4))", "x**2/2 + 2*x**3/3 + 3*x**4/4 + 4*x**5/5", _OK),
    Case("series", "x*Sum(1/n**2, (n, 1, oo))", "pi**2*x**2/12", _OK),
    Case("series", "x*Sum(1/n**2, (n, 1, oo))", "x**2", _WRONG),
    Case("series", "x*Sum(1/n, (n, 1, oo))", "x**2", codes.PROBLEM_ERROR),  # diverges
    Case("series", "exp(x)", "Sum(x**n/factorial(n), (n, 0, oo))", codes.UNEVALUATED),
    Case("series", "binomial(6, 3)*x**2", "20*x**3/3", _OK),
    Case("series", r"\binom{6}{3} x^2", r"\frac{20 x^3}{3}", _OK),
    Case("series", "binomial(6, 3)*x**2", "6*x**3", _WRONG),
    Case("series", "gamma(x)*digamma(x)", "gamma(x)", _OK),
    Case("series", "erf(x)", "x*erf(x) + exp(-x**2)/sqrt(pi)", _OK),
    Case("series", "erf(x)", "x*erf(x)", _WRONG),
    Case("series", "zeta(3)*x", "zeta(3)*x**2/2", _OK),
    Case("series", _definite("x**2/(exp(x) - 1)", "0", "oo"), "2*zeta(3)", _OK),
    Case("series", _definite("x**2/(exp(x) - 1)", "0", "oo"), "zeta(3)", _WRONG),
    Case("series", _definite("-log(1 - x)/x", "0", "1"), "polylog(2, 1)", _OK),
    Case("series", "polylog(2, x)/x", "polylog(3, x)", _OK),
    Case("series", "floor(x)", "x*floor(x) - floor(x)*(floor(x) + 1)/2", _OK),
    Case("series", r"\lfloor x \rfloor", r"x\lfloor x\rfloor - \frac{\lfloor x\rfloor(\lfloor x\rfloor+1)}{2}", _OK),
    Case("series", "floor(x)", "x*floor(x)", _WRONG),  # jumps at every integer
    Case("series", "frac(x)", "x**2/2 - x*floor(x) + floor(x)*(floor(x) + 1)/2", _OK),
    Case("series", "frac(x)", "x**2/2 - x*floor(x)", _WRONG),
    Case("series", _definite("floor(x)", "0", "3"), "3", _OK),
    Case("series", _definite("frac(x)", "0", "5/2"), "9/8", _OK),
    Case("series", "Abs(x)", "x*Abs(x)/2", _OK),
    Case("series", "Abs(x)", "x**2*sign(x)/2", _OK),
    Case("series", _definite("Abs(x)", "-1", "2"), "5/2", _OK),
    Case("series", "sign(x)", "Abs(x)", _OK),
    Case("series", "sign(x)", "x", _WRONG),
    Case("series", "x", "x**2/2 + frac(x)", codes.STEP_FUNCTION),
    Case("series", "besselj(0, x)", "x", codes.PROBLEM_ERROR),  # unknown function: no verdict
    # --- wrong answers whose extra terms hide from double precision ---------------------------------
    Case("invisible", "x", "x**2/2 + 1e-30*x**40", _WRONG),
    Case("invisible", "x", "x**2/2 + 1e-60*x**40", _WRONG),
    Case("invisible", "x", "x**2/2 + x**40/10**60", _WRONG),
    Case("invisible", "x", "x**2/2 + 1e-12*exp(x)", _WRONG),
    Case("invisible", "x", "x**2/2 + 10**(-300)*x", _WRONG),
    Case("invisible", "x", "x**2/2 + 10**(-5000)*x", codes.TOO_LARGE),
    Case("invisible", "cos(x)", "sin(x) + sin(pi*x)/10**12", _WRONG),
    Case("invisible", "cos(x)", "sin(x) + 1e-12*sin(pi*x)", _WRONG),
    Case("invisible", "x", "x**2/2 + 1e-30", _OK),  # a constant changes nothing
    Case("invisible", "x + 4e-29*x**39", "x**2/2 + 1e-30*x**40", _OK),  # the tiny term is needed
    Case("invisible", "x**2", "0.333333333333*x**3", _OK),  # decimals within their rounding
    Case("invisible", "x**2", "0.3333333333*x**3 + 1e-11*x", _WRONG),
    Case("invisible", "exp(-x**2)", "0.88622692545275801*erf(x)", _OK),
    # --- answers written as code ---------------------------------------------------------------------
    Case("code", "x", "x if x > 0 else -x", codes.NOT_MATH),
    Case("code", "x", "x**2/2 if x >= 0 else x**2/2", codes.NOT_MATH),
    Case("code", "x", "lambda x: x**2/2", codes.NOT_MATH),
    Case("code", "x", "def F(x): return x**2/2", codes.NOT_MATH),
    Case("code", "x", "return x**2/2", codes.NOT_MATH),
    Case("code", "cos(x)", "np.sin(x)", codes.NOT_MATH),
    Case("code", "exp(x)", "math.exp(x)", codes.NOT_MATH),
    Case("code", "x", "x > 0 ? x**2/2 : x**2/2", codes.NOT_MATH),
    Case("code", "x", "sum(x**2/2 for k in range(1))", codes.NOT_MATH),
    Case("code", r"e^{\lambda x}", r"\frac{e^{\lambda x}}{\lambda}", _OK),  # \lambda is a letter, not code
)

GROUPS: tuple[str, ...] = ("improper", "zero", "series", "invisible", "code")
