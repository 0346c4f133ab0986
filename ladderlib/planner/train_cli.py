"""Seed 001's training entry points as commands: ``ladder planner sft`` (``dummy_planner.py``) and
``ladder planner train`` (``grpo_training.py``).

    ladder planner sft --output-dir D [--params P] [--model M] [--dataset PLANS | --gsm8k GSM8K] [--max-steps N]
        [--lora-r R --lora-alpha A] [--resume|--overwrite] [--json]
    ladder planner train --output-dir D [--base-model M] [--max-steps N] [--lora-r R] [--lora-alpha A]
        [--correctness-weight W] [--token-weight W] [--independence-weight W] [--sft-adapter D/adapter]
        [--gsm8k GSM8K] [--resume|--overwrite] [--json]

Planner SFT learns JSON plans from a plans dataset (``--dataset``: a JSONL or a hub id such as
``emilbiju/Planning-Data-Math-Full-Soln``) or, by default, from plans built offline from GSM8K's solution steps.
Planner GRPO trains the planner LoRA (continuing ``--sft-adapter`` when given) against the frozen worker with
reward = correctness_weight·correct + token_weight·efficiency + independence_weight·independence. Settings come
from the profile's ``model``, ``planner_sft`` / ``planner_grpo`` and ``data.gsm8k`` sections; flags override
them. Exit codes: 0 trained, 2 unusable input (the message names the file or flag).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ladderlib.config.flags import (UsageError, add_json, add_model, add_output_dir, add_params, add_resume,
                                    guard_output, load_profile, model_settings, require_adapter, run_command,
                                    section)

GSM8K_HELP = ("GSM8K: a folder with train.jsonl and test.jsonl, or a JSONL of {question, answer} rows "
              "(default: the profile's data.gsm8k)")
SFT_OUTPUTS = ("adapter", ".adapter.work", "summary.json")
GRPO_OUTPUTS = ("checkpoints", "adapter", "summary.json", "metrics.jsonl", "tensorboard")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``planner sft`` and ``planner train``."""
    fmt = argparse.RawDescriptionHelpFormatter
    p = sub.add_parser("planner", help="planner/worker system: planner SFT and GRPO training (seed 001)")
    actions = p.add_subparsers(dest="planner_command", metavar="ACTION")
    s = actions.add_parser("sft", help="planner LoRA on JSON plans (the seed's dummy_planner.py)",
                           description=__doc__, formatter_class=fmt)
    add_params(s, "model, planner_sft and data.gsm8k")
    add_model(s, "--model", "--base-model")
    src = s.add_mutually_exclusive_group()
    src.add_argument("--dataset", help="plans dataset: a JSONL file or a hub id 'owner/name' (overrides planner_sft.dataset)")
    src.add_argument("--gsm8k", help=GSM8K_HELP + "; plans are built from its solution steps")
    add_output_dir(s, "adapter/ (the planner LoRA and tokenizer) and summary.json")
    s.add_argument("--max-steps", type=int, help="override planner_sft.max_steps")
    s.add_argument("--max-train-examples", type=int, help="override planner_sft.max_train_examples")
    s.add_argument("--learning-rate", type=float, help="override planner_sft.learning_rate")
    s.add_argument("--lora-r", type=int, help="override planner_sft.lora.r")
    s.add_argument("--lora-alpha", type=int, help="override planner_sft.lora.alpha")
    add_resume(s)
    add_json(s)
    s.set_defaults(func=sft_command)

    t = actions.add_parser("train", help="planner GRPO against the frozen worker (the seed's grpo_training.py)",
                           description=__doc__, formatter_class=fmt)
    add_params(t, "model, planner_grpo and data.gsm8k")
    add_model(t, "--base-model", "--model")
    t.add_argument("--gsm8k", help=GSM8K_HELP + "; its training split is used")
    t.add_argument("--sft-adapter", help="continue this planner SFT adapter (default: a fresh LoRA)")
    add_output_dir(t, "checkpoints/, adapter/, metrics.jsonl, tensorboard/ and summary.json")
    t.add_argument("--max-steps", type=int, help="override planner_grpo.max_steps")
    t.add_argument("--lora-r", type=int, help="override model.lora.r (the GRPO adapter's rank)")
    t.add_argument("--lora-alpha", type=int, help="override model.lora.alpha")
    t.add_argument("--learning-rate", type=float, help="override planner_grpo.learning_rate")
    t.add_argument("--num-generations", type=int, help="override planner_grpo.num_generations (the GRPO group)")
    t.add_argument("--correctness-weight", type=float, help="override planner_grpo.correctness_weight")
    t.add_argument("--token-weight", type=float, help="override planner_grpo.token_weight (token efficiency)")
    t.add_argument("--independence-weight", type=float, help="override planner_grpo.independence_weight")
    t.add_argument("--max-train-examples", type=int, help="override planner_grpo.max_train_examples")
    t.add_argument("--embedding-model", help="override planner_grpo.embedding_model ('embedded' MiniLM, a hub id or a folder)")
    add_resume(t)
    add_json(t)
    t.set_defaults(func=train_command)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _errors() -> tuple[type[BaseException], ...]:
    from ladderlib.models import ModelLoadError
    from ladderlib.train.checkpoints import CheckpointMismatchError

    return (ModelLoadError, CheckpointMismatchError)


