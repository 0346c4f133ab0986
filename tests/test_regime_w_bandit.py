"""UCB1 on a known Bernoulli bandit, and the bandit replayed from rollout rows."""

from __future__ import annotations

import math
import random

import pytest

from ladderlib.config.regime_w import RegimeWSettings
from ladderlib.regime_w import UCB1, arm_table, bandit_from_rollouts, build_arms, style_summary
from ladderlib.regime_w.bandit import arm_values


def test_ucb1_concentrates_on_best_bernoulli_arm():
    probs = [0.1, 0.3, 0.5, 0.8, 0.45]
    rng = random.Random(0)
    bandit = UCB1(len(probs), c=2.0, seed=0)
    for _ in range(3000):
        i = bandit.select()
        bandit.update(i, 1.0 if rng.random() < probs[i] else 0.0)
    assert bandit.total == 3000
    assert max(range(5), key=lambda i: bandit.pulls[i]) == 3
    assert bandit.pulls[3] / 3000 > 0.7
    assert bandit.mean(3) == pytest.approx(0.8, abs=0.05)
    assert all(p >= 1 for p in bandit.pulls)


def test_ucb1_formula_and_first_pulls():
    b = UCB1(3, c=2.0)
    assert b.ucb(0) == math.inf
    assert b.select() in (0, 1, 2) and b.mean(0) == 0.0
    for i, r in enumerate([1.0, 0.0, 0.5]):
        b.update(i, r)
    b.update(0, 0.0)
    assert b.mean(0) == 0.5 and b.pulls == [2, 1, 1]
    assert b.ucb(0) == pytest.approx(0.5 + math.sqrt(2 * math.log(4) / 2))
    with pytest.raises(ValueError):
        b.update(0, 1.5)


def _rows(n: int, p_correct: list[float], seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    arms = build_arms()
    rows = []
    for q in range(n):
        outs = [{"arm_id": a.id, "style": a.style, "correct": rng.random() < p} for a, p in zip(arms, p_correct)]
        rows.append({"question_id": f"q{q}", "arm_outputs": outs, "reward": 1.0 if any(o["correct"] for o in outs) else -0.5})
    return rows


def test_bandit_from_rollouts_finds_the_winning_style():
    # maudlin arms (odd indices) are better; maudlin-0.3 (index 3) is best
    p = [0.2, 0.5, 0.2, 0.85, 0.15, 0.5, 0.1, 0.45]
    rows = _rows(1500, p)
    arms = build_arms()
    bandit = bandit_from_rollouts(rows, RegimeWSettings(), mode="replay")
    table = arm_table(bandit, arms)
    assert table[0]["arm_id"] == "maudlin-0.3" and max(bandit.pulls) == bandit.pulls[3]
    assert set(table[0]) == {"arm_id", "style", "temperature", "pulls", "mean", "ucb"}
    styles = style_summary(bandit, arms)
    assert styles[0]["style"] == "maudlin" and styles[0]["best_arm"] == "maudlin-0.3"
    assert sum(s["pull_share"] for s in styles) == pytest.approx(1.0)

    full = bandit_from_rollouts(rows, mode="full")
    assert full.pulls == [1500] * 8
    exact = [sum(r["arm_outputs"][i]["correct"] for r in rows) / 1500 for i in range(8)]
    assert [full.mean(i) for i in range(8)] == pytest.approx(exact)


def test_reward_share_metric_and_arm_count_check():
    st = RegimeWSettings()
    row = _rows(1, [1, 0, 0, 0, 0, 0, 0, 0])[0]
    row["reward"] = 1.0 + 0.7 * 0.5  # normalised: (1.35 + 0.5) / 2.2
    vals = arm_values(row, "reward_share", st)
    assert vals[0] == pytest.approx(1.85 / 2.2) and vals[1:] == [0.0] * 7
    assert arm_values(row, "correct", st) == [1.0] + [0.0] * 7
    bad = dict(row, arm_outputs=row["arm_outputs"][:3])
    with pytest.raises(ValueError):
        bandit_from_rollouts([bad])
    with pytest.raises(ValueError):
        arm_table(UCB1(3), build_arms())
