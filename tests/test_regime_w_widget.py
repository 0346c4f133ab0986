"""The reward inspector builds for real rollout rows and redraws when the selected question changes."""

from __future__ import annotations

import ipywidgets as W

from ladderlib.config.regime_w import RegimeWSettings
from ladderlib.regime_w import build_arms
from ladderlib.regime_w.rollouts import arm_output, score_row
from ladderlib.regime_w.counterfactual import rewrite_question
from ladderlib.widgets.reward_inspector import reward_inspector

QUESTIONS = [
    ("gsm8k-train-00000", "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in "
     "May. How many clips did Natalia sell altogether in April and May?", "72"),
    ("gsm8k-train-00001", "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. "
     "How much did she earn?", "10"),
]


def _rows() -> list[dict]:
    st = RegimeWSettings(cf_arms=2)
    rows = []
    for qi, (qid, question, gold) in enumerate(QUESTIONS):
        outs = []
        for j, arm in enumerate(build_arms(st)):
            ans = gold if (j + qi) % 3 == 0 else str(int(gold) + j)
            outs.append(arm_output(arm, f"Step {j}: think about <{qid}> carefully.\n#### {ans}", gold, len))
        rw = rewrite_question(question, st.cf_rules, st.seed)
        rows.append(score_row(qid, question, gold, outs, rw, [f"#### {gold}", "#### 1"], st, len))
    return rows


def test_inspector_builds_and_follows_the_selector():
    rows = _rows()
    box = reward_inspector(rows)
    assert isinstance(box, W.VBox) and isinstance(box.selector, W.Dropdown)
    assert len(box.selector.options) == 2 and box.selector.value == 0
    assert len(box.arms.children) == 8 and all(isinstance(c, W.HTML) for c in box.arms.children)
    titles = box.arms.titles
    assert titles[0].startswith("✓ wolfram-0.2") and titles[1].startswith("✗ maudlin-0.2")
    assert sum(t.startswith("✓") for t in titles) == rows[0]["n_correct"]
    assert "Natalia" in box.summary.value and "s_wm" in box.summary.value and f"{rows[0]['reward']:.3f}" in box.summary.value
    assert "&lt;gsm8k-train-00000&gt;" in box.arms.children[0].value  # reasoning shown, HTML-escaped
    assert "counterfactual" in box.counterfactual.value and "rename" in box.counterfactual.value
    first = (box.summary.value, titles, box.arms.children[0].value, box.counterfactual.value)

    box.selector.value = 1
    assert "Weng" in box.summary.value and "Natalia" not in box.summary.value
    assert f"{rows[1]['reward']:.3f}" in box.summary.value
    assert "gsm8k-train-00001" in box.arms.children[0].value
    assert box.arms.titles != first[1] and sum(t.startswith("✓") for t in box.arms.titles) == rows[1]["n_correct"]
    assert box.counterfactual.value != first[3]
    box.selector.value = 0
    assert (box.summary.value, box.arms.titles) == first[:2]


def test_inspector_handles_rows_without_counterfactual():
    rows = _rows()
    rows[0] = dict(rows[0], counterfactual=None, s_cf=None)
    box = reward_inspector(rows)
    assert "no counterfactual" in box.counterfactual.value and "s_cf</b> —" in box.summary.value
