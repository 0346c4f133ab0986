"""``ladder generate-variants`` and ``ladder generate-dataset``.

Exit codes: 0 done, 2 bad input (unparsable problem, missing/empty file, invalid option), 1 the model
could not be loaded. Heavy imports (sympy, torch, transformers) happen inside the commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

SOURCES = ("mixed", "symbolic", "model")


def _common(p: argparse.ArgumentParser, max_depth: int) -> None:
    p.add_argument("--max-depth", type=int, default=max_depth, help=f"recursion depth (default {max_depth})")
    p.add_argument("--breadth", type=int, default=None, help="variants requested per node (default 3)")
    p.add_argument("--source", choices=SOURCES, default="mixed", help="variant source (default mixed)")
    p.add_argument("--seed", type=int, default=0, help="seed (same seed + settings = same trees)")
    p.add_argument("--max-new-tokens", type=int, default=None, help="tokens per model answer (default 256)")
    p.add_argument("--model", default="embedded", help="model for --source model|mixed (default: embedded)")
    p.add_argument("--difficulty-timeout", type=float, default=None,
                   help="seconds for sympy's integral_steps per node in the difficulty estimate (default 2)")


def register(subparsers: Any) -> None:
    """Add the ``generate-variants`` and ``generate-dataset`` sub-commands."""
    p = subparsers.add_parser("generate-variants", help="grow a LADDER variant tree for one integral")
    p.add_argument("--problem", required=True, help='e.g. "Integrate x^2 * sin(x) dx"')
    p.add_argument("--output", required=True, type=Path, help="tree JSON to write")
    p.add_argument("--max-nodes", type=int, default=None, help="most variants in the tree (default 50)")
    _common(p, max_depth=3)
    p.set_defaults(func=cmd_generate_variants)

    p = subparsers.add_parser("generate-dataset", help="variant trees for a file of problems, as training rows")
    p.add_argument("--input", required=True, type=Path, help="problems, one per line (# comments allowed)")
    p.add_argument("--output", required=True, type=Path, help="dataset JSON to write")
    p.add_argument("--problems-per-tree", type=int, default=50, help="most variants per tree (default 50)")
    p.add_argument("--trees-output", type=Path, default=None, help="forest JSON (default: OUTPUT with .trees.json)")
    p.add_argument("--antiderivative-timeout", type=float, default=2.0, help="seconds per variant for sympy (0: skip)")
    _common(p, max_depth=4)
    p.set_defaults(func=cmd_generate_dataset)


def _fail(msg: str, code: int = 2) -> int:
    print(f"error: {msg}", file=sys.stderr)
    return code


def _settings(args: argparse.Namespace, max_nodes: int | None) -> Any:
    from ladderlib.config.variants import VariantSettings

    kw: dict[str, Any] = {"max_depth": args.max_depth, "variant_source": args.source, "seed": args.seed}
    if args.breadth is not None:
        kw["breadth"] = args.breadth
    if max_nodes is not None:
        kw["max_nodes_per_tree"] = max_nodes
    if args.max_new_tokens is not None:
        kw["max_new_tokens"] = args.max_new_tokens
    if args.difficulty_timeout is not None:
        kw["difficulty_timeout_s"] = args.difficulty_timeout
    return VariantSettings(**kw)


def _generate_fn(args: argparse.Namespace) -> Any:
    """Load the model for model/mixed sources and wrap it as a seeded ``generate_fn``."""
    if args.source == "symbolic":
        return None
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from ladderlib.config.model import ModelSettings
    from ladderlib.models import load_model
    from ladderlib.models.generation import Engine

    model, tokenizer = load_model(ModelSettings(name=args.model))
    return Engine(model, tokenizer)


def _prepare(args: argparse.Namespace, max_nodes: int | None) -> tuple[Any, Any] | int:
    from pydantic import ValidationError

    try:
        settings = _settings(args, max_nodes)
    except ValidationError as exc:
        return _fail("invalid option: " + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    try:
        gen = _generate_fn(args)
    except Exception as exc:  # noqa: BLE001 - any load failure is reported the same way
        return _fail(f"could not load model {args.model!r}: {exc}", code=1)
    return settings, gen


def _summary_line(stats: dict[str, Any]) -> str:
    parts = []
    for source, st in stats.items():
        drops = ", ".join(f"{k}={v}" for k, v in st["dropped"].items()) or "none"
        parts.append(f"{source}: proposed {st['proposed']}, accepted {st['accepted']}, dropped [{drops}]")
    return "; ".join(parts) or "no proposals"


def cmd_generate_variants(args: argparse.Namespace) -> int:
    """Grow one tree and write it as JSON."""
    from ladderlib.ladder.variants.generate import generate_tree, parse_root, summarize_stats
    from ladderlib.ladder.variants.tree import save_tree

    try:
        parse_root(args.problem)
    except ValueError as exc:
        return _fail(f"cannot use problem {args.problem!r}: {exc}")
    prepared = _prepare(args, args.max_nodes)
    if isinstance(prepared, int):
        return prepared
    settings, gen = prepared
    tree = generate_tree(args.problem, gen, settings=settings, seed=args.seed)
    save_tree(args.output, tree)
    print(f"wrote {args.output}: {len(tree.nodes) - 1} variants, depth {tree.max_depth()} "
          f"({_summary_line(summarize_stats(tree))})")
    return 0


def read_problems(path: Path) -> list[str]:
    """Non-blank, non-comment lines of a problems file."""
    lines = (ln.strip() for ln in path.read_text(encoding="utf-8").splitlines())
    return [ln for ln in lines if ln and not ln.startswith("#")]


def cmd_generate_dataset(args: argparse.Namespace) -> int:
    """Grow a tree per problem, write the forest and the dataset rows."""
    from ladderlib.ladder.variants.dataset import build_dataset, save_dataset
    from ladderlib.ladder.variants.generate import generate_forest, parse_root, summarize_stats
    from ladderlib.ladder.variants.tree import save_trees

    if not args.input.is_file():
        return _fail(f"input file {str(args.input)!r} does not exist")
    problems = read_problems(args.input)
    if not problems:
        return _fail(f"input file {str(args.input)!r} holds no problems")
    bad = []
    for n, p in enumerate(problems, 1):
        try:
            parse_root(p)
        except ValueError as exc:
            bad.append(f"  problem {n} {p!r}: {exc}")
    if bad:
        return _fail("cannot use these problems:\n" + "\n".join(bad))
    prepared = _prepare(args, args.problems_per_tree)
    if isinstance(prepared, int):
        return prepared
    settings, gen = prepared

    def progress(i: int, tree: Any) -> None:
        print(f"[{i + 1}/{len(problems)}] {tree.root.integrand}: {len(tree.nodes) - 1} variants", file=sys.stderr)

    trees = generate_forest(problems, gen, settings=settings, seed=args.seed, progress=progress)
    trees_out = args.trees_output or args.output.with_name(args.output.stem + ".trees.json")
    save_trees(trees_out, trees)
    rows = build_dataset(trees, antiderivatives=args.antiderivative_timeout > 0,
                         antiderivative_timeout_s=args.antiderivative_timeout)
    stats = summarize_stats(trees)
    save_dataset(args.output, rows, {"trees": len(trees), "rows": len(rows), "stats": stats,
                                     "settings": settings.model_dump(mode="json"), "trees_file": str(trees_out)})
    print(f"wrote {args.output}: {len(rows)} rows from {len(trees)} trees; trees in {trees_out} "
          f"({_summary_line(stats)})")
    return 0
