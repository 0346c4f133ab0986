"""``ladder train``: GRPO on a variant dataset (seed 000's command), resumable.

    ladder train --dataset variants.json --model MODEL --output-dir DIR [--params PROFILE] [--resume]

Settings come from the profile's ``grpo`` section (defaults without one); ``--model`` overrides the profile's
model name. A folder with checkpoints of an earlier run is only continued with ``--resume`` (an error if that
run used other settings or data) or discarded with ``--overwrite``. Exit codes: 0 trained, 2 unusable input.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``train`` sub-command."""
    p = sub.add_parser("train", help="GRPO on a LADDER variant dataset (resumable)")
    p.add_argument("--dataset", required=True, help="variant dataset JSON (from 02_variants or generate-dataset) or JSONL rows with 'integrand'")
    p.add_argument("--model", help="embedded, a hub id or a local folder (default: the profile's model)")
    p.add_argument("--output-dir", required=True, help="where checkpoints, metrics.jsonl, tensorboard/ and adapter/ go")
    p.add_argument("--params", help="params profile whose model and grpo sections to use")
    p.add_argument("--eval", help="held-out problems (JSON/JSONL rows with 'integrand') measured before and after")
    p.add_argument("--max-steps", type=int, help="override grpo.max_steps")
    p.add_argument("--warmup-sft-steps", type=int, help="override grpo.warmup_sft_steps")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--resume", action="store_true", help="continue the run in --output-dir")
    group.add_argument("--overwrite", action="store_true", help="discard checkpoints of an earlier run in --output-dir")
    p.set_defaults(func=run)


def read_rows(path: str | Path) -> list[dict]:
    """Problem rows from a variant dataset JSON, a JSON list or a JSONL file; each needs an ``integrand``."""
    from ladderlib.io import read_jsonl
    from ladderlib.ladder.variants.dataset import load_dataset

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"dataset file {path} does not exist")
    rows = read_jsonl(path) if path.suffix == ".jsonl" else load_dataset(path)
    bad = [i for i, r in enumerate(rows) if not isinstance(r, dict) or not str(r.get("integrand", "")).strip()]
    if not rows or bad:
        raise ValueError(f"{path}: {'no rows' if not rows else f'row {bad[0]} has no integrand'}")
    return rows


def run(args: argparse.Namespace) -> int:
    """Train, print the summary as JSON on stdout (progress on stderr); bad input prints one line naming the problem and returns 2."""
    from ladderlib.config import load_params
    from ladderlib.config.load import ParamsError
    from ladderlib.config.model import ModelSettings
    from ladderlib.config.ladder import LadderGRPOSettings
    from ladderlib.ladder.grpo import train_ladder_grpo
    from ladderlib.train.checkpoints import CheckpointMismatchError, committed_checkpoints

    try:
        params = load_params(args.params) if args.params else None
        model = params.model if params else ModelSettings()
        if args.model:
            model = ModelSettings.model_validate({**model.model_dump(), "name": args.model})
        settings = params.grpo if params else LadderGRPOSettings()
        updates = {k: v for k, v in (("max_steps", args.max_steps), ("warmup_sft_steps", args.warmup_sft_steps)) if v is not None}
        settings = LadderGRPOSettings.model_validate({**settings.model_dump(), **updates})
        rows = read_rows(args.dataset)
        eval_rows = read_rows(args.eval) if args.eval else None
        out = Path(args.output_dir)
        if not args.resume and not args.overwrite and committed_checkpoints(out / "checkpoints"):
            raise ValueError(f"{out} holds checkpoints of an earlier run: pass --resume to continue it or --overwrite")
        with contextlib.redirect_stdout(sys.stderr):  # trainer logs to stderr: stdout carries only the summary
            summary = train_ladder_grpo(model, settings, rows, out, eval_rows=eval_rows, resume=args.resume,
                                        strict_resume=True)
    except (ValueError, ParamsError, CheckpointMismatchError, FileNotFoundError) as exc:
        print(f"ladder train: {exc}", file=sys.stderr)
        return 2
    from ladderlib.train.distributed import is_main

    if is_main():  # under accelerate launch: one summary on stdout, not one per process
        print(json.dumps(summary, indent=1))
    return 0
