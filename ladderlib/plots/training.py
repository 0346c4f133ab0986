"""Figures for training notebooks: metric curves from ``metrics.jsonl`` and accuracy bars with confidence intervals."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ladderlib.io import read_jsonl


def plot_curves(rows: Sequence[dict[str, Any]], keys: Sequence[str], title: str, x: str = "step") -> Any:
    """One small panel per metric key, plotted against ``x``; keys absent from the rows are skipped."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    keys = [k for k in keys if any(k in r for r in rows)]
    fig, axes = plt.subplots(1, max(1, len(keys)), figsize=(3.2 * max(1, len(keys)), 2.8), squeeze=False)
    for ax, k in zip(axes[0], keys, strict=False):
        pts = [(r.get(x, i), r[k]) for i, r in enumerate(rows) if k in r and r[k] is not None]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=3)
        ax.set(title=k, xlabel=x)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_metrics_file(path: str | Path, keys: Sequence[str], title: str) -> Any:
    """``plot_curves`` on a ``metrics.jsonl`` file."""
    return plot_curves(read_jsonl(Path(path)), keys, title)


def plot_accuracy(table: Sequence[dict[str, Any]], title: str) -> Any:
    """Accuracy per model with its 95% interval as error bars (rows from ``results_table``)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    names = [r["model"] for r in table]
    acc = [r["accuracy"] for r in table]
    err = [[a - r["ci_low"] for a, r in zip(acc, table, strict=True)], [r["ci_high"] - a for a, r in zip(acc, table, strict=True)]]
    fig, ax = plt.subplots(figsize=(1.6 * len(names) + 2, 3))
    ax.bar(names, acc, yerr=err, capsize=6, color="#4c72b0")
    for i, r in enumerate(table):
        ax.text(i, r["ci_high"] + 0.01, f"{r['correct']}/{r['n']}", ha="center", fontsize=8)
    ax.set(ylim=(0, 1), ylabel="accuracy (95% CI)", title=title)
    fig.tight_layout()
    return fig


def plot_arms(curves: dict[str, Sequence[dict[str, Any]]], keys: Sequence[str], title: str, x: str = "step") -> Any:
    """One panel per metric key with one line per arm (e.g. GRPO on variants vs on the original problems)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    keys = [k for k in keys if any(k in r for rows in curves.values() for r in rows)]
    fig, axes = plt.subplots(1, max(1, len(keys)), figsize=(3.4 * max(1, len(keys)), 2.9), squeeze=False)
    for ax, k in zip(axes[0], keys, strict=False):
        for name, rows in curves.items():
            pts = [(r.get(x, i), r[k]) for i, r in enumerate(rows) if r.get(k) is not None]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", ms=3, label=name)
        ax.set(title=k, xlabel=x)
        ax.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig
