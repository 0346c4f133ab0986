"""Reading programs and asserts out of model text: written messy cases, and real outputs of the embedded model
(stored in ``tests/data/embedded_code_outputs.json``, and sampled live once)."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from ladderlib.sandbox import run_program
from ladderlib.tasks.code_extract import blocks, extract_asserts, extract_code, sanitize

REAL = json.loads((Path(__file__).parent / "data" / "embedded_code_outputs.json").read_text())


@pytest.mark.parametrize("text", [
    "```python\ndef add(a, b):\n    return a + b\n```",
    "Here is the function:\n\n```py\ndef add(a, b):\n    return a + b\n```\n\nIt adds two numbers.",
    "Sure! def is below.\ndef add(a, b):\n    return a + b\nThis returns the sum.",
    "```\ndef add(a, b):\n    return a + b\n```",
    "~~~python\ndef add(a, b):\n    return a + b\n~~~",
    "```python\ndef add(a, b):\n    return a + b\n\nprint(add(1, 2))\nassert add(2, 2) == 4\n```",
    "```python\ndef add(a, b):\n    return a + b\n\nif __name__ == '__main__':\n    print(add(1, 2))\n```",
    "```python\nimport math\n\ndef add(a, b):\n    return a + b\n\nprint(undefined_name(3))\n```",
    "```python\ndef add(a, b):\n    return a + b\n```\nUsage:\n```python\nprint(add(1, 2))\n```",
    "```python\ndef add(a, b):\n    return a + b\n# Test\nx = add(1,\n",  # cut off mid-call, fence never closed
])
def test_messy_texts_give_a_program_that_passes(text):
    got = extract_code(text, "add", "def add(a, b):")
    assert got.defines_entry and "print" not in got.code
    result = run_program(got.code, ["assert add(2, 3) == 5"])
    assert result.passed, (got, result)


def test_the_fenced_block_defining_the_entry_point_wins_over_earlier_ones():
    text = ("First a helper:\n```python\ndef helper(x):\n    return x\n```\nThen:\n```python\ndef add(a, b):\n"
            "    return a - b\n```\nCorrected:\n```python\ndef add(a, b):\n    return a + b\n```")
    got = extract_code(text, "add")
    assert got.method == "fenced" and "a + b" in got.code and "a - b" not in got.code


def test_a_body_without_its_def_is_completed_from_the_signature():
    got = extract_code("    if n < 2:\n        return True\n    return n % 2 == 0", "is_even", "def is_even(n):")
    assert got.method == "body" and run_program(got.code, ["assert is_even(4)", "assert not is_even(3)"]).passed


def test_nothing_parsable_gives_no_program():
    for text in ("I cannot solve this.", "```python\ndef add(a, b):\n    return (a +\n```", ""):
        got = extract_code(text, "add")
        assert got.code == "" and not got.defines_entry and got.method == "none"


def test_wrong_function_only_is_reported_as_missing_the_entry_point():
    got = extract_code("```python\ndef plus(a, b):\n    return a + b\n```", "add")
    assert got.code.startswith("def plus") and not got.defines_entry


def test_decorators_and_constants_are_kept():
    code, dropped = sanitize("import functools\nR = 3\n@functools.lru_cache\ndef f(n):\n    return n * R\nf(2)\n")
    assert "@functools.lru_cache" in code and "R = 3" in code and dropped == 1
    assert run_program(code, ["assert f(2) == 6"]).passed


def test_blocks_finds_closed_and_unclosed_fences():
    found, fenced = blocks("a\n```python\nx = 1\n```\nb\n```\ny = 2\n")
    assert fenced and [b.strip() for b in found] == ["x = 1", "y = 2"]
    assert blocks("no fence") == (["no fence"], False)


def test_asserts_are_read_deduplicated_and_split_by_calling_the_function():
    text = ("Tests:\n```python\nassert add(1, 2) == 3\nassert add(1,2)==3\nassert True\n"
            "def test_more():\n    assert add(0, 0) == 0\n```\nassert add(5, 5) == 10 (outside the fence)\n")
    got = extract_asserts(text, "add")
    assert got.tests == ("assert add(1, 2) == 3", "assert add(0, 0) == 0")
    assert got.not_calling == ("assert True",)
    limited = extract_asserts(text, "add", max_tests=1)
    assert limited.tests == ("assert add(1, 2) == 3",) and limited.over_limit == 2


@pytest.fixture(scope="module")
def problems(shared_data):
    from ladderlib.data.code import load_humaneval, load_mbpp
    from ladderlib.tasks.code import to_problem

    rows = load_mbpp(shared_data / "mbpp" / "mbpp.jsonl")["train"] + load_humaneval()
    return {r["id"]: to_problem(r) for r in rows}


@pytest.mark.parametrize("case", REAL["code"], ids=lambda c: c["id"])
def test_real_embedded_model_code_outputs(case, problems):
    got = extract_code(case["text"], case["entry_point"], case["signature"])
    assert got.defines_entry == case["defines_entry"], got
    module = ast.parse(got.code)  # always a module of definitions only
    assert all(isinstance(s, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                              ast.Assign, ast.AnnAssign)) for s in module.body)
    problem = problems[case["problem_id"]]
    result = run_program(problem.program(got.code), problem.tests, entry_point=problem.entry_point)
    assert result.passed == case["passes_own_tests"], result


@pytest.mark.parametrize("case", REAL["tests"], ids=lambda c: c["id"])
def test_real_embedded_model_test_outputs(case):
    got = extract_asserts(case["text"], case["entry_point"], 8)
    assert len(got.tests) == case["calling"] and len(got.not_calling) == case["not_calling"]
    for t in got.tests:
        ast.parse(t)


def test_live_embedded_model_output_is_extracted(embedded_model, one_thread):
    from ladderlib.models.generation import Chat, Engine, Sampling

    model, tok = embedded_model
    done = Engine(model, tok).complete([Chat("Write a Python function `def add(a, b):` that returns a + b. "
                                             "Answer in a ```python block.")], Sampling(max_new_tokens=48))
    text = done[0].text
    got = extract_code(text, "add", "def add(a, b):")
    assert "def add(" in text and got.defines_entry, text  # greedy SmolLM2 writes the function
    assert run_program(got.code, ["assert add(2, 3) == 5"]).passed, got.code
