"""Rewards of both roles from sandbox verdicts (pure functions, no model, no sandbox).

For one problem: programs ``s_1..s_m`` (generator samples), each with its verdicts on the problem's own tests,
and the discriminator's extracted tests ``t_1..t_n``, each with a verdict against the reference solution and
against every program. A test is *valid* when it calls the function and the reference passes it.

* generator (the seed's "test pass rate"): tests passed / tests run over the problem's own tests plus the valid
  adversarial tests; both parts are reported (``own_pass_rate``, ``adversarial_pass_rate``);
* discriminator, the seed's: ``(1 - generator pass rate on its valid tests) * test_validity`` with
  ``test_validity`` = valid / all its tests (no valid test: reward 0);
* discriminator, CURE's (Wang et al. 2025, "Co-Evolving LLM Coder and Unit Tester via RL"): with the programs
  that pass the problem's own tests as the correct ones, a test that the reference and every correct program
  pass earns the share of wrong programs it fails; any other test loses the share of wrong programs it passes
  (``-sum (1-I_l) B_lk + prod_l (I_l B_lk + 1 - I_l) * sum (1-I_l)``, divided by the number of wrong programs);
  the answer's reward is the mean over its tests. No wrong program: 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class TestRecord:
    """One adversarial test: its text, whether it calls the function, its verdict on the reference and on each
    program."""

    __test__ = False

    test: str
    calls_function: bool
    reference: str
    programs: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """Calls the function and the reference passes it."""
        return self.calls_function and self.reference == "passed"


@dataclass
class ProgramRecord:
    """One generator program: its verdicts on the problem's own tests."""

    own: list[str]

    @property
    def correct(self) -> bool:
        """Every own test passed."""
        return bool(self.own) and all(v == "passed" for v in self.own)


def validity_of(tests: Sequence[TestRecord]) -> float:
    """Share of the tests that are valid (0 with no tests)."""
    return sum(t.valid for t in tests) / len(tests) if tests else 0.0


def generator_rewards(programs: Sequence[ProgramRecord], tests: Sequence[TestRecord]) -> list[dict[str, float]]:
    """Per program: ``reward`` (pass rate over own + valid adversarial tests), ``own_pass_rate``,
    ``adversarial_pass_rate`` (None-free: 1.0 when there is no valid test) and the counts."""
    valid = [t for t in tests if t.valid]
    out = []
    for i, p in enumerate(programs):
        own = sum(v == "passed" for v in p.own)
        adv = sum(t.programs[i] == "passed" for t in valid)
        total = len(p.own) + len(valid)
        out.append({"reward": (own + adv) / total if total else 0.0,
                    "own_pass_rate": own / len(p.own) if p.own else 0.0,
                    "adversarial_pass_rate": adv / len(valid) if valid else 1.0,
                    "own_tests": len(p.own), "valid_tests": len(valid)})
    return out


def break_rate(tests: Sequence[TestRecord]) -> float | None:
    """Share of (valid test, program) pairs where the program fails the test; None with no valid test."""
    pairs = [v for t in tests if t.valid for v in t.programs]
    return sum(v != "passed" for v in pairs) / len(pairs) if pairs else None


def seed_discriminator_reward(tests: Sequence[TestRecord], n_programs: int) -> float:
    """``(1 - generator pass rate on the valid tests) * test_validity`` (the seed's reward)."""
    valid = [t for t in tests if t.valid]
    if not valid or n_programs == 0:
        return 0.0
    passed = sum(v == "passed" for t in valid for v in t.programs) / (len(valid) * n_programs)
    return (1.0 - passed) * validity_of(tests)


def cure_test_reward(test: TestRecord, programs: Sequence[ProgramRecord]) -> float:
    """CURE's reward of one test, as a share of the wrong programs (see the module docstring)."""
    wrong = [i for i, p in enumerate(programs) if not p.correct]
    if not wrong:
        return 0.0
    right = [i for i, p in enumerate(programs) if p.correct]
    precise = test.valid and all(test.programs[i] == "passed" for i in right)
    if precise:
        return sum(test.programs[i] != "passed" for i in wrong) / len(wrong)
    return -sum(test.programs[i] == "passed" for i in wrong) / len(wrong)


def cure_discriminator_reward(tests: Sequence[TestRecord], programs: Sequence[ProgramRecord]) -> float:
    """Mean CURE test reward over the answer's tests (0 with no tests)."""
    return sum(cure_test_reward(t, programs) for t in tests) / len(tests) if tests else 0.0
