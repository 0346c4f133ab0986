"""Evaluation of any generator on any task (stub generators, real GSM8K and integrals), and the Wilson interval
against known values and scipy."""

from __future__ import annotations

import json
import math

import pytest

from ladderlib.evaluate.run import evaluate_task, results_table
from ladderlib.evaluate.stats import wilson_interval
from ladderlib.io import read_jsonl
from ladderlib.models.generation import Completion, Sampling
from ladderlib.tasks import GSM8KTask, IntegralsTask

EXAMPLES = [
    {"id": "a", "question": "What is 2 + 3?", "answer": "2 + 3 = <<2+3=5>>5\n#### 5"},
    {"id": "b", "question": "What is 10 * 100?", "answer": "10 * 100 = <<10*100=1000>>1000\n#### 1,000"},
    {"id": "c", "question": "What is 7 - 9?", "answer": "7 - 9 = -2\n#### -2"},
    {"id": "d", "question": "Half of 9?", "gold": "4.5"},
]
ANSWERS = {"What is 2 + 3?": "5", "What is 10 * 100?": "1,000", "What is 7 - 9?": "-2", "Half of 9?": "4.50"}


def _oracle(prompts, sampling=None):
    out = []
    for p in prompts:
        q = next(q for q in ANSWERS if q in p.user)
        out.append(f"Let me think step by step. Some number 99 along the way.\nThe answer is {ANSWERS[q]}.")
    return out


def _first_two_right(prompts, sampling=None):
    return [_oracle([p])[0] if i < 2 else "no idea" for i, p in enumerate(prompts)]


def test_wilson_known_values():
    lo, hi = wilson_interval(8, 10)
    assert (round(lo, 4), round(hi, 4)) == (0.4902, 0.9433)
    lo, hi = wilson_interval(0, 10)
    assert lo == 0.0 and hi == pytest.approx(0.2775, abs=1e-4)
    lo, hi = wilson_interval(10, 10)
    assert hi == 1.0 and lo == pytest.approx(0.7225, abs=1e-4)
    assert wilson_interval(0, 0) == (0.0, 1.0)
    lo99, hi99 = wilson_interval(8, 10, z=2.576)
    assert lo99 < 0.4902 and hi99 > 0.9433
    with pytest.raises(ValueError):
        wilson_interval(11, 10)


def test_wilson_matches_scipy():
    from scipy.stats import binomtest

    for k, n in [(1, 7), (13, 40), (660, 1319), (1300, 1319), (3, 3)]:
        ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        lo, hi = wilson_interval(k, n, z=1.959963984540054)
        assert lo == pytest.approx(ci.low, abs=1e-9) and hi == pytest.approx(ci.high, abs=1e-9)


def test_evaluate_task_scores_records_and_table(tmp_path):
    task = GSM8KTask()
    oracle = evaluate_task(task, _oracle, EXAMPLES, name="oracle", out_dir=tmp_path)
    half = evaluate_task(task, _first_two_right, EXAMPLES, name="half", out_dir=tmp_path)
    seven = evaluate_task(task, lambda ps, s=None: ["#### 7"] * len(ps), EXAMPLES, name="seven")
    assert (oracle.correct, oracle.n, oracle.accuracy, oracle.task) == (4, 4, 1.0, "gsm8k")
    assert (half.correct, half.accuracy, half.parsable) == (2, 0.5, 0.5)
    assert (half.ci_low, half.ci_high) == wilson_interval(2, 4)
    assert seven.correct == 0 and seven.parsable == 1.0
    rec = oracle.records[1]
    assert rec["answer"] == "1000" and rec["correct"] is True and rec["code"] == "correct" and rec["id"] == "b"
    assert "What is 10 * 100?" in rec["prompt"] and "The answer is 1,000." in rec["completion"]
    assert half.records[3]["code"] == "no_answer" and half.records[3]["answer"] is None
    table = results_table([seven, oracle, half])
    assert [r["model"] for r in table] == ["oracle", "half", "seven"]
    assert table[1] == {"model": "half", "accuracy": 0.5, "ci_low": round(wilson_interval(2, 4)[0], 3),
                        "ci_high": round(wilson_interval(2, 4)[1], 3), "correct": 2, "n": 4, "parsable": 0.5,
                        "mean_new_tokens": None}
    assert len(read_jsonl(tmp_path / "half.jsonl")) == 4


def test_evaluate_task_sends_task_prompts_once_and_checks_counts():
    calls = []

    def spy(prompts, sampling):
        calls.append((list(prompts), sampling))
        return ["#### 5"] * len(prompts)

    task = GSM8KTask(system_prompt="be exact")
    evaluate_task(task, spy, EXAMPLES, Sampling(max_new_tokens=7))
    (prompts, sampling), = calls
    assert [p.system for p in prompts] == ["be exact"] * 4 and sampling.max_new_tokens == 7 and sampling.greedy
    assert prompts[0].user.startswith("What is 2 + 3?") and "####" in prompts[0].user
    with pytest.raises(ValueError, match="returned 1 completions for 4 prompts"):
        evaluate_task(task, lambda ps, s: ["#### 5"], EXAMPLES)
    with pytest.raises(ValueError, match="no gsm8k rows"):
        evaluate_task(task, spy, [])


def test_token_counts_come_from_engines_that_report_them():
    class Counting:
        def __call__(self, prompts, sampling):
            return [c.text for c in self.complete(prompts, sampling)]

        def complete(self, prompts, sampling):
            return [Completion("#### 5", 3 + i) for i, _ in enumerate(prompts)]

    res = evaluate_task(GSM8KTask(), Counting(), EXAMPLES[:2])
    assert res.mean_new_tokens == 3.5 and [r["n_tokens"] for r in res.records] == [3, 4]


def test_evaluate_on_real_gsm8k_with_gold_solutions(shared_data):
    rows = read_jsonl(shared_data / "gsm8k" / "test.jsonl")[:50]
    by_q = {r["question"]: r["answer"] for r in rows}

    def gold_solver(prompts, sampling):
        return [next(a for q, a in by_q.items() if q in p.user) for p in prompts]

    gold = evaluate_task(GSM8KTask(), gold_solver, rows)
    zero = evaluate_task(GSM8KTask(), lambda ps, s: ["0"] * len(ps), rows)
    assert gold.accuracy == 1.0 and zero.accuracy == 0.0
    assert gold.ci_low == pytest.approx(wilson_interval(50, 50)[0])
    assert not math.isnan(zero.ci_high) and zero.ci_high < 0.1


def test_evaluate_integrals_with_the_verifier(shared_data):
    rows = read_jsonl(shared_data / "integrals" / "rubi_textbook.jsonl")[:12]

    def solver(prompts, sampling):
        out = []
        for p, r in zip(prompts, rows):
            assert r["integrand"] in p.user
            out.append(f"so the answer is \\boxed{{{r['antiderivative']}}}" if len(out) % 2 == 0 else "\\boxed{x**7}")
        return out

    res = evaluate_task(IntegralsTask(), solver, rows)
    assert res.correct == 6 and res.parsable == 1.0
    assert {r["code"] for r in res.records[1::2]} <= {"wrong", "constant"}
    json.dumps(res.summary())
    assert res.summary()["wall_s"] >= 0  # generation + grading time, read by the final table
