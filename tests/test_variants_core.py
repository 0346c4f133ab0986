"""Variant building blocks: extraction from messy text, canonical/dedupe/trivial rules, rewrites, difficulty."""

from __future__ import annotations

import random
import time

import pytest
import sympy

from ladderlib.ladder.variants import canonical as C
from ladderlib.verify.fingerprint import canonical_key, normal_form
from ladderlib.config.variants import VariantSettings
from ladderlib.ladder.variants.difficulty import estimate_difficulty
from ladderlib.ladder.variants.extract import clean_candidate, extract_candidates, looks_like_math
from ladderlib.config.variants import HINTS, PERSONAS
from ladderlib.ladder.variants.prompts import build_prompt, persona_for, sample_hints, temperature_for
from ladderlib.ladder.variants.symbolic import EQUIVALENT, candidate_rewrites, symbolic_variants
from ladderlib.timeouts import call_with_timeout

x = sympy.Symbol("x")


# --- extraction --------------------------------------------------------------------------------

def test_extracts_tagged_variants_and_ignores_chatter():
    text = (
        "Sure! Here are easier ones, thinking like Euler:\n"
        "<variant>x*sin(x)</variant>\n<variant> sin(x) </variant>\n"
        "<VARIANT>$x^2 + 1$</VARIANT>\n<variant>cos(x) dx\nHope this helps! x**9 is fun."
    )
    assert extract_candidates(text) == ["x*sin(x)", "sin(x)", "x^2 + 1", "cos(x)"]


def test_extracts_integral_notation_and_latex():
    text = (
        "1. ∫ x sin(x) dx\n"
        r"2. \int \frac{\sin{x}}{x^{2}+1} \, dx" "\n"
        r"3) integrate e^x dx. Also $\int_0^1 \sqrt{x+1}\,dx$."
    )
    assert extract_candidates(text) == ["x sin(x)", "((sin(x))/(x**(2)+1))", "e^x", "sqrt(x+1)"]


def test_extracts_bare_formula_lines_but_not_prose():
    text = (
        "Variant 1: x*cos(x)\n- sin(x)**2\nI am ready to begin, Euler.\n"
        "f(x) = x**3 + 1\nThe answer is 42.\n  * `exp(2*x)`.\n2) x**2 sin x = something"
    )
    assert extract_candidates(text) == ["x*cos(x)", "sin(x)**2", "x**3 + 1", "exp(2*x)", "x**2 sin x"]


def test_extraction_handles_empty_and_garbage():
    assert extract_candidates("") == []
    assert extract_candidates("The following are 21,682 distinct expressions that have less than 21 digits:") == []
    assert extract_candidates("<variant></variant>") == []
    many = "\n".join(f"<variant>x**{i}*sin(x)</variant>" for i in range(50))
    assert len(extract_candidates(many, max_candidates=10)) == 10


def test_extraction_respects_the_variable():
    assert extract_candidates("∫ t*exp(t) dt", variable="t") == ["t*exp(t)"]
    assert looks_like_math("t*cos(t)", "t") and not looks_like_math("x*cos(x)", "t")


def test_clean_candidate():
    assert clean_candidate(r"\left(x \cdot \sin x\right) dx.") == "(x * sin x)"
    assert clean_candidate("y = x^2") == "x^2"
    assert clean_candidate("x^2 = 2x") == "x^2"


# --- canonical forms, validity, triviality ------------------------------------------------------

def test_canonical_key_identifies_rewritten_duplicates():
    key = lambda e: canonical_key(e, "x")  # noqa: E731
    assert key(x**2 * sympy.sin(x)) == key(sympy.sin(x) * x * x)
    assert key((x + 1) ** 2) == key(x**2 + 2 * x + 1)
    assert key(x / (x**2 + x)) == key(1 / (x + 1))
    assert key(sympy.sin(x) ** 2 + sympy.cos(x) ** 2) == key(sympy.Integer(1))
    assert key(2 * x * sympy.sin(x)) != key(x * sympy.sin(x))  # scaled copies are different problems


