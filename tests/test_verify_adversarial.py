"""Reward-hacking and hostile answers: none may be accepted, hang or crash, and each says why."""

from __future__ import annotations

import time

import pytest

from ladderlib.verify import VerifySettings, codes, verify_batch, verify_integral

PROBLEM = "x**2"  # true antiderivative x^3/3
WALL_LIMIT_S = 10.0  # generous: every one of these returns in well under a second

ADVERSARIAL: list[tuple[str, str, str]] = [
    # (description, answer, expected code)
    ("unevaluated Integral", "Integral(x**2, x)", codes.UNEVALUATED_INTEGRAL),
    ("LaTeX integral sign", r"\int x^2 \, dx", codes.UNEVALUATED_INTEGRAL),
    ("unicode integral sign", "∫ x² dx", codes.UNEVALUATED_INTEGRAL),
    ("integrate call", "integrate(x**2, x)", codes.UNEVALUATED_INTEGRAL),
    ("hidden integral", "x**3/3 + 0*Integral(x, x)", codes.UNEVALUATED_INTEGRAL),
    ("unevaluated derivative", "Derivative(x**3/3, x)", codes.UNEVALUATED),
    ("echo the integrand", "x**2", codes.ECHO_INTEGRAND),
    ("echo in LaTeX with +C", r"\boxed{x^{2} + C}", codes.ECHO_INTEGRAND),
    ("bare constant", "42", codes.CONSTANT),
    ("only the constant", "C", codes.CONSTANT),
    ("constant in disguise", "sin(x)**2 + cos(x)**2", codes.CONSTANT),
    ("zoo", "zoo", codes.NON_FINITE),
    ("infinity", "oo", codes.NON_FINITE),
    ("nan", "nan", codes.NON_FINITE),
    ("division by zero", "1/0", codes.NON_FINITE),
    ("log of zero", "x**3/3 + log(0)", codes.NON_FINITE),
    ("huge tower", "x**(10**10**10)", codes.NON_FINITE),
    ("huge factorial", "factorial(10**9)", codes.NON_FINITE),
    ("foreign symbol", "x**3/3 + y", codes.FOREIGN_SYMBOL),
    ("undefined function", "x**3/3 + f(x)", codes.FOREIGN_SYMBOL),
    ("constant used inside", "x**3/3 + C*x", codes.FOREIGN_SYMBOL),
    ("sign step", "x**3/3 + sign(x)", codes.STEP_FUNCTION),
    ("floor step", "floor(x) + x**3/3", codes.STEP_FUNCTION),
    ("Heaviside", "Heaviside(x)*x**3/3", codes.STEP_FUNCTION),
    ("Piecewise", "Piecewise((x**3/3, x > 0), (0, True))", codes.STEP_FUNCTION),
    ("Max", "Max(x**3/3, -1000)", codes.STEP_FUNCTION),
    ("LaTeX floor via fallback parser", r"\frac{x^3}{3} + \lfloor x \rfloor", codes.STEP_FUNCTION),
    ("python import", "__import__('os').system('echo hacked')", codes.NOT_MATH),
    ("lambda", "lambda: x**3/3", codes.NOT_MATH),
    ("shell", "x; rm -rf /", codes.NOT_MATH),
    ("eval call", "eval('x**3/3')", codes.NOT_MATH),
    ("prose without math", "The answer is left as an exercise.", codes.NOT_MATH),
    ("empty", "", codes.NOT_MATH),
    ("empty box", r"\boxed{}", codes.NOT_MATH),
    ("dangling operator", "x^3/3 +", codes.PARSE_ERROR),
    ("doubled operator", "x^^3/3", codes.PARSE_ERROR),
    ("unbalanced", "((x^3)/3", codes.PARSE_ERROR),
    ("huge literal", "9" * 100 + "*x**3", codes.TOO_LARGE),
    ("deep nesting", "(" * 300 + "x" + ")" * 300, codes.TOO_LARGE),
    ("very long", "x+" * 6000 + "x", codes.TOO_LARGE),
    ("megabyte of junk", "a" * 200_000, codes.TOO_LARGE),
    ("tiny additive error", "x^3/3 + 0.001*x", codes.WRONG),
    ("scientific-notation trick", "x^3/3 + 1e-12*x", codes.WRONG),
    ("scaled by 1.00001", "1.00001*x^3/3", codes.WRONG),
    ("close decimal", "0.3333*x^3", codes.WRONG),
    ("overflow tower", "exp(exp(exp(exp(x))))", codes.WRONG),
]


def test_there_are_enough_cases() -> None:
    assert len(ADVERSARIAL) >= 25


@pytest.mark.parametrize("description, answer, code", ADVERSARIAL, ids=[d for d, _, _ in ADVERSARIAL])
def test_adversarial_answer(description: str, answer: str, code: str) -> None:
    start = time.perf_counter()
    res = verify_integral(PROBLEM, answer)
    elapsed = time.perf_counter() - start
    assert elapsed < WALL_LIMIT_S, f"{description} took {elapsed:.1f} s"
    assert not res.correct, f"{description} was accepted"
    assert res.code == code, f"{description}: {res.code} ({res.reason})"
    assert res.reason and len(res.reason) > 10


def test_batch_of_adversarial_answers_with_the_true_one() -> None:
    answers = [a for _, a, _ in ADVERSARIAL] + ["x^3/3 + C"]
    start = time.perf_counter()
    results = verify_batch(PROBLEM, answers)
    assert time.perf_counter() - start < 30
    assert [r.correct for r in results] == [False] * len(ADVERSARIAL) + [True]


def test_step_function_allowed_when_the_problem_has_it() -> None:
    assert verify_integral("sign(x)", "abs(x)").correct
    assert verify_integral("x*sign(x)", "x**2*sign(x)/2").correct


def test_abs_alone_cannot_fake_a_wrong_answer() -> None:
    # |x|^3/3 has derivative x|x|, not x^2
    assert verify_integral("x**2", "abs(x)**3/3").code == codes.WRONG


def test_tiny_integrand_cannot_be_matched_by_anything_small() -> None:
    # integrand ~1e-15 at |x| ~ 10: an absolute tolerance must not let 1.1*F or 0 slip through
    F = "-1/(2*x**2)"
    assert verify_integral("x**(-3)", F).correct
    assert not verify_integral("x**(-3)", f"1.1*({F})").correct
    assert not verify_integral("x**(-3)", "1e-30*x").correct


def test_slow_special_function_cannot_hang() -> None:
    settings = VerifySettings(timeout_s=3)
    start = time.perf_counter()
    res = verify_integral("x", "elliptic_pi(I*x, asin(x + I), 2 + 3*I)", settings)
    assert time.perf_counter() - start < 3 + 2
    assert not res.correct
