"""UCB1 over the Regime W arms: which reasoning style (Wolfram / Maudlin) and temperature wins.

UCB1 (Auer et al. 2002): pull every arm once, then the arm maximising

    UCB_i = mean_i + sqrt(c · ln N / n_i)        (c = 2 is the classic constant)

with ``n_i`` pulls of arm i and ``N`` pulls in total; rewards must lie in [0, 1].

``bandit_from_rollouts`` replays collected rows. Arm values per row: ``correct`` (1 if the arm's answer
is right) or ``reward_share`` (the question's reward, mapped to [0, 1] by its range, credited to the arms
that were right, 0 to the others). In ``replay`` mode the bandit picks one arm per row and sees only that
arm's value (the logged rows hold every arm, so the replay is unbiased); pulls then concentrate on the
best arm. In ``full`` mode every arm is updated with every row (all pulls equal; means are exact accuracies).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any, Literal

from ladderlib.regime_w.arms import Arm
from ladderlib.config.regime_w import RegimeWSettings


class UCB1:
    """A UCB1 bandit with ``n_arms`` arms and exploration constant ``c`` (ties broken by a seeded RNG)."""

    def __init__(self, n_arms: int, c: float = 2.0, seed: int = 0):
        if n_arms < 1:
            raise ValueError("need at least one arm")
        self.c = c
        self.pulls = [0] * n_arms
        self.sums = [0.0] * n_arms
        self._rng = random.Random(seed)

    @property
    def n_arms(self) -> int:
        """Number of arms."""
        return len(self.pulls)

    @property
    def total(self) -> int:
        """Total pulls so far."""
        return sum(self.pulls)

    def mean(self, arm: int) -> float:
        """Mean observed reward of ``arm`` (0 before its first pull)."""
        return self.sums[arm] / self.pulls[arm] if self.pulls[arm] else 0.0

    def ucb(self, arm: int) -> float:
        """Upper confidence bound of ``arm`` (infinite before its first pull)."""
        if self.pulls[arm] == 0:
            return math.inf
        return self.mean(arm) + math.sqrt(self.c * math.log(max(self.total, 1)) / self.pulls[arm])

    def select(self) -> int:
        """The arm to pull next: highest UCB, ties broken at random."""
        values = [self.ucb(i) for i in range(self.n_arms)]
        best = max(values)
        return self._rng.choice([i for i, v in enumerate(values) if v == best])

    def update(self, arm: int, reward: float) -> None:
        """Record a reward in [0, 1] for ``arm``."""
        if not 0.0 <= reward <= 1.0:
            raise ValueError(f"UCB1 rewards must lie in [0, 1]; got {reward}")
        self.pulls[arm] += 1
        self.sums[arm] += reward


def arm_values(row: dict[str, Any], metric: Literal["correct", "reward_share"], settings: RegimeWSettings) -> list[float]:
    """Per-arm bandit reward in [0, 1] for one rollout row (see module docstring)."""
    correct = [1.0 if o["correct"] else 0.0 for o in row["arm_outputs"]]
    if metric == "correct":
        return correct
    lo = settings.reward_incorrect
    hi = settings.reward_correct + settings.coherence_weight
    share = min(1.0, max(0.0, (row["reward"] - lo) / (hi - lo))) if hi > lo else 0.0
    return [share * c for c in correct]


def bandit_from_rollouts(
    rows: Sequence[dict[str, Any]],
    settings: RegimeWSettings | None = None,
    *,
    metric: Literal["correct", "reward_share"] | None = None,
    mode: Literal["replay", "full"] = "replay",
    passes: int = 1,
) -> UCB1:
    """A UCB1 bandit updated from collected rows (``metric`` defaults to ``settings.bandit_metric``)."""
    st = settings or RegimeWSettings()
    metric = metric or st.bandit_metric
    bandit = UCB1(st.n_arms, st.ucb_c, st.seed)
    order = list(rows)
    rng = random.Random(st.seed)
    for p in range(passes):
        if p:
            rng.shuffle(order)
        for row in order:
            if len(row["arm_outputs"]) != st.n_arms:
                raise ValueError(f"row {row.get('question_id')} has {len(row['arm_outputs'])} arms, expected {st.n_arms}")
            values = arm_values(row, metric, st)
            if mode == "full":
                for i, v in enumerate(values):
                    bandit.update(i, v)
            else:
                i = bandit.select()
                bandit.update(i, values[i])
    return bandit


def arm_table(bandit: UCB1, arms: Sequence[Arm]) -> list[dict[str, Any]]:
    """One dict per arm: ``arm_id, style, temperature, pulls, mean, ucb`` (sorted by mean, best first)."""
    if len(arms) != bandit.n_arms:
        raise ValueError(f"{len(arms)} arms given for a bandit with {bandit.n_arms}")
    rows = [
        {"arm_id": a.id, "style": a.style, "temperature": a.temperature, "pulls": bandit.pulls[i],
         "mean": bandit.mean(i), "ucb": bandit.ucb(i)}
        for i, a in enumerate(arms)
    ]
    return sorted(rows, key=lambda r: (-r["mean"], -r["pulls"]))


def style_summary(bandit: UCB1, arms: Sequence[Arm]) -> list[dict[str, Any]]:
    """Per reasoning style: total pulls, pull-weighted mean, share of pulls and best arm (best style first)."""
    table = arm_table(bandit, arms)
    total = max(bandit.total, 1)
    out = []
    for style in sorted({r["style"] for r in table}):
        mine = [r for r in table if r["style"] == style]
        pulls = sum(r["pulls"] for r in mine)
        mean = sum(r["mean"] * r["pulls"] for r in mine) / pulls if pulls else 0.0
        out.append({"style": style, "pulls": pulls, "pull_share": pulls / total, "mean": mean,
                    "best_arm": max(mine, key=lambda r: (r["mean"], r["pulls"]))["arm_id"]})
    return sorted(out, key=lambda r: (-r["mean"], -r["pulls"]))

