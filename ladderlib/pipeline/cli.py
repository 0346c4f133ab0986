"""``ladder pipeline``: run the notebooks with a params profile into a run folder."""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``pipeline`` sub-command."""
    p = sub.add_parser("pipeline", help="run the notebooks in order with papermill")
    p.add_argument("--params", help="params profile (YAML), e.g. params/cpu_smoke.yaml")
    p.add_argument("--only", help="comma-separated notebook numbers or names, e.g. 01,03")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue a run: skip completed notebooks")
    p.add_argument("--runs-dir", default="runs", help="where new run folders go (default: runs)")
    p.add_argument("--notebooks-dir", help="folder of NN_name.ipynb notebooks (default: the repo's notebooks/)")
    p.add_argument("--no-progress", action="store_true", help="hide papermill's per-cell progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the pipeline; exit 1 with the failing notebook and cell named, 2 on bad arguments or params."""
    from ladderlib.config import ParamsError
    from ladderlib.pipeline.runner import PipelineError, run_pipeline

    if not args.params and not args.resume:
        print("ladder pipeline: give --params PROFILE.yaml or --resume RUN_DIR", file=sys.stderr)
        return 2
    only = args.only.split(",") if args.only else None
    try:
        run_pipeline(
            args.params,
            only=only,
            resume=args.resume,
            runs_dir=args.runs_dir,
            notebooks_dir=args.notebooks_dir,
            progress=not args.no_progress,
        )
    except ParamsError as exc:
        print(f"ladder pipeline: {exc}", file=sys.stderr)
        return 2
    except PipelineError as exc:
        print(f"ladder pipeline: {exc}", file=sys.stderr)
        return 1
    return 0
