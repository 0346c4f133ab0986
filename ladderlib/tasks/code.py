"""The ``code`` task: write a Python function; graded by running the problem's own tests in the sandbox.

Rows come in three shapes, all read into one :class:`CodeProblem`:

* MBPP (run folder ``mbpp_train`` / ``mbpp_validation`` / ``mbpp_test``): ``id, text, code, test_setup_code,
  test_list``; the entry point is the reference's function that the first test calls, the signature its
  ``def`` line;
* HumanEval (``humaneval``): ``id, prompt, entry_point, canonical_solution, test`` (a ``check(candidate)``);
* the adversarial seed's own format (a user file, ``ladderlib.data.code.read_problems_file``): ``id,
  description, function_signature, baseline_tests, reference_solution, difficulty, tags``.

``grade_batch`` reads each completion's program (``code_extract.extract_code``) and runs them all with
``sandbox.run_many`` (one sandbox start per program); ``key`` is the problem id, ``reference`` the reference
solution.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ladderlib.config.sandbox import SandboxSettings
from ladderlib.models.generation import Chat
from ladderlib.tasks.base import Grade, Task
from ladderlib.tasks.code_extract import extract_code

CODE_SYSTEM_PROMPT = "You are an expert Python programmer. Answer with correct, complete Python code."


class ProblemError(ValueError):
    """A code problem row that cannot be used; the message names the row and the field."""


@dataclass(frozen=True)
class CodeProblem:
    """One code problem in the shape every part of the adversarial system uses."""

    id: str
    description: str
    signature: str
    entry_point: str
    tests: str  # a tests file: asserts (MBPP, seed format) or a HumanEval check(candidate)
    reference: str
    source: str  # mbpp | humaneval | user
    difficulty: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)
    preamble: str = ""  # imports the statement shows (HumanEval's ``from typing import List``), run before a program

    def program(self, code: str) -> str:
        """A model's program as it is run: the statement's imports first (an empty program stays empty)."""
        return f"{self.preamble}\n\n{code}" if code.strip() and self.preamble else code

    def to_row(self) -> dict[str, Any]:
        """The problem in the seed's own format (what ``--problems-file`` reads)."""
        return {"id": self.id, "description": self.description, "function_signature": self.signature,
                "baseline_tests": self.tests, "reference_solution": self.reference,
                "difficulty": self.difficulty, "tags": list(self.tags)}


