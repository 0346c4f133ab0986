"""The final table as one figure: accuracy with its 95% interval for every (task, system, model) row of the run;
a row whose artifact is missing keeps its place and says "missing"."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from ladderlib.plots.figure import tidy


def _num(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def plot_final_table(rows: Sequence[Mapping[str, Any]], title: str = "Final evaluation: accuracy (95% CI)") -> Any:
    """Horizontal interval plot, one line per row (``task · system · model``), grouped by task, top to bottom."""
    from matplotlib.figure import Figure

    rows = list(rows)
    fig = Figure(figsize=(7.5, 0.45 * max(len(rows), 1) + 1.2), layout="constrained")
    ax = fig.subplots()
    labels = [f"{r['task']} · {r['system']} · {r['model']}" for r in rows]
    for y, r in enumerate(rows):
        acc, lo, hi = _num(r.get("accuracy")), _num(r.get("ci_low")), _num(r.get("ci_high"))
        if r.get("status") == "missing" or acc is None:
            ax.text(0.5, y, "missing", ha="center", va="center", color="0.5", fontsize=9)
            continue
        ax.errorbar([acc], [y], xerr=[[acc - (lo if lo is not None else acc)], [(hi if hi is not None else acc) - acc]],
                    fmt="o", color="#4c72b0", capsize=4)
        n, k = r.get("n"), r.get("correct")
        if n is not None and k is not None:
            ax.text(min((hi if hi is not None else acc) + 0.02, 1.0), y, f"{int(k)}/{int(n)}", va="center", fontsize=8)
    tidy(ax, integer_x=False)  # before the labels: its y formatter would replace them with numbers
    ax.set_yticks(range(len(rows)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set(xlim=(-0.02, 1.1), xlabel="accuracy (95% CI)", title=title)
    return fig