def test_trivial_rules():
    assert C.trivial_reason(sympy.Integer(5), "x") == C.TRIVIAL_CONSTANT
    assert C.trivial_reason(sympy.sin(2) + 1, "x") == C.TRIVIAL_CONSTANT
    assert C.trivial_reason(3 * x**4, "x") == C.TRIVIAL_MONOMIAL
    assert C.trivial_reason(sympy.sqrt(x) / 2, "x") == C.TRIVIAL_MONOMIAL
    assert C.trivial_reason(x, "x") == C.TRIVIAL_MONOMIAL
    assert C.trivial_reason(3 * x**4, "x", drop_monomials=False) is None
    assert C.trivial_reason(x**2 + 1, "x") is None
    assert C.trivial_reason(sympy.sin(x), "x") is None


def test_invalid_rules():
    y = sympy.Symbol("y")
    assert C.invalid_reason(x * y, "x") == C.EXTRA_SYMBOLS
    assert C.invalid_reason(sympy.Integral(x, x), "x") == C.INVALID
    assert C.invalid_reason(sympy.zoo * x, "x") == C.INVALID
    assert C.invalid_reason(sympy.I * x, "x") == C.INVALID
    assert C.invalid_reason(sympy.Eq(x, 1), "x") == C.INVALID
    big = sum(sympy.sin(k * x) for k in range(1, 40))
    assert C.invalid_reason(big, "x", max_ops=20) == C.TOO_LARGE
    assert C.invalid_reason(x * sympy.exp(x), "x", max_ops=20) is None
    assert C.invalid_reason(x, "x") is None  # a bare variable is trivial (monomial), not invalid
    assert C.invalid_reason(sympy.true, "x") == C.INVALID


def test_parse_candidate_goes_through_the_safe_parser():
    assert C.parse_candidate("x^2*sin(x)") == x**2 * sympy.sin(x)
    with pytest.raises(ValueError):
        C.parse_candidate("__import__('os').system('echo hi')")


# --- symbolic rewrites ---------------------------------------------------------------------------

def test_symbolic_rewrites_are_named_and_easier_ones_simplify():
    rewrites = candidate_rewrites(x**3 * sympy.exp(x**2) * sympy.cos(3 * x + 1))
    by_name = {}
    for r in rewrites:
        by_name.setdefault(r.name, []).append(r.expr)
    assert x**3 * sympy.exp(x**2) in by_name["remove_factor"]
    assert x**2 * sympy.exp(x**2) * sympy.cos(3 * x + 1) in by_name["lower_power"]
    assert x**3 * sympy.exp(x) * sympy.cos(3 * x + 1) in by_name["simplify_exponent"]
    assert x**3 * sympy.exp(x**2) * sympy.cos(x) in by_name["replace_inner_argument"]
    assert x**3 * sympy.exp(x**2) * sympy.cos(3 * x) in by_name["drop_term"]
    assert {"scale_integrand", "rescale_argument"} <= set(by_name)
    assert sympy.sin(x) ** 2 in {r.expr for r in candidate_rewrites(sympy.tan(x) ** 2) if r.name == "simpler_trig"}
    exprs = [r.expr for r in rewrites]
    assert len(exprs) == len(set(exprs))


def test_symbolic_order_is_seeded():
    e = x**2 * sympy.sin(x) + sympy.exp(3 * x)
    a = symbolic_variants(e, "x", random.Random(1))
    b = symbolic_variants(e, "x", random.Random(1))
    c = symbolic_variants(e, "x", random.Random(2))
    assert a == b and a != c and sorted(map(str, a)) == sorted(map(str, c))
    only_easier = symbolic_variants(e, "x", random.Random(1), equivalent_fraction=0.0)
    first_equiv = next(i for i, r in enumerate(only_easier) if r.kind == EQUIVALENT)
    assert all(r.kind == EQUIVALENT for r in only_easier[first_equiv:])


# --- difficulty, timeouts, prompts, settings -----------------------------------------------------

