"""The plan → worker → answer pipeline on real GSM8K problems with the embedded model as the worker."""

from __future__ import annotations

import pytest

from ladderlib.io import read_jsonl
from ladderlib.planner.independence import independence
from ladderlib.planner.pipeline import execute_plan, execute_plans, gold_answer
from ladderlib.planner.worker import FrozenWorker
from ladderlib.planner.schema import Plan
from ladderlib.planner.data import plan_from_solution

MAX_NEW = 12


@pytest.fixture(scope="module")
def gsm8k_rows(shared_data):
    return read_jsonl(shared_data / "gsm8k" / "train.jsonl")[:2]


@pytest.fixture(scope="module")
def worker(embedded_model):
    model, tok = embedded_model
    return FrozenWorker.from_model(model, tok, max_new_tokens=MAX_NEW)


def test_gold_answer_reads_gsm8k_fields_and_bare_answers():
    assert gold_answer("so 70 + 2 = 72\n#### 1,072") == "1072"
    assert gold_answer(" 3,500 ") == "3500" and gold_answer(18) == "18"


def test_pipeline_on_real_gsm8k_problems(worker, gsm8k_rows):
    questions = [r["question"] for r in gsm8k_rows]
    plans = [plan_from_solution(r["answer"], r["question"]).to_json() for r in gsm8k_rows]
    direct = Plan(should_decompose=False, plan="one step").to_json()
    results = execute_plans(
        worker,
        questions + [questions[0], questions[1]],
        plans + [direct, "I would just add the numbers up."],
        golds=[r["answer"] for r in gsm8k_rows] * 2,
        max_subproblems=4,
        independence_fn=independence,
        on_unparsable="direct",
    )
    for r, plan in zip(results[:2], plans):
        assert r.parse_ok and r.decomposed and r.n_subproblems == len(Plan.model_validate_json(plan).subproblems) >= 2
        assert len(r.sub_answers) == r.n_subproblems and all(isinstance(a, str) for a in r.sub_answers)
        assert 0.0 < r.independence <= 1.0
        assert r.plan_tokens == worker.count_tokens(plan)
        assert 0 < r.worker_tokens <= (r.n_subproblems + 1) * (MAX_NEW + 2)
        assert r.tokens == r.plan_tokens + r.worker_tokens
        assert isinstance(r.correct, bool) and r.final_text
    plain = results[2]
    assert plain.parse_ok and not plain.decomposed and plain.sub_answers == [] and plain.independence == 0.0
    assert 0 < plain.worker_tokens <= MAX_NEW + 2
    messy = results[3]  # unparsable, but inference still answers it directly
    assert not messy.parse_ok and "no JSON object" in messy.parse_error and messy.final_text
    record = results[0].to_dict()
    assert record["n_subproblems"] == results[0].n_subproblems and record["tokens"] == results[0].tokens


def test_should_decompose_without_subproblems_is_solved_directly_and_the_cap_applies(worker, gsm8k_rows):
    q = gsm8k_rows[0]["question"]
    empty = execute_plan(worker, q, '{"should_decompose": true, "subproblems": []}', gold="72")
    assert empty.parse_ok and not empty.decomposed and empty.final_text
    many = Plan(should_decompose=True, subproblems=[f"Compute {i} + {i}." for i in range(1, 6)]).to_json()
    capped = execute_plan(worker, q, many, max_subproblems=2)
    assert capped.n_subproblems == 2 and len(capped.sub_answers) == 2 and capped.correct is None
    skipped = execute_plan(worker, q, "no plan here", gold="72", on_unparsable="skip")
    assert not skipped.parse_ok and skipped.final_text == "" and skipped.worker_tokens == 0 and skipped.correct is False