def parse_signature(signature: str, where: str = "signature") -> tuple[str, str]:
    """``(function name, normalised def line)`` of a signature such as ``def f(a: int) -> int:``; a signature
    that does not parse raises :class:`ProblemError` naming ``where``."""
    text = signature.strip()
    if not text.endswith(":"):
        text += ":"
    try:
        module = ast.parse(text + "\n    pass\n")
    except SyntaxError as exc:
        raise ProblemError(f"{where} {signature!r} does not parse as a Python def line: {exc.msg}") from None
    fns = [s for s in module.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if len(module.body) != 1 or not fns:
        raise ProblemError(f"{where} {signature!r} is not one function definition (def name(args):)")
    return fns[0].name, _def_line(fns[0])


def _def_line(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    bare = type(fn)(name=fn.name, args=fn.args, body=[ast.Pass()], decorator_list=[], returns=fn.returns,
                    type_comment=None, type_params=getattr(fn, "type_params", []))
    return ast.unparse(ast.fix_missing_locations(bare)).rsplit("\n", 1)[0]


def _called_names(test: str) -> list[str]:
    try:
        tree = ast.parse(test)
    except SyntaxError:
        return []
    return [n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]


def _mbpp(row: dict[str, Any]) -> CodeProblem:
    reference = row["code"]
    try:
        module = ast.parse(reference)
    except SyntaxError as exc:
        raise ProblemError(f"MBPP row {row.get('id')}: reference code does not parse ({exc.msg})") from None
    fns = {s.name: s for s in ast.walk(module) if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
    called = [n for t in row["test_list"] for n in _called_names(t) if n in fns]
    if not called:
        raise ProblemError(f"MBPP row {row.get('id')}: its tests call none of the reference's functions")
    entry = called[0]
    tests = "\n".join([*(row.get("test_setup_code") or "").splitlines(), *row["test_list"]])
    return CodeProblem(str(row["id"]), row["text"].strip(), _def_line(fns[entry]), entry, tests, reference, "mbpp")


def _humaneval(row: dict[str, Any]) -> CodeProblem:
    prompt, entry = row["prompt"], row["entry_point"]
    try:
        module = ast.parse(prompt + "    pass\n")
    except SyntaxError as exc:
        raise ProblemError(f"HumanEval row {row.get('id')}: prompt does not parse ({exc.msg})") from None
    fn = next((s for s in module.body if isinstance(s, ast.FunctionDef) and s.name == entry), None)
    if fn is None:
        raise ProblemError(f"HumanEval row {row.get('id')}: prompt does not define {entry}")
    imports = "\n".join(ast.get_source_segment(prompt, s) or "" for s in module.body
                         if isinstance(s, (ast.Import, ast.ImportFrom)))
    return CodeProblem(str(row["id"]), prompt, _def_line(fn), entry, row["test"],
                       prompt + row["canonical_solution"], "humaneval", preamble=imports)


SEED_KEYS = ("id", "description", "function_signature", "baseline_tests", "reference_solution")


def _seed(row: dict[str, Any]) -> CodeProblem:
    missing = [k for k in SEED_KEYS if not row.get(k)]
    if missing:
        raise ProblemError(f"problem {row.get('id', '?')}: missing {', '.join(missing)}")
    entry, signature = parse_signature(str(row["function_signature"]), f"problem {row['id']}: function_signature")
    tests = row["baseline_tests"]
    tests = "\n".join(tests) if isinstance(tests, list) else str(tests)
    tags = row.get("tags") or []
    return CodeProblem(str(row["id"]), str(row["description"]).strip(), signature, entry, tests,
                       str(row["reference_solution"]), "user", str(row.get("difficulty") or ""),
                       tuple(str(t) for t in tags))


def to_problem(row: dict[str, Any] | CodeProblem) -> CodeProblem:
    """A :class:`CodeProblem` from an MBPP, HumanEval or seed-format row (or the problem itself)."""
    if isinstance(row, CodeProblem):
        return row
    if "test_list" in row and "code" in row:
        return _mbpp(row)
    if "canonical_solution" in row and "entry_point" in row:
        return _humaneval(row)
    if "function_signature" in row:
        return _seed(row)
    raise ProblemError(f"row {row.get('id', '?')} is neither MBPP (text, code, test_list), HumanEval (prompt, "
                       f"entry_point, canonical_solution, test) nor the seed format ({', '.join(SEED_KEYS)})")


def problem_statement(problem: CodeProblem) -> str:
    """The problem as a model reads it: the description and the signature to implement."""
    if problem.source == "humaneval":  # the prompt is the signature with its docstring
        return f"Complete this Python function:\n```python\n{problem.description.rstrip()}\n```"
    if not problem.signature:
        return f"{problem.description}\n\nImplement it as a Python function."
    return f"{problem.description}\n\nImplement this Python function:\n```python\n{problem.signature}\n```"


class CodeTask(Task):
    """Python functions graded by their own tests in the sandbox (MBPP, HumanEval, seed-format rows)."""

    name: ClassVar[str] = "code"
    datasets: ClassVar[dict[str, str]] = {"train": "mbpp_train", "validation": "mbpp_validation",
                                          "test": "mbpp_test", "humaneval": "humaneval"}
    reward_prefix: ClassVar[str] = "code"

    def __init__(self, format_weight: float = 0.0, sandbox: SandboxSettings | None = None,
                 system_prompt: str | None = CODE_SYSTEM_PROMPT) -> None:
        super().__init__(format_weight)
        self.sandbox = sandbox or SandboxSettings()
        self.system_prompt = system_prompt

    def prompt(self, row: dict[str, Any]) -> Chat:
        """The problem and its signature, asking for the whole function in one fenced block."""
        problem = to_problem(row)
        return Chat(f"{problem_statement(problem)}\n\nAnswer with the whole function in one ```python block.",
                    self.system_prompt)

    def grade(self, row: dict[str, Any], completion: str) -> Grade:
        """Run the completion's program against the row's tests in the sandbox."""
        return self.grade_batch([row], [completion])[0]

    def grade_batch(self, rows: Sequence[dict[str, Any]], completions: Sequence[str]) -> list[Grade]:
        """Extract every program, run them all in the sandbox at once; correct = every test passed."""
        from ladderlib.sandbox import SandboxJob, run_many

        if len(rows) != len(completions):
            raise ValueError(f"{len(completions)} completions for {len(rows)} rows")
        problems = [to_problem(r) for r in rows]
        programs = [extract_code(c, p.entry_point, p.signature) for p, c in zip(problems, completions, strict=True)]
        jobs = [SandboxJob(p.program(x.code), p.tests, p.entry_point) for p, x in zip(problems, programs, strict=True)]
        results = run_many(jobs, self.sandbox)
        grades = []
        for x, r in zip(programs, results, strict=True):
            failed = next((t for t in r.tests if t.verdict != "passed"), None)
            reason = "" if r.passed else (f"{failed.verdict}: {failed.test}" if failed else r.message)
            grades.append(Grade(r.passed, x.code or None, r.status if x.code else "no_code",
                                reason if x.code else "no Python function found in the completion", x.defines_entry))
        return grades

    def key(self, row: dict[str, Any]) -> str:
        """The problem id."""
        return to_problem(row).id

    def reference(self, row: dict[str, Any]) -> str | None:
        """The reference solution."""
        return to_problem(row).reference
