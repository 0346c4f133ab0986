"""The generator's five reasoning stages (seed 003) and their prompts, and the discriminator's prompt.

Each stage's prompt holds the problem and every earlier stage's text, then asks for the next stage; stage 5
asks for the whole function in one fenced block. The discriminator sees the problem and the signature only
(never the reference, never the generator's code) and is asked for ``assert`` lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ladderlib.models.generation import Chat
from ladderlib.tasks.code import CodeProblem, problem_statement


@dataclass(frozen=True)
class ReasoningStage:
    """One stage: its number (1-5), name and what the generator is asked to write."""

    number: int
    name: str
    instruction: str


REASONING_STAGES: tuple[ReasoningStage, ...] = (
    ReasoningStage(1, "informal", "Stage 1, informal reasoning: say briefly what the function must do and "
                                  "how."),
    ReasoningStage(2, "structured", "Stage 2, structured reasoning: list the steps and the edge cases."),
    ReasoningStage(3, "pseudocode", "Stage 3, pseudocode: write the algorithm as short pseudocode."),
    ReasoningStage(4, "constraints", "Stage 4, constraints and invariants: state the input constraints, "
                                     "invariants and complexity."),
    ReasoningStage(5, "code", "Stage 5, code: write the complete Python function, with its imports, in "
                              "one ```python block, without examples."),
)
CODE_STAGE = 5

GENERATOR_SYSTEM = "You are an expert Python programmer. Reason in stages; answer only the stage asked for."
DISCRIMINATOR_SYSTEM = "You are a software tester: your tests pass correct code and fail subtly wrong code."


def stage(number: int) -> ReasoningStage:
    """The stage with this number (1-5)."""
    if not 1 <= number <= len(REASONING_STAGES):
        raise ValueError(f"stage must be 1-{len(REASONING_STAGES)}, got {number}")
    return REASONING_STAGES[number - 1]


def generator_prompt(problem: CodeProblem, number: int, previous: Sequence[str]) -> Chat:
    """The prompt of stage ``number``: the problem, the texts of stages 1..number-1, then this stage's request."""
    if len(previous) != number - 1:
        raise ValueError(f"stage {number} needs the text of {number - 1} earlier stages, got {len(previous)}")
    parts = [problem_statement(problem)]
    for s, text in zip(REASONING_STAGES, previous, strict=False):
        parts.append(f"{s.instruction.split(':')[0]}:\n{text.strip()}")
    parts.append(stage(number).instruction)
    return Chat("\n\n".join(parts), GENERATOR_SYSTEM)


def discriminator_prompt(problem: CodeProblem, max_tests: int) -> Chat:
    """The test writer's prompt: the problem and signature, asking for up to ``max_tests`` asserts."""
    return Chat(f"{problem_statement(problem)}\n\nWrite up to {max_tests} tests, one `assert "
                f"{problem.entry_point}(...) == expected` per line, in a ```python block; include edge cases.",
                DISCRIMINATOR_SYSTEM)


def answer_opening(problem: CodeProblem) -> str:
    """How the discriminator's answer opens (given to the model): a fence and the first ``assert f(``."""
    return f"```python\nassert {problem.entry_point}("


def training_stage_meaning(number: int) -> str:
    """What training stage ``number`` means in this system (logged, and stored in every checkpoint)."""
    s = stage(number)
    given = f"stages 1-{number - 1} are given as context (sampled from the current generator, not updated)" \
        if number > 1 else "no stage is given"
    after = f"; stages {number + 1}-5 are written by the same generator to reach code, not updated" \
        if number < CODE_STAGE else ""
    return (f"training stage {number} ({s.name}): the generator writes all five stages; PPO updates only its "
            f"stage-{number} text, with the problem and earlier stages as the query; {given}{after}; the reward "
            "is the pass rate of the final code. The discriminator writes tests for the same problems and is "
            "rewarded against that code.")
