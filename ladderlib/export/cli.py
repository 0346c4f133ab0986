"""``ladder export verl|openrlhf``: a task's rows as a veRL or OpenRLHF hand-off folder (data + reward file).

    ladder export verl --dataset variants.json --output DIR [--task integrals] [--test FILE | --test-fraction F]
    ladder export openrlhf --task gsm8k --dataset train.jsonl --test test.jsonl --output DIR

``--dataset`` is a LADDER variant dataset (JSON), a JSON list or JSONL of task rows (GSM8K ``question/answer``,
MBPP or seed-format code problems, rows with ``integrand``). Prints the written paths as JSON; exit 2 names
the unusable file or row.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``export`` with its ``verl`` and ``openrlhf`` sub-commands."""
    p = sub.add_parser("export", help="hand-off folders for cluster RL engines (veRL parquet, OpenRLHF JSONL)")
    engines = p.add_subparsers(dest="engine", metavar="ENGINE", required=True)
    for engine, what in (("verl", "train/test parquet in veRL's schema + compute_score reward file"),
                         ("openrlhf", "train/test JSONL with a label key + reward_func file")):
        e = engines.add_parser(engine, help=what)
        e.add_argument("--dataset", required=True, help="variant dataset JSON, JSON list or JSONL of task rows")
        e.add_argument("--output", required=True, help="folder to write (created)")
        e.add_argument("--task", default="integrals", choices=("integrals", "gsm8k", "code"),
                       help="what the rows are (default: integrals, LADDER variants)")
        e.add_argument("--test", help="held-out rows (same formats); default: --test-fraction of --dataset")
        e.add_argument("--test-fraction", type=float, default=0.1, help="share of --dataset held out when no --test")
        e.add_argument("--seed", type=int, default=0, help="seed of the train/test split")
        e.add_argument("--limit", type=int, help="use only the first N rows of --dataset")
        e.set_defaults(func=run)


def read_task_rows(path: str | Path, task_name: str) -> list[dict]:
    """Rows of ``path`` (JSON, variant dataset or JSONL), each checked to carry what the task's grader needs."""
    from ladderlib.export.records import ground_truth
    from ladderlib.io import read_jsonl
    from ladderlib.ladder.variants.dataset import load_dataset

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"dataset file {path} does not exist")
    try:
        rows = read_jsonl(path) if path.suffix == ".jsonl" else load_dataset(path)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not JSON/JSONL ({exc.msg}, line {exc.lineno})") from None
    if not rows:
        raise ValueError(f"{path}: no rows")
    if task_name == "code":  # raw MBPP (the hub's and the shared file's rows) names its id task_id
        rows = [{**r, "id": f"mbpp-{r['task_id']}"} if isinstance(r, dict) and "task_id" in r and "id" not in r
                else r for r in rows]
    for i, row in enumerate(rows):
        try:
            if not isinstance(row, dict):
                raise TypeError("not an object")
            ground_truth(task_name, row)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: row {i} is not a {task_name} row ({type(exc).__name__}: {exc})") from None
    return rows


def run(args: argparse.Namespace) -> int:
    """Write the hand-off folder and print its manifest as JSON; bad input returns 2 with a one-line reason."""
    from ladderlib.export.write import split_rows, write_handoff
    from ladderlib.tasks import get_task

    try:
        rows = read_task_rows(args.dataset, args.task)[: args.limit]
        if args.test:
            train, test = rows, read_task_rows(args.test, args.task)
        else:
            train, test = split_rows(rows, args.test_fraction, args.seed)
        info = {"dataset": str(args.dataset), "test_from": args.test or f"{args.test_fraction} of dataset",
                "seed": args.seed}
        summary = write_handoff(args.engine, get_task(args.task), train, test, args.output, info)
    except ValueError as exc:
        print(f"ladder export {args.engine}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=1))
    return 0