def test_difficulty_orders_a_ladder():
    ladder = [sympy.sin(x), x * sympy.sin(x), x**2 * sympy.sin(x), x**3 * sympy.exp(x**2) * sympy.cos(3 * x + 1)]
    scores = [estimate_difficulty(e)[0] for e in ladder]
    assert scores == sorted(scores) and len(set(scores)) == 4
    score, detail = estimate_difficulty(x**2 * sympy.sin(x))
    assert detail["solved"] and detail["steps"] >= 3 and detail["kinds"] == ["trig"]
    assert estimate_difficulty(x**2 * sympy.sin(x)) == (score, detail)  # repeatable (manualintegrate state reset)
    assert estimate_difficulty(sympy.exp(x**2))[1]["nonelementary"]
    assert estimate_difficulty(x**2 * sympy.sin(x), timeout_s=0)[1]["solved"] is None


def test_timeout_interrupts_and_returns_default():
    def spin():
        while True:
            pass
    t = time.monotonic()
    assert call_with_timeout(spin, 0.2, "late") == ("late", True)
    assert time.monotonic() - t < 2
    assert call_with_timeout(lambda: 7, 1.0, None) == (7, False)
    assert call_with_timeout(lambda: 7, 0, None) == (None, True)
    # nested: the inner limit fires, the outer call still completes
    assert call_with_timeout(lambda: call_with_timeout(spin, 0.1, "inner")[0], 2.0, "outer") == ("inner", False)


def test_timeout_counts_cpu_time_by_default_and_wall_time_on_request():
    # a call that waits without computing is not cut by the CPU clock (a busy machine delays work, it does not
    # make it longer), but is by the wall clock
    assert call_with_timeout(lambda: time.sleep(0.4) or "done", 0.2, "late") == ("done", False)
    assert call_with_timeout(lambda: time.sleep(0.4) or "done", 0.2, "late", clock="wall") == ("late", True)
    with pytest.raises(ValueError, match="unknown clock"):
        call_with_timeout(lambda: 1, 1.0, None, clock="gpu")


def test_prompts_cycle_personas_temperatures_and_sample_hints():
    temps = [0.8, 1.0, 1.2, 1.4]
    assert [temperature_for(i, temps) for i in range(6)] == [0.8, 1.0, 1.2, 1.4, 0.8, 1.0]
    assert persona_for(len(PERSONAS) + 1, PERSONAS) == PERSONAS[1]
    rng = random.Random(0)
    for _ in range(20):
        h = sample_hints(rng, HINTS, 3, 5)
        assert 3 <= len(h) <= 5 and len(set(h)) == len(h)
    p = build_prompt("x**2*sin(x)", "x", 3, PERSONAS[0], ["remove a factor"])
    assert "x**2*sin(x)" in p and "<variant>" in p and "remove a factor" in p and PERSONAS[0] in p


def test_settings_validate():
    s = VariantSettings()
    assert s.temperatures == [0.8, 1.0, 1.2, 1.4] and s.hints_per_prompt == (3, 5) and s.variant_source == "mixed"
    assert VariantSettings(hints_per_prompt=4).hints_per_prompt == (4, 4)
    for bad in ({"max_depth": 0}, {"variant_source": "llm"}, {"temperatures": []}, {"temperatures": [0]},
                {"hints_per_prompt": (5, 3)}, {"mixed_min_valid_rate": 1.5}, {"no_such_key": 1}, {"personas": [" "]}):
        with pytest.raises(ValueError):
            VariantSettings(**bad)


def test_canonical_key_separates_functions_that_agree_only_for_positive_x():
    assert canonical_key(sympy.Abs(x)) != canonical_key(x)
    assert canonical_key(sympy.sqrt(x**2)) != canonical_key(x)
    assert canonical_key(sympy.log(x)) != canonical_key(sympy.log(sympy.Abs(x)))
    assert canonical_key(1 / x) == canonical_key(x / x**2)
    assert C.is_numerically_constant(sympy.sin(x) ** 2 + sympy.cos(x) ** 2, "x")
    assert not C.is_numerically_constant(sympy.sin(x), "x")
