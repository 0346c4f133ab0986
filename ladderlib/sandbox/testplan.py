"""Turn a tests file into separate tests: one per top-level statement that asserts something.

Accepted shapes:

* plain asserts (``assert f(1) == 2`` per line); imports, definitions and assignments between them are
  context, run before every later test;
* HumanEval style: ``def check(candidate): ...`` (plus ``METADATA = ...`` etc.) and an entry point: the
  statements of ``check``'s body become the tests, ``candidate`` is bound to the entry point; the entry point
  is given, or read from a trailing ``check(NAME)``.

Each test is run on its own (in a namespace of its own in the harness; the program runs in a worker
process shared by the tests or, with ``fork_per_test``, forked afresh for each), so a test's code is its
context statements followed by the test statement; the side effects of earlier *tests* are not replayed.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

from ladderlib.sandbox.errors import TestPlanError

_NOT_TESTS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)


@dataclass(frozen=True)
class Test:
    """One test: ``text`` is what is reported, ``code`` what runs (context statements included)."""

    __test__ = False  # not a pytest test class

    text: str
    code: str


@dataclass(frozen=True)
class TestPlan:
    """The tests of one program; ``bind`` maps names in the tests to program names (``candidate``)."""

    __test__ = False

    tests: tuple[Test, ...] = ()
    bind: dict[str, str] = field(default_factory=dict)

    @property
    def plain(self) -> bool:
        """No tests: the program is just run."""
        return not self.tests


def _is_test(stmt: ast.stmt) -> bool:
    return not isinstance(stmt, _NOT_TESTS) and any(isinstance(n, ast.Assert) for n in ast.walk(stmt))


def _text(source: str, stmt: ast.stmt) -> str:
    segment = ast.get_source_segment(source, stmt, padded=True)
    return textwrap.dedent(segment).strip() if segment else ast.unparse(stmt)


def _split(source: str, body: list[ast.stmt], context: list[ast.stmt]) -> list[Test]:
    context = list(context)
    tests = []
    for stmt in body:
        if _is_test(stmt):
            code = ast.unparse(ast.Module(body=[*context, stmt], type_ignores=[]))
            tests.append(Test(text=_text(source, stmt), code=code))
        else:
            context.append(stmt)
    return tests


def _check_function(module: ast.Module) -> ast.FunctionDef | None:
    for stmt in module.body:
        if isinstance(stmt, ast.FunctionDef) and stmt.name == "check" and stmt.args.args:
            return stmt
    return None


def _is_check_call(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call) and \
        isinstance(stmt.value.func, ast.Name) and stmt.value.func.id == "check"


def _called_entry(module: ast.Module) -> str | None:
    calls = [s for s in module.body if _is_check_call(s)]
    if calls and len(calls[-1].value.args) == 1 and isinstance(calls[-1].value.args[0], ast.Name):
        return calls[-1].value.args[0].id
    return None


def split_tests(source: str, entry_point: str | None = None) -> TestPlan:
    """The tests in a tests file (see the module docstring for the accepted shapes)."""
    try:
        module = ast.parse(source)
    except SyntaxError as exc:
        raise TestPlanError(f"the tests do not parse: line {exc.lineno}: {exc.msg}") from None
    check = _check_function(module)
    if check is None:
        tests = _split(source, module.body, [])
        bind = {"candidate": entry_point} if entry_point else {}
        if not tests:
            raise TestPlanError("no tests found: the tests must contain assert statements "
                                "(one test per top-level statement), or a HumanEval-style check(candidate)")
        return TestPlan(tuple(tests), bind)
    entry = entry_point or _called_entry(module)
    if not entry:
        raise TestPlanError("the tests define check(candidate) but name no entry point: give entry_point "
                            "(CLI: --entry-point NAME) or end the tests with check(NAME)")
    setup = [s for s in module.body if s is not check and not _is_check_call(s)]
    tests = _split(source, check.body, setup)
    if not tests:  # a check without asserts (it raises on failure): the whole body is one test
        code = ast.unparse(ast.Module(body=[*setup, *check.body], type_ignores=[]))
        tests = [Test(text=_text(source, check), code=code)]
    return TestPlan(tuple(tests), {check.args.args[0].arg: entry})


def make_plan(tests: str | Sequence[str] | None, entry_point: str | None = None) -> TestPlan:
    """A plan from a tests file (str), a list of single tests (each a str of code), or None (plain run)."""
    if tests is None:
        return TestPlan()
    if isinstance(tests, str):
        return split_tests(tests, entry_point)
    items = list(tests)
    for index, code in enumerate(items):
        if not isinstance(code, str):
            raise TestPlanError(f"test {index + 1} is a {type(code).__name__}, not a str of Python code")
        try:
            ast.parse(code)
        except SyntaxError as exc:
            raise TestPlanError(f"test {index + 1} does not parse: line {exc.lineno}: {exc.msg}") from None
    if not items:
        raise TestPlanError("an empty list of tests: pass None to just run the program")
    bind = {"candidate": entry_point} if entry_point else {}
    return TestPlan(tuple(Test(text=c.strip(), code=c) for c in items), bind)
