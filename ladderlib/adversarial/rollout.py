"""One round of play: the generator writes its five-stage chains, the discriminator writes tests, the sandbox
runs everything at once, and the rewards of both roles are read from the verdicts.

Sandbox jobs of a round (one ``run_many``, one sandbox start per program): each problem's reference against
the discriminator's tests; each program against the problem's own tests; each program against the
discriminator's tests. Every extracted assert is run (those that do not call the function are invalid by rule
whatever their verdict), so CURE's reward sees every test.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ladderlib.adversarial.rewards import (
    ProgramRecord,
    TestRecord,
    break_rate,
    cure_discriminator_reward,
    generator_rewards,
    seed_discriminator_reward,
    validity_of,
)
from ladderlib.adversarial.stages import (
    CODE_STAGE,
    REASONING_STAGES,
    answer_opening,
    discriminator_prompt,
    generator_prompt,
)
from ladderlib.config.sandbox import SandboxSettings
from ladderlib.models.generation import Chat, Rendered, Sampling, mix_seed
from ladderlib.tasks.code import CodeProblem
from ladderlib.tasks.code_extract import ExtractedCode, extract_asserts, extract_code


@dataclass
class Budgets:
    """Token budgets and sampling of one round (``temperature`` 0: greedy)."""

    stage_tokens: int
    code_tokens: int
    tests_tokens: int
    max_tests: int
    temperature: float = 0.0
    top_p: float = 1.0

    def sampling(self, tokens: int, seed: int | None) -> Sampling:
        """Decoding settings of one call."""
        return Sampling(max_new_tokens=tokens, temperature=self.temperature, top_p=self.top_p, seed=seed)


@dataclass
class Chain:
    """One generator rollout: the prompt and text of each stage, whether each ended by itself, the program."""

    problem_id: str
    prompts: list[Chat] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    finished: list[bool] = field(default_factory=list)
    tokens: list[int] = field(default_factory=list)  # generated tokens per stage
    program: ExtractedCode | None = None


@dataclass
class TestAnswer:
    """One discriminator answer: its prompt (rendered, ending in the answer's opening ``answer_opening``), the
    model's continuation ``response``, the whole ``text`` (prefix + response) and the asserts read from it."""

    __test__ = False  # not a pytest test class

    problem_id: str
    prompt: Rendered
    response: str
    text: str
    finished: bool
    tests: list[tuple[str, bool]]  # (assert, calls the function)
    over_limit: int = 0


def _seed(seed: int | None, index: int) -> int | None:
    return None if seed is None else mix_seed(seed, index)


def write_chains(engine: Any, problems: Sequence[CodeProblem], budgets: Budgets, *, samples: int = 1,
                 seed: int | None = None, upto: int = CODE_STAGE) -> list[Chain]:
    """``samples`` chains per problem (problem-major order), stage by stage in one batched call per stage."""
    chains = [Chain(p.id) for p in problems for _ in range(samples)]
    owners = [p for p in problems for _ in range(samples)]
    for s in REASONING_STAGES[:upto]:
        prompts = [generator_prompt(p, s.number, c.texts) for p, c in zip(owners, chains, strict=True)]
        tokens = budgets.code_tokens if s.number == CODE_STAGE else budgets.stage_tokens
        done = engine.complete(prompts, budgets.sampling(tokens, _seed(seed, s.number)))
        for c, prompt, comp in zip(chains, prompts, done, strict=True):
            c.prompts.append(prompt)
            c.texts.append(comp.text)
            c.finished.append(comp.n_tokens < tokens)
            c.tokens.append(comp.n_tokens)
    for c, p in zip(chains, owners, strict=True):
        c.program = extract_code(c.texts[-1], p.entry_point, p.signature)
    return chains


def write_tests(engine: Any, problems: Sequence[CodeProblem], budgets: Budgets, *,
                seed: int | None = None) -> list[TestAnswer]:
    """One discriminator answer per problem, with its asserts read out (``budgets.max_tests`` at most).

    The answer is opened for the model with ``stages.answer_opening`` (a fence and ``assert f(``), so even a
    small model writes asserts rather than another implementation; PPO trains on the continuation only.
    """
    prefixes = [answer_opening(p) for p in problems]
    prompts = [Rendered(engine.render(discriminator_prompt(p, budgets.max_tests)) + pre)
               for p, pre in zip(problems, prefixes, strict=True)]
    done = engine.complete(prompts, budgets.sampling(budgets.tests_tokens, _seed(seed, 0)))
    answers = []
    for p, prompt, pre, comp in zip(problems, prompts, prefixes, done, strict=True):
        text = pre + comp.text
        found = extract_asserts(text, p.entry_point, budgets.max_tests)
        tests = [(t, True) for t in found.tests] + [(t, False) for t in found.not_calling]
        answers.append(TestAnswer(p.id, prompt, comp.text, text, comp.n_tokens < budgets.tests_tokens, tests,
                                  found.over_limit))
    return answers


@dataclass
class ProblemRound:
    """Everything one problem's round produced, with both roles' rewards."""

    problem: CodeProblem
    chains: list[Chain]
    answer: TestAnswer | None
    programs: list[ProgramRecord]
    tests: list[TestRecord]
    generator: list[dict[str, float]]
    seed_reward: float
    cure_reward: float

    @property
    def validity(self) -> float:
        """Share of the discriminator's tests that are valid."""
        return validity_of(self.tests)

    def to_row(self) -> dict[str, Any]:
        """A JSON-ready record (``rollouts.jsonl``, evaluation records)."""
        return {
            "problem_id": self.problem.id, "entry_point": self.problem.entry_point,
            "chains": [{"stages": c.texts, "finished": c.finished, "code": c.program.code if c.program else "",
                        "defines_entry": bool(c.program and c.program.defines_entry), "own": p.own,
                        **g} for c, p, g in zip(self.chains, self.programs, self.generator, strict=True)],
            "tests_text": self.answer.text if self.answer else None,
            "tests": [{"test": t.test, "calls_function": t.calls_function, "reference": t.reference,
                       "programs": t.programs, "valid": t.valid} for t in self.tests],
            "test_validity": self.validity, "break_rate": break_rate(self.tests),
            "discriminator_reward_seed": self.seed_reward, "discriminator_reward_cure": self.cure_reward,
        }


def score(problems: Sequence[CodeProblem], chains: Sequence[Chain], answers: Sequence[TestAnswer] | None,
          sandbox: SandboxSettings) -> list[ProblemRound]:
    """Run every program and test of a round in the sandbox and compute both roles' rewards per problem."""
    from ladderlib.sandbox import SandboxJob, run_many

    by_problem = {p.id: [c for c in chains if c.problem_id == p.id] for p in problems}
    answer_of = {a.problem_id: a for a in answers or []}
    jobs, slots = [], []
    for p in problems:
        answer = answer_of.get(p.id)
        tests = [t for t, _ in answer.tests] if answer else []
        if tests:
            jobs.append(SandboxJob(p.reference, tests))
            slots.append((p.id, "reference", -1))
        for i, c in enumerate(by_problem[p.id]):
            code = p.program(c.program.code if c.program else "")
            jobs.append(SandboxJob(code, p.tests, p.entry_point))
            slots.append((p.id, "own", i))
            if tests:
                jobs.append(SandboxJob(code, tests))
                slots.append((p.id, "adversarial", i))
    results = dict(zip(slots, run_many(jobs, sandbox), strict=True))
    rounds = []
    for p in problems:
        answer = answer_of.get(p.id)
        mine = by_problem[p.id]
        programs = [ProgramRecord([v.verdict for v in results[(p.id, "own", i)].tests]) for i in range(len(mine))]
        tests = []
        if answer and answer.tests:
            ref = results[(p.id, "reference", -1)].tests
            for j, (text, calls) in enumerate(answer.tests):
                tests.append(TestRecord(text, calls, ref[j].verdict,
                                        [results[(p.id, "adversarial", i)].tests[j].verdict for i in range(len(mine))]))
        rounds.append(ProblemRound(p, mine, answer, programs, tests, generator_rewards(programs, tests),
                                   seed_discriminator_reward(tests, len(mine)),
                                   cure_discriminator_reward(tests, programs)))
    return rounds


def verdict_counts(rounds: Sequence[ProblemRound]) -> dict[str, dict[str, int]]:
    """Sandbox verdicts counted by kind of run: own tests, adversarial tests on the reference and on programs."""
    out: dict[str, dict[str, int]] = {"own tests": {}, "tests vs reference": {}, "tests vs programs": {}}
    for r in rounds:
        for p in r.programs:
            for v in p.own:
                out["own tests"][v] = out["own tests"].get(v, 0) + 1
        for t in r.tests:
            out["tests vs reference"][t.reference] = out["tests vs reference"].get(t.reference, 0) + 1
            for v in t.programs:
                out["tests vs programs"][v] = out["tests vs programs"].get(v, 0) + 1
    return out
