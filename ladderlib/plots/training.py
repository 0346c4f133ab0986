"""Figures for training notebooks: metric curves from ``metrics.jsonl`` rows, arms compared panel by panel, and
accuracy bars with their 95% intervals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ladderlib.io import read_jsonl
from ladderlib.plots.figure import is_rate, label, missing, pad_single_point, panels, tidy


def _points(rows: Sequence[Mapping[str, Any]], key: str, x: str) -> list[tuple[float, float]]:
    return [(r.get(x, i), float(r[key])) for i, r in enumerate(rows) if r.get(key) is not None]


def plot_curves(rows: Sequence[Mapping[str, Any]], keys: Sequence[str], title: str, x: str = "step") -> Any:
    """One panel per metric key against ``x``; a key with no data gets a panel saying so."""
    fig, axes = panels(len(keys), title)
    for ax, key in zip(axes, keys, strict=True):
        name, ylabel = label(key)
        pts = _points(rows, key, x)
        ax.set_title(name, fontsize=10)
        if not pts:
            missing(ax, key)
            continue
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=3)
        ax.set(xlabel=x, ylabel=ylabel)
        tidy(ax, integer_x=x == "step", rate=is_rate(key))
        if not is_rate(key):
            pad_single_point(ax, [p[1] for p in pts])
    return fig


def plot_metrics_file(path: str | Path, keys: Sequence[str], title: str) -> Any:
    """``plot_curves`` on a ``metrics.jsonl`` file (a missing file gives panels that say so)."""
    path = Path(path)
    return plot_curves(read_jsonl(path) if path.is_file() else [], keys, title)


def plot_arms(curves: Mapping[str, Sequence[Mapping[str, Any]]], keys: Sequence[str], title: str, x: str = "step") -> Any:
    """One panel per metric key with one line per arm (e.g. GRPO on variants vs on the original problems)."""
    fig, axes = panels(len(keys), title)
    for ax, key in zip(axes, keys, strict=True):
        name, ylabel = label(key)
        ax.set_title(name, fontsize=10)
        drawn = []
        for arm, rows in curves.items():
            pts = _points(rows, key, x)
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=3, label=arm)
                drawn += [p[1] for p in pts]
        if not drawn:
            missing(ax, key, "no arm logged it")
            continue
        ax.set(xlabel=x, ylabel=ylabel)
        tidy(ax, integer_x=x == "step", rate=is_rate(key))
        if not is_rate(key):
            pad_single_point(ax, drawn)
        ax.legend(fontsize=8)
    return fig


def plot_accuracy(table: Sequence[Mapping[str, Any]], title: str) -> Any:
    """Accuracy per model with its 95% interval as error bars, and correct/n over each bar."""
    fig, (ax,) = panels(1)
    fig.set_size_inches(max(4.0, 1.5 * len(table) + 2), 3.2)
    names = [str(r["model"]) for r in table]
    acc = [float(r["accuracy"]) for r in table]
    err = [[a - float(r["ci_low"]) for a, r in zip(acc, table, strict=True)],
           [float(r["ci_high"]) - a for a, r in zip(acc, table, strict=True)]]
    ax.bar(names, acc, yerr=err, capsize=6, color="#4c72b0")
    for i, r in enumerate(table):
        ax.text(i, min(float(r["ci_high"]) + 0.03, 1.0), f"{r['correct']}/{r['n']}", ha="center", fontsize=9)
    ax.set(ylim=(0, 1.08), ylabel="accuracy (95% CI)", title=title)
    tidy(ax, integer_x=False)
    return fig
