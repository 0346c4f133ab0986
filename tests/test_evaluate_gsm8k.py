"""GSM8K evaluation harness with stub generators, and the Wilson interval against known values and scipy."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from ladderlib.evaluate.gsm8k import default_prompt, evaluate, load_gsm8k, results_table, wilson_interval

EXAMPLES = [
    {"question": "What is 2 + 3?", "answer": "2 + 3 = <<2+3=5>>5\n#### 5"},
    {"question": "What is 10 * 100?", "answer": "10 * 100 = <<10*100=1000>>1000\n#### 1,000"},
    {"question": "What is 7 - 9?", "answer": "7 - 9 = -2\n#### -2"},
    {"question": "Half of 9?", "gold": "4.5"},
]
ANSWERS = {"What is 2 + 3?": "5", "What is 10 * 100?": "1,000", "What is 7 - 9?": "-2", "Half of 9?": "4.50"}


def _oracle(prompts):
    out = []
    for p in prompts:
        q = next(q for q in ANSWERS if q in p)
        out.append(f"Let me think step by step. Some number 99 along the way.\nThe answer is {ANSWERS[q]}.")
    return out


def _always_seven(prompts):
    return ["#### 7" for _ in prompts]


def _first_two_right(prompts):
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


def test_evaluate_scores_each_model(tmp_path):
    models = {"oracle": _oracle, "seven": _always_seven, "half": _first_two_right}
    res = evaluate(models, EXAMPLES, out_dir=tmp_path)
    assert set(res) == set(models)
    assert (res["oracle"].k, res["oracle"].n, res["oracle"].accuracy) == (4, 4, 1.0)
    assert (res["seven"].k, res["seven"].accuracy) == (0, 0.0)
    assert (res["half"].k, res["half"].accuracy) == (2, 0.5)
    assert (res["half"].ci_low, res["half"].ci_high) == wilson_interval(2, 4)
    assert res["half"].extracted_rate == 0.5
    rec = res["oracle"].records[1]
    assert rec["gold"] == "1000" and rec["extracted"] == "1000" and rec["correct"] is True
    assert rec["question"] == "What is 10 * 100?" and "The answer is 1,000." in rec["prediction"]
    assert res["half"].records[3] == {
        "question": "Half of 9?",
        "gold": "4.5",
        "prediction": "no idea",
        "extracted": None,
        "correct": False,
    }
    table = results_table(res)
    assert [r["model"] for r in table] == ["oracle", "half", "seven"]
    assert table[1] == {
        "model": "half",
        "accuracy": 0.5,
        "ci_low": round(wilson_interval(2, 4)[0], 3),
        "ci_high": round(wilson_interval(2, 4)[1], 3),
        "correct": 2,
        "n": 4,
        "extracted": 0.5,
    }
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert [s["model"] for s in summary] == ["oracle", "seven", "half"]
    assert len((tmp_path / "seven.jsonl").read_text().splitlines()) == 4


def test_evaluate_passes_all_prompts_once_and_checks_output_count():
    calls = []

    def spy(prompts):
        calls.append(list(prompts))
        return ["#### 5"] * len(prompts)

    evaluate({"spy": spy}, EXAMPLES, prompt_fn=lambda q: f"Q: {q}")
    assert calls == [[f"Q: {ex['question']}" for ex in EXAMPLES]]
    with pytest.raises(ValueError, match="returned 1 outputs for 4 prompts"):
        evaluate({"short": lambda prompts: ["#### 5"]}, EXAMPLES)
    assert "####" in default_prompt("x") and "x" in default_prompt("x")


def test_evaluate_on_real_gsm8k_with_gold_solutions():
    path = Path(__file__).resolve().parents[2] / "shared" / "data" / "gsm8k" / "test.jsonl"
    try:
        rows = load_gsm8k(path, limit=50)
    except FileNotFoundError:
        pytest.skip("GSM8K test file not available")
    assert len(rows) == 50
    by_q = {r["question"]: r["answer"] for r in rows}

    def gold_solver(prompts):
        return [next(a for q, a in by_q.items() if q in p) for p in prompts]

    res = evaluate({"gold": gold_solver, "zero": lambda ps: ["0"] * len(ps)}, rows)
    assert res["gold"].accuracy == 1.0
    assert res["zero"].accuracy == 0.0
    assert res["gold"].ci_low == pytest.approx(wilson_interval(50, 50)[0])
    assert not math.isnan(res["zero"].ci_high) and res["zero"].ci_high < 0.1
