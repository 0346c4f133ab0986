"""Figures of 07_adversarial: both roles' rewards and test validity per training stage, the seed's vs CURE's
discriminator reward on the same rounds, and sandbox verdict counts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ladderlib.plots.figure import missing, panels, tidy

CURVES = {
    "generator_reward": "generator reward (own + valid adversarial tests)",
    "own_pass_rate": "generator: own tests passed",
    "test_validity": "discriminator: test validity",
    "break_rate": "valid tests the program fails",
}
VERDICT_COLOURS = {"passed": "#55a868", "failed": "#c44e52", "error": "#8172b2", "timeout": "#ccb974",
                   "memory": "#64b5cd"}


def plot_stage_curves(rows: Sequence[Mapping[str, Any]], title: str = "Adversarial PPO by training stage") -> Any:
    """One panel per curve (x: step), one series per training stage; a last panel compares the seed's and
    CURE's discriminator reward on the same rounds. A curve with no steps gets a 'no data' panel."""
    fig, axes = panels(len(CURVES) + 1, title)
    stages = sorted({int(r["stage"]) for r in rows})
    for ax, (key, name) in zip(axes, CURVES.items(), strict=False):
        ax.set_title(name, fontsize=10)
        if not rows:
            missing(ax, key, "no training steps")
            continue
        for stage in stages:
            pts = [(r["step"], r[key]) for r in rows if int(r["stage"]) == stage and r.get(key) is not None]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=4, label=f"stage {stage}")
        ax.set(xlabel="step", ylabel="share")
        tidy(ax, rate=True)
        ax.legend(fontsize=8)
    ax = axes[-1]
    ax.set_title("discriminator reward: seed vs CURE", fontsize=10)
    if not rows:
        missing(ax, "discriminator_reward", "no training steps")
        return fig
    steps = [r["step"] for r in rows]
    ax.plot(steps, [r["discriminator_reward_seed"] for r in rows], marker="o", ms=4, label="seed: (1-pass)·validity")
    ax.plot(steps, [r["discriminator_reward_cure"] for r in rows], marker="s", ms=4, label="CURE test reward")
    ax.set(xlabel="step", ylabel="reward", ylim=(-1.05, 1.05))
    tidy(ax)
    ax.legend(fontsize=8)
    return fig


def plot_verdicts(counts: Mapping[str, Mapping[str, int]], title: str) -> Any:
    """Stacked bars of sandbox verdicts for each kind of run (own tests, tests vs reference, vs programs)."""
    fig, (ax,) = panels(1)
    fig.set_size_inches(max(4.5, 1.8 * len(counts) + 2), 3.2)
    kinds = list(counts)
    if not any(counts.values()):
        missing(ax, "verdicts", "nothing ran")
        ax.set_title(title)
        return fig
    bottom = [0] * len(kinds)
    verdicts = [v for v in VERDICT_COLOURS if any(v in counts[k] for k in kinds)]
    verdicts += sorted({v for k in kinds for v in counts[k]} - set(verdicts))
    for v in verdicts:
        heights = [counts[k].get(v, 0) for k in kinds]
        ax.bar(kinds, heights, bottom=bottom, label=v, color=VERDICT_COLOURS.get(v))
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set(title=title, ylabel="sandbox runs of a test")
    tidy(ax, integer_x=False)
    ax.legend(fontsize=8)
    return fig
