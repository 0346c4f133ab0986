"""Shared figure mechanics: panels sized for a notebook column, readable metric names, honest axes.

Figures are ``matplotlib.figure.Figure`` objects made without pyplot, so no backend is switched, no global
figure state builds up, and a notebook shows a figure exactly once (``ladderlib.plots.show``). Every panel
grid wraps at ``MAX_COLUMNS`` panels per row; step axes get integer ticks; tick labels never use an offset
(``1e-5+1.9999e-1``); a requested series that was never logged gets a panel that says so instead of vanishing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

MAX_COLUMNS = 3
PANEL_W, PANEL_H = 3.9, 2.8  # inches: three panels fill a ~12-inch notebook column

LABELS: dict[str, tuple[str, str]] = {
    # key: (panel title, y-axis label)
    "loss": ("training loss", "loss"),
    "grad_norm": ("gradient norm", "norm"),
    "learning_rate": ("learning rate", "lr"),
    "reward": ("mean reward", "reward"),
    "reward_std": ("reward spread within groups", "std"),
    "reward_mean": ("mean reward", "reward"),
    "kl": ("KL to the reference", "nats"),
    "kl_coef": ("KL coefficient", "coefficient"),
    "value_loss": ("value loss", "loss"),
    "policy_loss": ("policy loss", "loss"),
    "clip_fraction": ("clipped policy ratios", "share"),
    "entropy": ("entropy", "nats"),
    "frac_reward_zero_std": ("groups with no reward spread", "share of groups"),
    "completions/mean_length": ("completion length", "tokens"),
    "heldout_accuracy": ("held-out accuracy", "accuracy"),
    "rewards/integral_correctness_reward/mean": ("verified correct answers", "share"),
    "rewards/answer_format_reward/mean": ("format reward", "reward"),
    "rewards/planner_reward/mean": ("planner reward", "reward"),
    "planner/correctness": ("worker answers correct", "share"),
    "planner/parse_failure_rate": ("plans that do not parse", "share"),
    "planner/decomposition_rate": ("plans that decompose", "share"),
    "planner/token_efficiency": ("token efficiency", "1 - tokens/budget"),
    "planner/independence": ("subproblem independence", "1 - cosine"),
    "success/easy": ("success, easy rows", "share"),
    "success/medium": ("success, medium rows", "share"),
    "success/hard": ("success, hard rows", "share"),
    "success/all": ("success, rows without a difficulty", "share"),
}
RATE_PREFIXES = ("success/", "planner/correctness", "planner/parse_failure_rate", "planner/decomposition_rate",
                 "frac_reward_zero_std", "clip_fraction", "heldout_accuracy", "rewards/integral_correctness")


def label(key: str) -> tuple[str, str]:
    """(title, y label) for a metric key; unknown keys are made readable (``a/b_c/mean`` -> ``a · b c (mean)``)."""
    if key in LABELS:
        return LABELS[key]
    parts = key.replace("_", " ").split("/")
    tail = parts.pop() if len(parts) > 1 and parts[-1] in ("mean", "std", "min", "max") else None
    title = " · ".join(parts) + (f" ({tail})" if tail else "")
    return title, parts[-1]


def is_rate(key: str) -> bool:
    """True for metrics that are shares in [0, 1] (their axis is fixed to that range)."""
    return key.startswith(RATE_PREFIXES)


def panels(n: int, title: str | None = None) -> tuple[Any, list[Any]]:
    """A figure with ``n`` panels in rows of at most ``MAX_COLUMNS`` (extra grid cells hidden); (fig, axes)."""
    from matplotlib.figure import Figure

    n = max(1, n)
    cols = min(MAX_COLUMNS, n)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(PANEL_W * cols, PANEL_H * rows + (0.4 if title else 0)), layout="constrained")
    grid = fig.subplots(rows, cols, squeeze=False)
    axes = [ax for row in grid for ax in row]
    for ax in axes[n:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    return fig, axes[:n]


def tidy(ax: Any, *, integer_x: bool = True, rate: bool = False) -> None:
    """Integer x ticks (steps), plain tick labels without offsets, a light grid, rates on [0, 1]."""
    from matplotlib.ticker import MaxNLocator, ScalarFormatter

    if integer_x:
        lo, hi = ax.get_xlim()
        if math.floor(hi) - math.ceil(lo) < 1:  # fewer than two whole steps in view (one point): the locator
            mid = round((lo + hi) / 2)  # would fall back to fractional ticks, so show the step between neighbours
            ax.set_xlim(mid - 1, mid + 1)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fmt = ScalarFormatter(useOffset=False)
    fmt.set_scientific(False)
    ax.yaxis.set_major_formatter(fmt)
    ax.grid(alpha=0.3)
    if rate:
        ax.set_ylim(-0.03, 1.03)


def pad_single_point(ax: Any, ys: Sequence[float]) -> None:
    """For a panel with one distinct value, a y range that shows the value in context (not ±0.05 of it)."""
    vals = [y for y in ys if y is not None and math.isfinite(y)]
    if vals and max(vals) == min(vals):
        v = vals[0]
        half = abs(v) * 0.5 if v else 1.0
        ax.set_ylim(v - half, v + half)


def missing(ax: Any, key: str, why: str = "not logged in this run") -> None:
    """Mark a panel whose series has no data, so a requested metric never silently disappears."""
    ax.text(0.5, 0.5, f"no data\n({why})", ha="center", va="center", transform=ax.transAxes, color="0.45")
    ax.set_xticks([])
    ax.set_yticks([])
