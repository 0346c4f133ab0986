"""Figures and tables for the notebooks.

Plot functions return ``matplotlib.figure.Figure`` objects and never switch the backend; ``show(fig, run, name)``
saves a figure to ``plots/`` and displays it inline; ``tables.table(rows)`` renders any list of dicts as an
escaped HTML table.
"""

from ladderlib.plots.save import save_figure, show

__all__ = ["save_figure", "show"]
