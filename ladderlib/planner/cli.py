"""``ladder plan-solve``: answer GSM8K-style problems with a trained planner adapter and the frozen worker.

Exit codes: 0 solved (every given gold matched or no golds), 1 some answers wrong, 2 unusable input (no adapter,
unreadable input file, no question). Heavy imports happen inside ``run`` so ``ladder --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``plan-solve`` sub-command."""
    p = sub.add_parser("plan-solve", help="solve problems with a planner LoRA + frozen worker (seed 001)")
    p.add_argument("--adapter", help="folder of the trained planner LoRA adapter (not needed with --base-url)")
    p.add_argument("--base-url", help="OpenAI-compatible server (ladder serve / vllm serve), e.g. http://host:8000/v1")
    p.add_argument("--served-model", help="with --base-url: the base model's name on the server (default: --model)")
    p.add_argument("--planner-name", default="planner", help="with --base-url: the served planner adapter's name")
    p.add_argument("--model", default="embedded", help="base model: 'embedded', a hub id or a local folder")
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda", "mps"])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--question", help="one problem text")
    src.add_argument("--input", help="JSONL file, one {'question': ..., 'answer': optional gold} per line")
    p.add_argument("--output", help="write one JSON result per line to this file")
    p.add_argument("--json", action="store_true", help="print the results as a JSON list instead of text")
    p.add_argument("--engine", default="auto", choices=["auto", "hf", "vllm"],
                   help="auto: vLLM on a CUDA machine that has it, else transformers")
    p.add_argument("--max-plan-tokens", type=int, default=256)
    p.add_argument("--worker-tokens", type=int, default=256, help="max new tokens per worker answer")
    p.add_argument("--max-subproblems", type=int, default=4)
    p.add_argument("--embedding-model", default="embedded",
                   help="sentence-embedding model for independence ('none' to skip)")
    p.set_defaults(func=run)


def _read_input(args: argparse.Namespace) -> tuple[list[str], list[str | None]]:
    """(questions, golds) from ``--question`` or ``--input``; raises ValueError on unusable input."""
    if args.question is not None:
        if not args.question.strip():
            raise ValueError("--question is empty")
        return [args.question], [None]
    from ladderlib.io import read_jsonl

    path = Path(args.input)
    if not path.is_file():
        raise ValueError(f"input file {path} does not exist")
    rows = read_jsonl(path)
    questions, golds = [], []
    for n, row in enumerate(rows, 1):
        q = row.get("question") or row.get("problem")
        if not isinstance(q, str) or not q.strip():
            raise ValueError(f"{path}:{n}: no 'question' field")
        questions.append(q)
        golds.append(None if row.get("answer") is None else str(row["answer"]))
    if not questions:
        raise ValueError(f"input file {path} holds no rows")
    return questions, golds


def _text_report(record: dict[str, Any]) -> str:
    """A few readable lines for one result."""
    lines = [f"Q: {record['question']}"]
    if not record["parse_ok"]:
        lines.append("  plan: unparsable, solved directly")
    elif record["decomposed"]:
        lines.append(f"  plan: {record['n_subproblems']} subproblems (independence {record['independence']:.2f})")
        lines += [f"    [{k}] {s}" for k, s in enumerate(record["subproblems"], 1)]
    else:
        lines.append("  plan: solve directly")
    verdict = "" if record["correct"] is None else ("  (correct)" if record["correct"] else "  (wrong)")
    lines.append(f"  answer: {record['final_answer']}{verdict}   tokens: {record['tokens']}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Plan and solve the given problems; print or write the results."""
    try:
        questions, golds = _read_input(args)
        if args.base_url is None and not args.adapter:
            raise ValueError("give --adapter (a planner LoRA folder) or --base-url (a server serving it)")
        if args.base_url is None and not (Path(args.adapter) / "adapter_config.json").is_file():
            raise ValueError(f"no LoRA adapter at {args.adapter} (adapter_config.json missing)")
    except ValueError as exc:
        print(f"plan-solve: {exc}", file=sys.stderr)
        return 2
    from ladderlib.config.model import ModelSettings
    from ladderlib.models.openai_engine import ServerError
    from ladderlib.planner.inference import solve

    try:
        results = solve(
            questions,
            ModelSettings(name=args.model, device=args.device),
            args.adapter,
            golds=golds if any(g is not None for g in golds) else None,
            engine=args.engine,
            max_plan_tokens=args.max_plan_tokens,
            worker_max_new_tokens=args.worker_tokens,
            max_subproblems=args.max_subproblems,
            embedding_model=None if args.embedding_model.lower() == "none" else args.embedding_model,
            base_url=args.base_url,
            served_model=args.served_model or args.model,
            planner_name=args.planner_name,
        )
    except ServerError as exc:
        print(f"plan-solve: {exc}", file=sys.stderr)
        return 2
    records = [r.to_dict() for r in results]
    if args.output:
        from ladderlib.io import write_jsonl

        write_jsonl(Path(args.output), records)
    if args.json:
        print(json.dumps(records, indent=2, ensure_ascii=False))
    else:
        print("\n".join(_text_report(r) for r in records))
    return 1 if any(r["correct"] is False for r in records) else 0
