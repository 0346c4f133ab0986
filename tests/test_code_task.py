"""The ``code`` task on real MBPP and HumanEval rows and on the seed's own problem format: references pass in the
sandbox, wrong and prose-only answers fail, bad rows and files are named; pass@k and the paired test."""

from __future__ import annotations

import json
import math

import pytest

from ladderlib.data.code import load_humaneval, load_mbpp, read_problems_file
from ladderlib.evaluate.stats import bootstrap_mean_interval, mcnemar_exact, pass_at_k
from ladderlib.tasks import get_task
from ladderlib.tasks.code import CodeTask, ProblemError, parse_signature, to_problem

SEED_PROBLEM = {"id": "add_two", "description": "Return the sum of two numbers.",
                "function_signature": "def add(a: int, b: int) -> int:",
                "baseline_tests": ["assert add(2, 3) == 5", "assert add(-1, 1) == 0"],
                "reference_solution": "def add(a, b):\n    return a + b", "difficulty": "easy", "tags": ["math"]}


@pytest.fixture(scope="module")
def mbpp(shared_data):
    return load_mbpp(shared_data / "mbpp" / "mbpp.jsonl")


def test_rows_of_every_shape_become_problems(mbpp):
    m = to_problem(mbpp["train"][0])
    assert (m.id, m.entry_point, m.signature, m.source) == ("mbpp-601", "max_chain_length",
                                                             "def max_chain_length(arr, n):", "mbpp")
    h = to_problem(load_humaneval()[0])
    assert h.entry_point == "has_close_elements" and h.signature.startswith("def has_close_elements(numbers: List")
    assert "def check(candidate)" in h.tests and h.reference.startswith(h.description)
    s = to_problem(SEED_PROBLEM)
    assert (s.entry_point, s.signature, s.tags) == ("add", "def add(a: int, b: int) -> int:", ("math",))
    assert s.tests == "assert add(2, 3) == 5\nassert add(-1, 1) == 0"


def test_grading_runs_references_wrong_answers_and_prose_in_the_sandbox(mbpp):
    task = get_task("code")
    rows = [SEED_PROBLEM, mbpp["test"][0], load_humaneval()[0]]
    refs = [f"Here you go:\n```python\n{task.reference(r)}\n```\nDone." for r in rows]
    wrong = ["```python\ndef add(a, b):\n    return a - b\n```", "```python\ndef remove_Occ(s, ch):\n    return s\n```",
             "I think the answer is 42."]
    grades = task.grade_batch(rows + rows, refs + wrong)
    assert [g.correct for g in grades] == [True, True, True, False, False, False]
    assert grades[3].code == "failed" and "assert add(2, 3) == 5" in grades[3].reason
    assert grades[5].code == "no_code" and not grades[5].parsable
    assert task.key(rows[1]) == "mbpp-11" and isinstance(task, CodeTask)


def test_prompt_carries_the_signature_and_the_rows_split(mbpp):
    task = CodeTask()
    chat = task.prompt(mbpp["train"][3])
    assert "def " in chat.user and mbpp["train"][3]["text"] in chat.user and "```python" in chat.user
    assert task.datasets["train"] == "mbpp_train" and task.datasets["humaneval"] == "humaneval"


@pytest.mark.parametrize("signature,fragment", [
    ("def f(x", "does not parse"), ("x = 1", "does not parse"), ("class A", "not one function"),
    ("def f(x): pass\ndef g(): pass", "does not parse"),
])
def test_bad_signatures_are_named(signature, fragment):
    with pytest.raises(ProblemError, match=fragment):
        parse_signature(signature, "--signature")
    assert parse_signature("def f(x, *, y=2) -> int")[0] == "f"  # the colon may be left out


def test_problems_file_formats_and_errors(tmp_path):
    seed = tmp_path / "p.json"
    seed.write_text(json.dumps({"problems": [SEED_PROBLEM]}))
    assert read_problems_file(seed)[0]["id"] == "add_two"
    lines = tmp_path / "p.jsonl"
    lines.write_text(json.dumps(SEED_PROBLEM) + "\n")
    assert len(read_problems_file(lines)) == 1
    for text, fragment in (("{", "not valid JSON"), ("[]", "non-empty list"),
                           (json.dumps([SEED_PROBLEM, SEED_PROBLEM]), "ids repeat")):
        seed.write_text(text)
        with pytest.raises(ValueError, match=fragment):
            read_problems_file(seed)
    with pytest.raises(ValueError, match="cannot read the problems file"):
        read_problems_file(tmp_path / "missing.json")
    with pytest.raises(ProblemError, match="missing reference_solution"):
        to_problem({k: v for k, v in SEED_PROBLEM.items() if k != "reference_solution"})


def test_hub_mbpp_offline_fails_with_a_clear_message(monkeypatch):
    from ladderlib.config.data import CodeSettings
    from ladderlib.data.code import load_mbpp_source

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(RuntimeError, match="Offline\\? Set data.code.mbpp_path"):
        load_mbpp_source(CodeSettings(mbpp_path="/no/mbpp.jsonl", mbpp_hub_id="google-research-datasets/mbpp"))


def test_pass_at_k_matches_the_codex_formula():
    for n, c, k in ((10, 3, 1), (10, 3, 5), (20, 0, 3), (5, 5, 2), (7, 2, 6)):
        exact = 1 - math.comb(n - c, k) / math.comb(n, k)
        assert pass_at_k(n, c, k) == pytest.approx(exact)
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)


def test_paired_test_and_bootstrap_interval():
    six_b_only = mcnemar_exact([False] * 6, [True] * 6)
    assert six_b_only["b_only"] == 6 and six_b_only["p"] == pytest.approx(2 / 64)
    assert mcnemar_exact([True] * 4 + [False] * 4, [False] * 4 + [True] * 4)["p"] == 1.0
    assert mcnemar_exact([True, False], [True, False])["p"] == 1.0
    lo, hi = bootstrap_mean_interval([0.0, 1.0, 1.0, 0.0, 1.0, 1.0], seed=1)
    assert 0.0 <= lo < 4 / 6 < hi <= 1.0
    assert bootstrap_mean_interval([0.5, 0.5]) == (0.5, 0.5)


def test_seed_tests_that_do_not_parse_are_refused_before_anything_runs():
    from ladderlib.sandbox import TestPlanError

    with pytest.raises(TestPlanError, match="do not parse"):
        CodeTask().grade({**SEED_PROBLEM, "baseline_tests": ["assert add(2, 3) == "]}, "def add(a, b):\n    return a + b")
