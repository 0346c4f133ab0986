"""``ladder eval gsm8k``: base vs SFT vs PPO on GSM8K dev or test, greedy, with Wilson 95% intervals (seed 002's
``eval_gsm8k_dev`` and ``eval_platinum``).

    ladder eval gsm8k --models base,sft,ppo [--sft-adapter A] [--ppo-adapter P/adapter] [--split dev|test]
        [--limit N] [--params P] [--model M] [--dataset GSM8K] [--output-dir D] [--json]

The PPO model is rebuilt from its ``stack.json`` (the SFT adapter merged below it when PPO started from SFT).
Settings come from the profile's ``model``, ``evaluation``, ``sft`` (the system prompt) and ``data.gsm8k``.
Exit codes: 0 scored, 2 unusable input (the message names the flag or file).
"""

from __future__ import annotations

import argparse
from typing import Any

from ladderlib.config.flags import (UsageError, add_json, add_model, add_output_dir, add_params, load_profile,
                                    model_settings, require_adapter, run_command, section)
from ladderlib.regime_w.cli import DATASET_HELP, load_errors

EVAL_MODELS = ("base", "sft", "ppo")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``eval gsm8k``."""
    fmt = argparse.RawDescriptionHelpFormatter
    e = sub.add_parser("eval", help="evaluate models on a benchmark (gsm8k: base vs SFT vs PPO, seed 002)")
    benches = e.add_subparsers(dest="eval_command", metavar="BENCHMARK")
    g = benches.add_parser("gsm8k", help="GSM8K accuracy with Wilson 95%% CIs of base/SFT/PPO, greedy",
                           description=__doc__, formatter_class=fmt)
    add_params(g, "model, sft (system prompt), evaluation and data.gsm8k")
    add_model(g)
    g.add_argument("--models", default="base,sft,ppo", help="comma-separated subset of base,sft,ppo (default: all)")
    g.add_argument("--sft-adapter", help="the SFT adapter (needed for 'sft')")
    g.add_argument("--ppo-adapter", help="the PPO adapter folder, e.g. PPO_DIR/adapter (needed for 'ppo')")
    g.add_argument("--split", choices=("dev", "test"), default="test",
                   help="dev: the validation split (the seed's eval_gsm8k_dev); test: the test split (eval_platinum)")
    g.add_argument("--limit", type=int, help="score at most this many questions (default: evaluation.test_examples)")
    g.add_argument("--dataset", help=DATASET_HELP)
    g.add_argument("--max-new-tokens", type=int, help="override evaluation.max_new_tokens")
    g.add_argument("--batch-size", type=int, help="override evaluation.batch_size")
    add_output_dir(g, "per-question records <model>.jsonl and summary.json (optional)", required=False)
    add_json(g)
    g.set_defaults(func=eval_gsm8k_command)
    e.set_defaults(func=lambda args: (e.print_help(), 2)[1])




# --- ladder eval gsm8k ---------------------------------------------------------------------------------------


def _variants(args: argparse.Namespace) -> dict[str, list[str]]:
    """``{name: adapters}`` for ``--models``; unknown names and missing adapters raise ``UsageError``."""
    from ladderlib.regime_w.ppo import ppo_adapter_stack

    names = [m.strip() for m in args.models.split(",") if m.strip()]
    bad = [m for m in names if m not in EVAL_MODELS]
    if not names or bad:
        raise UsageError(f"--models {args.models!r}: unknown model {bad[0] if bad else '(none)'!r} "
                         f"(choose from {', '.join(EVAL_MODELS)})")
    out: dict[str, list[str]] = {}
    for name in dict.fromkeys(names):
        if name == "base":
            out[name] = []
        elif name == "sft":
            if not args.sft_adapter:
                raise UsageError("--models includes 'sft': give its adapter with --sft-adapter")
            out[name] = [str(require_adapter(args.sft_adapter, "--sft-adapter"))]
        else:
            if not args.ppo_adapter:
                raise UsageError("--models includes 'ppo': give its adapter with --ppo-adapter")
            ppo = require_adapter(args.ppo_adapter, "--ppo-adapter")
            if not (ppo / "stack.json").is_file():
                raise UsageError(f"--ppo-adapter {ppo}: no stack.json (not an adapter written by `ladder ppo`)")
            out[name] = ppo_adapter_stack(ppo)
    return out


def _eval_text(r: dict[str, Any]) -> str:
    lines = [f"GSM8K {r['split']} ({r['n']} questions, greedy)",
             f"{'model':<6} {'accuracy':>8}  {'95% CI':<15} {'correct':>9}  parsable"]
    lines += [f"{t['model']:<6} {t['accuracy']:>8.3f}  [{t['ci_low']:.3f}, {t['ci_high']:.3f}]  "
              f"{t['correct']:>4}/{t['n']:<4}  {t['parsable']:.3f}" for t in r["table"]]
    return "\n".join(lines)


def eval_gsm8k_command(args: argparse.Namespace) -> int:
    """Score the chosen models on GSM8K dev or test; the table (accuracy, Wilson 95% CI) as text or JSON."""

    def work() -> dict[str, Any]:
        from ladderlib.config.evaluation import EvalSettings
        from ladderlib.config.sft import SFTSettings
        from ladderlib.data.gsm8k import profile_gsm8k
        from ladderlib.evaluate.compare import compare_models
        from ladderlib.models.generation import Sampling
        from ladderlib.tasks.gsm8k import GSM8KTask

        params = load_profile(args.params)
        model = model_settings(params, args.model, args.device)
        ev = section(params, "evaluation", EvalSettings, {
            "max_new_tokens": ("--max-new-tokens", args.max_new_tokens), "batch_size": ("--batch-size", args.batch_size),
            "test_examples": ("--limit", args.limit)})
        variants = _variants(args)
        rows = profile_gsm8k(params, "validation" if args.split == "dev" else "test", args.dataset)[: ev.test_examples]
        if not rows:
            raise UsageError(f"no GSM8K {args.split} rows to score")
        system = (params.sft if params else SFTSettings()).system_prompt
        _, table = compare_models(model, variants, GSM8KTask(system_prompt=system), rows,
                                  Sampling(max_new_tokens=ev.max_new_tokens), batch_size=ev.batch_size,
                                  out_dir=args.output_dir)
        return {"split": args.split, "n": len(rows), "model": model.name,
                "adapters": {k: v for k, v in variants.items()}, "table": table}

    return run_command("eval gsm8k", args, work, errors=load_errors(), text=_eval_text)
