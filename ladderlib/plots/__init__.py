"""Matplotlib figures for the notebooks; each function returns the figure and can save it into the run folder."""

from ladderlib.plots.save import save_figure

__all__ = ["save_figure"]
