"""Regime W scores, reward and settings against hand-computed values."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from ladderlib.config.regime_w import RegimeWSettings
from ladderlib.regime_w import build_arms, coherence_scores, compute_reward, reward_terms
from ladderlib.regime_w.arms import SYSTEM_PROMPTS, user_prompt
from ladderlib.regime_w.rollouts import arm_output, score_row, split_reasoning
from ladderlib.regime_w.scoring import s_cf, s_end, s_path, s_wm


def test_s_end_pairwise_agreement():
    # six answers equal 72 (one written 72.0) -> C(6,2) = 15 agreeing pairs out of C(8,2) = 28
    assert s_end(["72", "72", "72", "70", None, "72", "72.0", "72"]) == pytest.approx(15 / 28)
    assert s_end(["1", "1"]) == 1.0
    assert s_end(["1", "2", "3"]) == 0.0
    assert s_end([None, None]) == 0.0  # missing answers never agree
    with pytest.raises(ValueError):
        s_end(["1"])


def test_s_path_inverse_cv_squared():
    assert s_path([10, 10, 10, 10]) == 1.0
    assert s_path([10, 30]) == pytest.approx(0.8)  # mean 20, var 100, CV² = 0.25
    assert s_path([0, 10]) == pytest.approx(0.5)  # CV = 1
    assert s_path([0, 0, 0]) == 1.0
    lengths = [12, 40, 7, 90, 33, 33, 18, 61]
    m = sum(lengths) / 8
    assert s_path(lengths) == pytest.approx(m**2 / (sum(x * x for x in lengths) / 8))
    with pytest.raises(ValueError):
        s_path([-1, 2])


def test_s_cf_per_arm_stability():
    assert s_cf(["72", "5", None, "3"], ["72", "6", None, "3.0"]) == pytest.approx(0.5)
    assert s_cf([], []) is None
    assert s_cf(["1", "2"], [None, None]) == 0.0
    with pytest.raises(ValueError):
        s_cf(["1"], ["1", "2"])


def test_s_wm_weights_and_renormalisation():
    assert s_wm(0.5, 0.8, 0.5) == pytest.approx(0.4 * 0.5 + 0.3 * 0.8 + 0.3 * 0.5)
    assert s_wm(0.5, 0.8, None) == pytest.approx((0.4 * 0.5 + 0.3 * 0.8) / 0.7)
    st = RegimeWSettings(w_end=0.0, w_path=0.0, w_cf=1.0)
    assert s_wm(1.0, 1.0, None, st) == 0.0
    scores = coherence_scores(["1", "1", "2", "2"], [10, 10, 10, 10], ["1", "2"], ["1", "1"])
    assert scores == pytest.approx({"s_end": 2 / 6, "s_path": 1.0, "s_cf": 0.5, "s_wm": 0.4 * 2 / 6 + 0.3 + 0.15})


def test_reward_terms_hand_computed():
    t = reward_terms([False, True], 0.59, [500, 300])
    assert t["base"] == 1.0 and t["length_penalty"] == 0.0 and t["mean_tokens"] == 400
    assert t["reward"] == pytest.approx(1.0 + 0.7 * 0.59)
    assert compute_reward([True, True], 0.59, [600, 600]) == pytest.approx(1.0 + 0.413 - 0.2)
    assert compute_reward([False], 0.0, [100]) == pytest.approx(-0.5)
    st = RegimeWSettings(reward_correct=2.0, coherence_weight=0.0, length_penalty=0.01, length_free_tokens=0)
    assert compute_reward([True], 1.0, [10], st) == pytest.approx(2.0 - 0.1)
    with pytest.raises(ValueError):
        reward_terms([True], 0.5, [1, 2])


def test_settings_defaults_and_validation():
    st = RegimeWSettings()
    assert (st.n_questions, st.n_arms, st.cf_arms) == (500, 8, 8)
    assert (st.w_end, st.w_path, st.w_cf, st.coherence_weight) == (0.4, 0.3, 0.3, 0.7)
    for bad in ({"w_end": 0.5}, {"cf_arms": 9}, {"temperatures": [0.2, 0.2]}, {"temperatures": [0.0]},
                {"max_new_tokens": 2}, {"cf_rules": ["shuffle"]}, {"unknown_key": 1}, {"reward_incorrect": 5.0}):
        with pytest.raises(ValidationError):
            RegimeWSettings(**bad)
    assert RegimeWSettings(temperatures=[0.7], cf_arms=2).n_arms == 2


def test_arms_styles_temperatures_and_format():
    arms = build_arms()
    assert len(arms) == 8 and len({a.id for a in arms}) == 8
    for t in (0.2, 0.3, 0.4, 0.5):
        assert sorted(a.style for a in arms if a.temperature == t) == ["maudlin", "wolfram"]
    assert [a.style for a in arms[:2]] == ["wolfram", "maudlin"]  # any even cf prefix holds both styles
    for a in arms:
        assert "#### <answer>" in a.system_prompt and a.system_prompt == SYSTEM_PROMPTS[a.style]
    assert "#### <answer>" in user_prompt("What is 2+2?")


def test_arm_output_and_row():
    arms = build_arms()
    text = "Step 1: 48/2 = 24.\nStep 2: 48+24 = 72.\n#### 72"
    out = arm_output(arms[0], text, "72", lambda s: len(s.split()))
    assert out["reasoning"] == split_reasoning(text) == "Step 1: 48/2 = 24.\nStep 2: 48+24 = 72."
    assert (out["answer"], out["correct"], out["n_tokens"], out["n_reasoning_tokens"]) == ("72", True, 12, 10)
    wrong = arm_output(arms[1], "I think it is 70", "72", len)
    assert (wrong["answer"], wrong["correct"], wrong["reasoning"]) == ("70", False, "I think it is 70")
    outputs = [out] * 4 + [wrong] * 4
    row = score_row("q1", "Q?", "72", outputs, settings=RegimeWSettings(cf_arms=0))
    expected_end = (6 + 6) / 28
    path = s_path([10] * 4 + [len("I think it is 70")] * 4)
    assert row["s_end"] == pytest.approx(expected_end) and row["s_cf"] is None
    assert row["s_wm"] == pytest.approx((0.4 * expected_end + 0.3 * path) / 0.7)
    assert row["reward"] == pytest.approx(1.0 + 0.7 * row["s_wm"]) and row["n_correct"] == 4
    assert math.isfinite(row["reward_terms"]["mean_tokens"])
