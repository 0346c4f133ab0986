"""Answer extraction and comparison: all of GSM8K's gold solutions, messy model outputs, and negatives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ladderlib.tasks.answers import answers_match, extract_answer, gsm8k_gold, normalize_answer, to_number

# the shared data folder sits next to the repository: <repo>/../shared/data
GSM8K_TEST = Path(__file__).resolve().parents[2] / "shared" / "data" / "gsm8k" / "test.jsonl"


@pytest.fixture(scope="module")
def gsm8k_rows():
    if not GSM8K_TEST.exists():
        pytest.skip(f"{GSM8K_TEST} not available")
    rows = [json.loads(line) for line in GSM8K_TEST.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) == 1319
    return rows


def test_gsm8k_gold_solutions_extract_and_match(gsm8k_rows):
    bad = []
    for i, row in enumerate(gsm8k_rows):
        gold = gsm8k_gold(row["answer"])
        assert "," not in gold and gold.lstrip("-").isdigit(), gold
        got = extract_answer(row["answer"])
        if got != gold or not answers_match(got, gold):
            bad.append((i, gold, got))
    assert bad == []


@pytest.mark.parametrize(
    "ending",
    ["The answer is {raw}.", "So the final answer is $\\boxed{{{raw}}}$", "<answer>{raw}</answer>", "Final Answer: **{raw}**"],
)
def test_gsm8k_solutions_with_other_answer_formats(gsm8k_rows, ending):
    """Replace the '#### N' line with other final-answer styles: every row must still extract to N."""
    bad = []
    for i, row in enumerate(gsm8k_rows):
        body, raw = row["answer"].rsplit("####", 1)
        gold = gsm8k_gold(row["answer"])
        got = extract_answer(body + ending.format(raw=raw.strip()))
        if not answers_match(got, gold):
            bad.append((i, gold, got))
    assert bad == []


def test_gsm8k_solutions_without_marker_last_number(gsm8k_rows):
    """Without any marker only the last-number rule applies; some solutions end on another number, so this is a rate."""
    hits = sum(
        answers_match(extract_answer(row["answer"].rsplit("####", 1)[0]), gsm8k_gold(row["answer"])) for row in gsm8k_rows
    )
    assert hits / len(gsm8k_rows) > 0.95  # measured 1282/1319 = 97.2%


MESSY = [
    # (model text, gold, expected extraction)
    ("Janet makes 9 * 2 = $18 every day.\n#### 18", "18", "18"),
    ("#### $1,234", "1234", "1234"),
    ("#### 1,234.00 dollars", "1234", "1234"),
    ("The answer is 42.", "42", "42"),
    ("So the answer is: $42 per week", "42", "42"),
    ("Thus the final answer is 3.0", "3", "3"),
    ("Therefore, the answer is $\\boxed{72}$.", "72", "72"),
    ("We get \\boxed{\\$1{,}080} in total", "1080", "1080"),
    ("\\boxed{18 \\text{ eggs}}", "18", "18"),
    ("The fraction is \\boxed{\\frac{3}{4}}", "0.75", "3/4"),
    ("<answer>\n  17 apples\n</answer>", "17", "17"),
    ("<think>5 + 6 = 11, maybe 12?</think><answer>11</answer>", "11", "11"),
    ("Final Answer: **$5,000**", "5000", "5000"),
    ("She has 3 bags with 4 each, so 12 in total.", "12", "12"),
    ("It drops by 5 degrees, ending at -5 degrees.", "-5", "-5"),
    ("The discount is 25%.", "25", "25"),
    ("The answer is 0.50 of the pie", "0.5", "0.5"),
    ("answer: 7\nHope that helps!", "7", "7"),
    ("First I thought 12, but recomputing gives 14 * 2 = 28.\nThe answer is 28", "28", "28"),
    ("Step 1: 10-3 = 7 apples remain\nStep 2: 7 x 2 = 14", "14", "14"),
    ("He needs 1 1/2 cups; the answer is 3/2 cups.", "1.5", "3/2"),
    ("Total: \\$\\,2{,}500.", "2500", "2500"),
    ("The answer is −8", "-8", "-8"),
    ("#### 9 * 2 = 18", "18", "18"),
    ("The answer is \\(\\dfrac{1}{2}\\).", "0.5", "1/2"),
    ("**Answer:** 60 minutes, i.e. 1 hour", "60", "60"),
    ("\\boxed{2\\sqrt{3}}", "\\sqrt{12}", "2\\sqrt{3}"),  # non-numeric: left to Math-Verify
]


@pytest.mark.parametrize(("text", "gold", "expected"), MESSY)
def test_messy_model_outputs(text, gold, expected):
    got = extract_answer(text)
    assert got == expected
    assert answers_match(got, gold)


NEGATIVES = [
    # (model text, gold): extraction works but the answer is wrong, or there is no answer
    ("#### 180", "18"),
    ("The answer is 1,234.5", "1234"),
    ("\\boxed{\\frac{4}{3}}", "0.75"),
    ("It ends at 5 degrees.", "-5"),
    ("I first got 18 but then corrected it.\n#### 20", "18"),
    ("The answer is 18. Wait, no: the answer is 19.", "18"),
    ("The answer is 0.5", "5"),
    ("I don't know.", "3"),
    ("", "3"),
    ("<answer></answer> the total was 13", "31"),
    ("\\boxed{2\\sqrt{3}}", "\\sqrt{13}"),
    ("The answer is 33.33", "100/3"),
]


@pytest.mark.parametrize(("text", "gold"), NEGATIVES)
def test_wrong_or_missing_answers_do_not_match(text, gold):
    assert not answers_match(extract_answer(text), gold)


def test_answers_match_direct():
    assert answers_match("3/4", "0.75")
    assert answers_match("0.333333333", "1/3")
    assert answers_match("$1,000", "1000")
    assert answers_match("50%", "50")
    assert answers_match("-0", "0")
    assert not answers_match(None, "5")
    assert not answers_match("", "5")
    assert not answers_match("18", "-18")
    assert not answers_match("1/0", "0")


def test_normalisation_helpers():
    assert normalize_answer("$1,234.500") == "1234.5"
    assert normalize_answer("007") == "7"
    assert normalize_answer(".5") == "0.5"
    assert normalize_answer("12.") == "12"
    assert to_number("3/4") == to_number("0.75")
    assert to_number("x + 1") is None
    assert extract_answer(None) is None
    assert gsm8k_gold("so 2 + 2 = 4\n#### 1,000\n") == "1000"
    with pytest.raises(ValueError):
        gsm8k_gold("no marker here")
