"""``ladder sweep``: run a grid of settings over any notebooks, one pipeline run folder per point.

    ladder sweep --notebook 01,08 --params PROFILE --grid grid.yaml [--sweeps-dir runs/sweeps] [--metric KEY]
    ladder sweep --resume runs/sweeps/<sweep-id>

grid.yaml maps dotted settings to lists (``latent.c_thought: [1, 2]``); the points are their Cartesian product.
Every point is validated before any notebook runs. Each point runs into ``<sweep>/points/p000_<slug>/`` (a normal
run folder); ``sweep.json`` records the grid, the profile and every point's status and timings. The sweep then
writes ``summary.csv``, ``summary.json`` (grid values + numeric metrics per point) and ``summary.png`` (``--metric``
against the points). Exit codes: 0 every point completed, 1 a point failed (the others still ran; ``--resume``
reruns only the unfinished ones), 2 unusable input (the grid key, point or flag is named).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ladderlib.pipeline.sweep import Sweep


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``sweep``."""
    p = sub.add_parser("sweep", help="run a grid of settings over notebooks, one run folder per point, with a "
                                     "summary table and plot", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--notebook", help="comma-separated notebook numbers or names, as pipeline --only "
                                      "(e.g. 01,08 when 08 needs 01's data; default: every notebook)")
    p.add_argument("--params", metavar="PROFILE", help="params profile: a YAML file or a name in params/")
    p.add_argument("--grid", metavar="GRID.yaml", help="dotted setting keys mapped to lists of values")
    p.add_argument("--resume", metavar="SWEEP_DIR", help="continue a sweep: skip completed points, resume the rest "
                                                          "(grid, profile and notebooks come from its sweep.json)")
    p.add_argument("--sweeps-dir", default="runs/sweeps", help="where new sweep folders go (default: runs/sweeps)")
    p.add_argument("--metric", help="metric plotted in summary.png, e.g. latent.procedural.coconut.accuracy "
                                    "(default: the first numeric metric every point has)")
    p.add_argument("--notebooks-dir", help="folder of NN_name.ipynb notebooks (default: the repo's notebooks/)")
    p.add_argument("--no-progress", action="store_true", help="hide papermill's per-cell progress bar")
    p.set_defaults(func=sweep_command)


def _fail(message: str) -> int:
    print(f"ladder sweep: {message}", file=sys.stderr)
    return 2


def sweep_command(args: argparse.Namespace) -> int:
    """Plan (or reopen), run and summarise a sweep; see the module docstring for the exit codes."""
    from ladderlib.config.flags import UsageError, profile_path
    from ladderlib.pipeline.sweep import Sweep, SweepError, load_grid, plan_sweep, run_sweep

    try:
        if args.resume:
            if args.params or args.grid or args.notebook:
                raise SweepError("--resume takes the grid, profile and notebooks from the sweep's sweep.json; "
                                 "drop --params, --grid and --notebook")
            sweep_dir = Path(args.resume)
            Sweep.load(sweep_dir)
        else:
            if not args.params or not args.grid:
                raise SweepError("give --params PROFILE and --grid GRID.yaml (or --resume SWEEP_DIR)")
            only = [s for s in args.notebook.split(",") if s.strip()] if args.notebook else None
            sweep_dir, sweep = plan_sweep(profile_path(args.params), load_grid(args.grid), args.sweeps_dir,
                                          only=only, notebooks_dir=args.notebooks_dir)
            print(f"sweep {sweep_dir}: {len(sweep.points)} points over {', '.join(sweep.grid)}")
        sweep = run_sweep(sweep_dir, progress=not args.no_progress)
    except (SweepError, UsageError) as exc:
        return _fail(str(exc))
    return summarise(sweep_dir, sweep, args.metric)


def summarise(sweep_dir: Path, sweep: "Sweep", metric: str | None) -> int:
    """Write summary.csv/json/png, print the table; 1 when a point failed, 2 when ``--metric`` is unknown."""
    import pandas as pd

    from ladderlib.pipeline.sweep import SUMMARY_PNG, default_metric, metric_keys, summary_rows, write_summary
    from ladderlib.plots.sweep import save_png, sweep_figure

    keys = list(sweep.grid)
    rows = summary_rows(sweep_dir, sweep)
    table = write_summary(sweep_dir, rows, keys)
    with pd.option_context("display.max_columns", None, "display.width", 200):
        print(table.to_string(index=False))
    failed = [p.slug for p in sweep.points if p.status != "completed"]
    known = metric_keys(rows, keys)
    chosen = metric or default_metric(rows, keys)
    if metric and metric not in known:
        return _fail(f"--metric {metric!r}: no point recorded it (metrics: {', '.join(known) or 'none'}); "
                     f"summary.csv written, summary.png not")
    if chosen:
        png = save_png(sweep_figure(rows, chosen, keys), sweep_dir / SUMMARY_PNG)
        print(f"plot of {chosen}: {png}")
    else:
        print("no numeric metric common to the points: summary.png not written")
    print(f"summary: {sweep_dir / 'summary.csv'}  ({len(rows) - len(failed)} of {len(rows)} points completed)")
    if failed:
        print(f"ladder sweep: {len(failed)} point(s) did not complete: {', '.join(failed)}; "
              f"rerun them with: ladder sweep --resume {sweep_dir}", file=sys.stderr)
        return 1
    return 0
