"""Planner SFT data: plans built from real GSM8K solutions, and planner rows of other shapes."""

from __future__ import annotations

import json

import pytest

from ladderlib.io import write_jsonl
from ladderlib.config.planner import PLANNER_SYSTEM_PROMPT
from ladderlib.planner.schema import Plan, parse_plan
from ladderlib.planner.data import (
    DIRECT_PLAN,
    load_planner_source,
    plan_from_solution,
    planner_example,
    planner_rows_from_gsm8k,
    solution_steps,
)


@pytest.fixture(scope="module")
def gsm8k_rows(shared_data):
    with open(shared_data / "gsm8k" / "train.jsonl", encoding="utf-8") as fh:
        return [json.loads(next(fh)) for _ in range(300)]


def test_first_gsm8k_row_becomes_two_masked_subproblems(gsm8k_rows):
    natalia = gsm8k_rows[0]
    assert natalia["question"].startswith("Natalia sold clips")
    plan = plan_from_solution(natalia["answer"], natalia["question"])
    assert plan.should_decompose is True
    assert plan.subproblems == [
        "Natalia sold 48/2 = ? clips in May. Compute 48/2.",
        # 24 is step 1's result and not in the question, so it is referred to as [1]
        "Natalia sold 48+[1] = ? clips altogether in April and May. Compute 48+[1].",
    ]
    assert "2 subproblems" in plan.plan


def test_dollar_results_are_masked_and_results_referenced(gsm8k_rows):
    betty = gsm8k_rows[2]
    steps = solution_steps(betty["answer"], betty["question"])
    assert steps == [
        "In the beginning, Betty has only 100 / 2 = $?. Compute 100/2.",
        "Betty's grandparents gave her 15 * 2 = $?. Compute 15*2.",
        "This means, Betty needs 100 - [1] - [2] - 15 = $? more. Compute 100-[1]-[2]-15.",
    ]


def test_no_subproblem_reveals_its_own_result(gsm8k_rows):
    for row in gsm8k_rows:
        for line, step in zip(
            [ln for ln in row["answer"].splitlines() if "<<" in ln], solution_steps(row["answer"]), strict=False
        ):
            assert "<<" not in step and ">>" not in step
            assert "?" in step, step


def test_one_step_solutions_are_not_decomposed(gsm8k_rows):
    one_step = [r for r in gsm8k_rows if len(solution_steps(r["answer"])) == 1]
    assert len(one_step) >= 3, "expected some one-step problems among the first 300 rows"
    for row in one_step:
        plan = plan_from_solution(row["answer"], row["question"])
        assert plan == Plan(should_decompose=False, subproblems=[], plan=DIRECT_PLAN)
    single = "Tom has 3+4 = <<3+4=7>>7 apples.\n#### 7"
    assert solution_steps(single) == ["Tom has 3+4 = ? apples. Compute 3+4."]
    assert plan_from_solution(single).should_decompose is False


def test_unannotated_steps_count_as_steps(gsm8k_rows):
    carlos = next(r for r in gsm8k_rows if r["answer"].startswith("Carlos memorized"))
    assert solution_steps(carlos["answer"], carlos["question"]) == [
        "Carlos memorized 24/6=? digits of pi. Compute 24/6.",
        "Sam memorized [1]+6=? digits of pi.",
    ]
    assert plan_from_solution(carlos["answer"]).should_decompose is True


def test_context_lines_and_unannotated_arithmetic():
    solution = "Let x be the number of roosters.\nThe hens are 4/14*126 = 36 birds\nSo there are 36+2 = <<36+2=38>>38 birds.\n#### 38"
    steps = solution_steps(solution, "How many birds? There are 126 animals and 2 more.")
    assert steps == [
        "Let x be the number of roosters. The hens are 4/14*126 = ? birds.",
        "So there are [1]+2 = ? birds. Compute [1]+2.",
    ]


def test_planner_rows_from_real_gsm8k_are_valid_plans(gsm8k_rows):
    rows = planner_rows_from_gsm8k(gsm8k_rows)
    assert len(rows) == len(gsm8k_rows)
    decomposed = [r for r in rows if r["plan"]["should_decompose"]]
    assert 0.8 < len(decomposed) / len(rows) < 1.0  # most GSM8K problems take several steps
    for r in rows:
        plan = Plan.model_validate(r["plan"])
        assert plan.should_decompose == (len(plan.subproblems) >= 2)
        assert r["answer"] == r["answer"].strip() and r["question"]


def test_run_folder_rows_are_accepted_too(gsm8k_rows):
    raw = gsm8k_rows[0]
    run_row = {"id": "gsm8k-train-00000", "question": raw["question"], "solution": raw["answer"], "answer": "72"}
    (built,) = planner_rows_from_gsm8k([run_row])
    assert built["id"] == "gsm8k-train-00000" and built["answer"] == "72"
    assert built["plan"] == planner_rows_from_gsm8k([raw])[0]["plan"]


def test_planner_example_is_conversational_and_completion_parses(gsm8k_rows):
    row = planner_rows_from_gsm8k(gsm8k_rows[:1])[0]
    ex = planner_example(row, PLANNER_SYSTEM_PROMPT)
    assert [m["role"] for m in ex["prompt"]] == ["system", "user"]
    assert ex["prompt"][1]["content"] == row["question"]
    (completion,) = ex["completion"]
    assert completion["role"] == "assistant"
    assert parse_plan(completion["content"]).model_dump() == row["plan"]


@pytest.mark.parametrize(
    "row",
    [
        {"problem": "Q?", "should_decompose": False, "subproblems": [], "plan": "direct"},
        {"question": "Q?", "output": '```json\n{"should_decompose": false, "subproblems": [], "plan": "direct"}\n```'},
        {"query": "Q?", "response": {"should_decompose": False, "plan": "direct"}},
    ],
)
def test_other_dataset_shapes_become_examples(row):
    ex = planner_example(row, "SYS")
    assert ex["prompt"][-1] == {"role": "user", "content": "Q?"}
    assert json.loads(ex["completion"][0]["content"]) == {"should_decompose": False, "subproblems": [], "plan": "direct"}


def test_messages_and_prompt_completion_rows_pass_through():
    msgs = [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "{}"}]
    assert planner_example({"messages": msgs}, "SYS") == {"prompt": msgs[:1], "completion": msgs[1:]}
    assert planner_example({"prompt": "a", "completion": "b"}, "SYS") == {"prompt": "a", "completion": "b"}


@pytest.mark.parametrize(
    "row, message",
    [
        ({"text": "hello"}, "no question field"),
        ({"question": "Q?", "output": "I would not split this."}, "holds no plan"),
        ({"messages": [{"role": "user", "content": "Q"}]}, "no assistant turn"),
    ],
)
def test_unusable_rows_fail_clearly(row, message):
    with pytest.raises(ValueError, match=message):
        planner_example(row, "SYS")


def test_local_jsonl_source_and_offline_hub_refusal(tmp_path, monkeypatch):
    path = write_jsonl(tmp_path / "plans.jsonl", [{"question": f"Q{i}", "should_decompose": False} for i in range(5)])
    assert [r["question"] for r in load_planner_source(str(path), limit=3)] == ["Q0", "Q1", "Q2"]
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(RuntimeError, match="HF_HUB_OFFLINE is set"):
        load_planner_source("emilbiju/Planning-Data-Math-Full-Soln")