def _reused(out: Path) -> dict[str, Any] | None:
    """The summary of a finished SFT run in ``out`` (for ``--resume``), else None."""
    import json

    if (out / "summary.json").is_file() and (out / "adapter" / "adapter_config.json").is_file():
        return {**json.loads((out / "summary.json").read_text()), "reused": True}
    return None


def sft_command(args: argparse.Namespace) -> int:
    """Train the planner LoRA into ``--output-dir/adapter``; the metrics as JSON or one line of text."""

    def work() -> dict[str, Any]:
        from ladderlib.config.planner import PlannerSFTSettings
        from ladderlib.data.gsm8k import profile_gsm8k
        from ladderlib.io import atomic_write_json
        from ladderlib.planner.sft import planner_sft_rows, train_planner_sft

        params = load_profile(args.params)
        model = model_settings(params, args.model, args.device)
        settings = section(params, "planner_sft", PlannerSFTSettings, {
            "dataset": ("--dataset", str(Path(args.dataset).resolve()) if args.dataset and Path(args.dataset).exists()
                        else args.dataset),
            "max_steps": ("--max-steps", args.max_steps), "max_train_examples": ("--max-train-examples", args.max_train_examples),
            "learning_rate": ("--learning-rate", args.learning_rate), "lora.r": ("--lora-r", args.lora_r),
            "lora.alpha": ("--lora-alpha", args.lora_alpha), "resume": ("--resume", True if args.resume else None)})
        if args.gsm8k:
            settings = settings.model_copy(update={"dataset": None})
        out = Path(args.output_dir)
        guard_output(out, args, SFT_OUTPUTS)
        if args.resume and (done := _reused(out)) is not None:
            return done
        gsm8k = [] if settings.dataset else profile_gsm8k(params, "train", args.gsm8k)
        try:
            source, rows = planner_sft_rows(settings, gsm8k)
        except RuntimeError as exc:  # a hub dataset that cannot be reached
            raise UsageError(f"--dataset {settings.dataset}: {exc}") from None
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise UsageError(f"--dataset {settings.dataset}: unreadable ({exc})") from None
        if not rows:
            raise UsageError(f"no planner training rows from {source}")
        try:
            metrics = train_planner_sft(model, settings, rows, out / "adapter")
        except (KeyError, ValueError) as exc:
            raise UsageError(f"planner rows from {source} are unusable: {exc}") from None
        summary = {**metrics, "source": source, "base_model": model.name}
        atomic_write_json(out / "summary.json", summary)
        return summary

    return run_command("planner sft", args, work, errors=_errors(),
                       text=lambda r: f"planner SFT on {r['source']}: {r['steps']} steps, {r['examples']} examples, "
                                      f"loss {r['train_loss']:.4f} -> adapter {r['adapter_path']}")


def train_command(args: argparse.Namespace) -> int:
    """Planner GRPO into ``--output-dir``; the summary as JSON or a line of text."""

    def work() -> dict[str, Any]:
        from ladderlib.config.planner import PlannerGRPOSettings
        from ladderlib.data.gsm8k import profile_gsm8k
        from ladderlib.planner.grpo import train_planner_grpo

        params = load_profile(args.params)
        model = model_settings(params, args.model, args.device)
        if (args.lora_r is not None or args.lora_alpha is not None) and args.sft_adapter:
            raise UsageError("--lora-r/--lora-alpha shape a fresh adapter; with --sft-adapter GRPO continues that "
                             "adapter, whose shape is fixed: drop one of them")
        if args.lora_r is not None or args.lora_alpha is not None:
            from ladderlib.config.flags import validated
            from ladderlib.config.model import ModelSettings

            model = validated(ModelSettings, model.model_dump(), {"lora.r": ("--lora-r", args.lora_r),
                                                                  "lora.alpha": ("--lora-alpha", args.lora_alpha)})
        settings = section(params, "planner_grpo", PlannerGRPOSettings, {
            "max_steps": ("--max-steps", args.max_steps), "learning_rate": ("--learning-rate", args.learning_rate),
            "num_generations": ("--num-generations", args.num_generations),
            "correctness_weight": ("--correctness-weight", args.correctness_weight),
            "token_weight": ("--token-weight", args.token_weight),
            "independence_weight": ("--independence-weight", args.independence_weight),
            "max_train_examples": ("--max-train-examples", args.max_train_examples),
            "embedding_model": ("--embedding-model", args.embedding_model)})
        if settings.save_steps > settings.max_steps:  # a short run still leaves a resumable checkpoint at its end
            settings = settings.model_copy(update={"save_steps": settings.max_steps})
        adapter = require_adapter(args.sft_adapter, "--sft-adapter")
        out = Path(args.output_dir)
        guard_output(out, args, GRPO_OUTPUTS)
        rows = profile_gsm8k(params, "train", args.gsm8k)
        summary = train_planner_grpo(model, settings, rows, out, adapter, resume=bool(args.resume),
                                     strict_resume=True)
        return {k: v for k, v in summary.items() if k != "fingerprint"}

    return run_command("planner train", args, work, errors=_errors(),
                       text=lambda r: f"planner GRPO: {r.get('steps')} steps -> {r.get('adapter')}")
