"""The summary figure of a sweep (``ladder sweep``): one metric across the grid points, each point labelled by
its grid values; failed points and points without the metric are marked instead of left out."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ladderlib.plots.figure import is_rate, pad_single_point, tidy


def point_label(row: Mapping[str, Any], grid_keys: Sequence[str]) -> str:
    """A tick label: one ``key=value`` line per grid key (the key's last dotted part)."""
    return "\n".join(f"{k.split('.')[-1]}={row.get(k)}" for k in grid_keys)


def sweep_figure(rows: Sequence[Mapping[str, Any]], metric: str, grid_keys: Sequence[str]) -> Any:
    """A bar per point of ``metric``; a point that failed or lacks the metric shows a label instead of a bar."""
    from matplotlib.figure import Figure

    n = len(rows)
    labels = [f"{row.get('point', '')[:4]}\n{point_label(row, grid_keys)}" for row in rows]
    longest = max((len(line) for text in labels for line in text.splitlines()), default=4)
    per_point = max(0.9, 0.075 * longest)  # inches: fontsize-8 labels side by side without overlap
    rotate = n * per_point > 14.0  # too many points for one row of labels: slant them
    if rotate:
        labels = [text.replace("\n", " ", 1).replace("\n", ", ") for text in labels]
    width = min(16.0, max(4.5, (0.9 if rotate else per_point) * n + 1.5))
    fig = Figure(figsize=(width, 3.2 + (0.055 * longest * len(grid_keys) if rotate else 0.22 * (1 + len(grid_keys)))),
                 layout="constrained")
    ax = fig.subplots()
    values = [row.get(metric) for row in rows]
    ys = [float(v) if isinstance(v, (int, float)) and math.isfinite(v) else None for v in values]
    xs = list(range(n))
    ax.bar([x for x, y in zip(xs, ys) if y is not None], [y for y in ys if y is not None], color="tab:blue",
           alpha=0.85)
    for x, y, row in zip(xs, ys, rows):
        if y is None:
            why = "failed" if row.get("status") == "failed" else "no value"
            ax.text(x, 0, why, ha="center", va="bottom", rotation=90, color="tab:red")
        else:
            ax.text(x, y, f"{y:.4g}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(xs, labels, fontsize=8, rotation=60 if rotate else 0, ha="right" if rotate else "center",
                  rotation_mode="anchor" if rotate else "default")
    rate = is_rate(metric) or metric.endswith(("accuracy", "_rate"))
    tidy(ax, integer_x=False, rate=rate)
    if not rate:
        pad_single_point(ax, [y for y in ys if y is not None])
    ax.set_ylabel(metric.split(".")[-1].replace("_", " "))
    ax.set_title(f"{metric} across {n} sweep points")
    return fig


def save_png(fig: Any, path: str | Path, dpi: int = 110) -> Path:
    """Write ``fig`` to ``path`` as PNG, atomically."""
    out = Path(path)
    tmp = out.with_name(f".{out.name}.tmp.png")
    fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
    os.replace(tmp, out)
    return out
