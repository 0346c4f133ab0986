"""Seed 002's entry points as commands (tutor SFT, the Regime W demo, rollouts, PPO, GSM8K evaluation).

    ladder sft --output-dir D [--params P] [--model M] [--dataset GSM8K] [--max-steps N] [--qlora] [--resume|--overwrite]
    ladder regime-w demo [--params P] [--model M] [--adapter SFT] [--dataset GSM8K] [--questions N]
    ladder rollouts --output-dir D [--adapter SFT] [--n-questions N] [--resume|--overwrite]   (D/rollouts.jsonl)
    ladder ppo --rollouts D/rollouts.jsonl --output-dir P [--sft-adapter SFT] [--steps N] [--target-kl K]
    ladder eval gsm8k ...   (in ``eval_cli``)

Settings come from the profile's sections (``model``, ``sft``, ``regime_w``, ``ppo``, ``evaluation``, ``data.gsm8k``;
defaults without ``--params``); flags override them. GSM8K comes from ``--dataset`` (a GSM8K folder with
train.jsonl/test.jsonl, or a JSONL of rows) or else the profile's ``data.gsm8k``. Every command prints its
result as JSON with ``--json`` (progress on stderr); exit 0 done, 2 unusable input (the message names it).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ladderlib.config.flags import (UsageError, add_json, add_model, add_output_dir, add_params, add_resume,
                                    guard_output, load_profile, model_settings, require_adapter, require_file,
                                    run_command, section)

DATASET_HELP = "GSM8K: a folder with train.jsonl and test.jsonl, or a JSONL of {question, answer} rows " \
               "(default: the profile's data.gsm8k)"
SAMPLE_QUESTIONS = [  # the seed's demo: a few GSM8K-style questions with known answers
    {"id": "demo-1", "question": "Natalia sold clips to 48 of her friends in April, and then she sold half as many "
                                 "clips in May. How many clips did Natalia sell altogether in April and May?",
     "answer": "72"},
    {"id": "demo-2", "question": "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of "
                                 "babysitting. How much did she earn?", "answer": "10"},
    {"id": "demo-3", "question": "A robe takes 2 bolts of blue fiber and half that much white fiber. How many bolts "
                                 "in total does it take?", "answer": "3"},
]
SFT_OUTPUTS = ("adapter", ".adapter.work", "summary.json")
ROLLOUT_OUTPUTS = ("rollouts.jsonl", "rollouts.settings.json", "summary.json")
PPO_OUTPUTS = ("trainer", "adapter", "summary.json")


def load_errors() -> tuple[type[BaseException], ...]:
    """The model-loading errors that mean unusable input (a missing model folder, an unreachable hub id)."""
    from ladderlib.models import ModelLoadError

    return (ModelLoadError,)


def _regime_w_settings(params: Any, args: argparse.Namespace, n_questions: int | None) -> Any:
    from ladderlib.config.regime_w import RegimeWSettings

    return section(params, "regime_w", RegimeWSettings, {
        "n_questions": ("--n-questions" if hasattr(args, "n_questions") else "--questions", n_questions),
        "max_new_tokens": ("--max-new-tokens", args.max_new_tokens),
        "batch_size": ("--batch-size", getattr(args, "batch_size", None)),
        "cf_arms": ("--cf-arms", args.cf_arms),
    })


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``sft``, ``regime-w demo``, ``rollouts`` and ``ppo``."""
    fmt = argparse.RawDescriptionHelpFormatter
    s = sub.add_parser("sft", help="tutor SFT on GSM8K, '####' answers, LoRA or QLoRA per profile (seed 002)",
                       description=__doc__, formatter_class=fmt)
    add_params(s, "model, sft and data.gsm8k")
    add_model(s)
    s.add_argument("--dataset", help=DATASET_HELP)
    add_output_dir(s, "adapter/ (the LoRA and tokenizer) and summary.json")
    s.add_argument("--max-steps", type=int, help="override sft.max_steps")
    s.add_argument("--max-train-examples", type=int, help="override sft.max_train_examples")
    s.add_argument("--learning-rate", type=float, help="override sft.learning_rate")
    s.add_argument("--lora-r", type=int, help="override sft.lora.r")
    s.add_argument("--lora-alpha", type=int, help="override sft.lora.alpha")
    s.add_argument("--qlora", action="store_true", help="load the base in 4 bits (model.quantization=4bit; CUDA only)")
    add_resume(s)
    add_json(s)
    s.set_defaults(func=sft_command)

    w = sub.add_parser("regime-w", help="Regime W: the seed's sanity demo of the eight arms and their scores")
    actions = w.add_subparsers(dest="regime_w_command", metavar="ACTION")
    d = actions.add_parser("demo", help="answer a few questions with every arm; print answers and s_end/s_path/s_cf/s_wm",
                           description=__doc__, formatter_class=fmt)
    add_params(d, "model, regime_w and data.gsm8k")
    add_model(d)
    d.add_argument("--adapter", help="an SFT LoRA adapter to answer with (default: the base model)")
    d.add_argument("--dataset", help=DATASET_HELP + "; default here: three built-in sample questions")
    d.add_argument("--questions", type=int, default=None, help="how many questions (default: 2)")
    d.add_argument("--max-new-tokens", type=int, help="override regime_w.max_new_tokens")
    d.add_argument("--cf-arms", type=int, help="override regime_w.cf_arms (0: no counterfactual rewrite)")
    add_json(d)
    d.set_defaults(func=demo_command)
    w.set_defaults(func=lambda args: (w.print_help(), 2)[1])

    r = sub.add_parser("rollouts", help="8-arm Regime W rollouts into rollouts.jsonl (resumable, seed 002)",
                       description=__doc__, formatter_class=fmt)
    add_params(r, "model, regime_w and data.gsm8k")
    add_model(r)
    r.add_argument("--adapter", help="the SFT LoRA adapter whose policy answers (default: the base model)")
    r.add_argument("--dataset", help=DATASET_HELP + "; its training split is used")
    add_output_dir(r, "rollouts.jsonl (one row per question), its pinned settings and summary.json")
    r.add_argument("--n-questions", type=int, help="override regime_w.n_questions")
    r.add_argument("--max-new-tokens", type=int, help="override regime_w.max_new_tokens")
    r.add_argument("--batch-size", type=int, help="override regime_w.batch_size (questions per generation call)")
    r.add_argument("--cf-arms", type=int, help="override regime_w.cf_arms")
    add_resume(r)
    add_json(r)
    r.set_defaults(func=rollouts_command)

    p = sub.add_parser("ppo", help="PPO on Regime W rollouts with adaptive KL (resumable, seed 002)",
                       description=__doc__, formatter_class=fmt)
    add_params(p, "model and ppo")
    add_model(p)
    p.add_argument("--rollouts", required=True, help="a rollouts.jsonl written by `ladder rollouts`")
    p.add_argument("--sft-adapter", help="the SFT adapter PPO starts from (default: the base model)")
    add_output_dir(p, "trainer/ (checkpoints), adapter/ (the PPO LoRA with stack.json) and summary.json")
    p.add_argument("--steps", type=int, help="override ppo.steps")
    p.add_argument("--batch-size", type=int, help="override ppo.batch_size")
    p.add_argument("--mini-batch-size", type=int, help="override ppo.mini_batch_size")
    p.add_argument("--learning-rate", type=float, help="override ppo.learning_rate")
    p.add_argument("--target-kl", type=float, help="override ppo.target_kl (the adaptive KL controller's target)")
    p.add_argument("--init-kl-coef", type=float, help="override ppo.init_kl_coef")
    p.add_argument("--fixed-kl", action="store_true", help="keep the KL coefficient fixed (ppo.adaptive_kl=false)")
    add_resume(p)
    add_json(p)
    p.set_defaults(func=ppo_command)


# --- ladder sft ----------------------------------------------------------------------------------------------


def sft_command(args: argparse.Namespace) -> int:
    """Train the tutor LoRA into ``--output-dir/adapter``; the metrics as JSON (or a line of text)."""

    def work() -> dict[str, Any]:
        from ladderlib.config.sft import SFTSettings
        from ladderlib.data.gsm8k import profile_gsm8k
        from ladderlib.io import atomic_write_json
        from ladderlib.models.device import resolve_device
        from ladderlib.models.loader import check_hardware

        params = load_profile(args.params)
        model = model_settings(params, args.model, args.device, **({"quantization": "4bit"} if args.qlora else {}))
        try:  # QLoRA without CUDA fails here, before any loading
            check_hardware(model, resolve_device(model.device))
        except RuntimeError as exc:
            raise UsageError(f"{'--qlora' if args.qlora else 'model.quantization'}: {exc}") from None
        sft = section(params, "sft", SFTSettings, {
            "max_steps": ("--max-steps", args.max_steps), "max_train_examples": ("--max-train-examples", args.max_train_examples),
            "learning_rate": ("--learning-rate", args.learning_rate), "lora.r": ("--lora-r", args.lora_r),
            "lora.alpha": ("--lora-alpha", args.lora_alpha), "resume": ("--resume", True if args.resume else None)})
        out = Path(args.output_dir)
        guard_output(out, args, SFT_OUTPUTS)
        if args.resume and (out / "summary.json").is_file() and (out / "adapter" / "adapter_config.json").is_file():
            import json

            return {**json.loads((out / "summary.json").read_text()), "reused": True}
        rows = profile_gsm8k(params, "train", args.dataset)
        from ladderlib.regime_w.sft import train_tutor_sft

        metrics = train_tutor_sft(model, sft, rows, out / "adapter")
        summary = {**metrics, "base_model": model.name, "rows": len(rows)}
        atomic_write_json(out / "summary.json", summary)
        return summary

    return run_command("sft", args, work, errors=load_errors(),
                       text=lambda r: f"tutor SFT: {r['steps']} steps on {r['examples']} examples, loss "
                                      f"{r['train_loss']:.4f} -> adapter {r['adapter_path']}")


# --- ladder regime-w demo ------------------------------------------------------------------------------------


def _demo_record(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("arm_id", "style", "temperature", "answer", "correct", "n_tokens")
    return {"question_id": row["question_id"], "question": row["question"], "gold_answer": row["gold_answer"],
            "arms": [{k: o[k] for k in keep} for o in row["arm_outputs"]],
            **{k: row[k] for k in ("s_end", "s_path", "s_cf", "s_wm", "reward", "n_correct")}}


def _demo_text(result: dict[str, Any]) -> str:
    def f(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.3f}"

    lines = [f"Regime W demo: {result['n_arms']} arms, model {result['model']}"]
    for q in result["questions"]:
        lines += [f"\nQ {q['question_id']}: {q['question']}", f"  gold: {q['gold_answer']}"]
        lines += [f"  {a['arm_id']:<14} T={a['temperature']:.1f}  answer={a['answer']!s:<10} "
                  f"{'correct' if a['correct'] else 'wrong':<7}  tokens={a['n_tokens']}" for a in q["arms"]]
        lines.append(f"  s_end={f(q['s_end'])}  s_path={f(q['s_path'])}  s_cf={f(q['s_cf'])}  s_wm={f(q['s_wm'])}  "
                     f"reward={f(q['reward'])}")
    return "\n".join(lines)


def demo_command(args: argparse.Namespace) -> int:
    """Every arm answers a few questions; print their answers and the four coherence scores."""

    def work() -> dict[str, Any]:
        import tempfile

        from ladderlib.data.gsm8k import profile_gsm8k
        from ladderlib.models import load_model
        from ladderlib.regime_w.rollouts import collect_rollouts

        params = load_profile(args.params)
        n = args.questions if args.questions is not None else 2
        if n < 1:
            raise UsageError(f"--questions must be at least 1, got {n}")
        settings = _regime_w_settings(params, args, n)
        model = model_settings(params, args.model, args.device)
        adapter = require_adapter(args.adapter, "--adapter")
        questions = profile_gsm8k(params, "train", args.dataset) if args.dataset else SAMPLE_QUESTIONS
        lm, tok = load_model(model, adapter_path=adapter)
        with tempfile.TemporaryDirectory() as tmp:
            result = collect_rollouts(questions, Path(tmp) / "demo.jsonl", settings, model=lm, tokenizer=tok)
        return {"model": model.name, "adapter": None if adapter is None else str(adapter), "n_arms": settings.n_arms,
                "questions": [_demo_record(r) for r in result.rows]}

    return run_command("regime-w demo", args, work, errors=load_errors(), text=_demo_text)


# --- ladder rollouts -----------------------------------------------------------------------------------------


def rollouts_command(args: argparse.Namespace) -> int:
    """Collect (or continue) ``--output-dir/rollouts.jsonl``; the collection summary as JSON or text."""

    def work() -> dict[str, Any]:
        from ladderlib.data.gsm8k import profile_gsm8k
        from ladderlib.io import atomic_write_json
        from ladderlib.models import load_model
        from ladderlib.regime_w.rollouts import collect_rollouts
        from ladderlib.regime_w.summary import summarize_rollouts

        params = load_profile(args.params)
        settings = _regime_w_settings(params, args, args.n_questions)
        model = model_settings(params, args.model, args.device)
        adapter = require_adapter(args.adapter, "--adapter")
        out = Path(args.output_dir)
        guard_output(out, args, ROLLOUT_OUTPUTS)
        questions = profile_gsm8k(params, "train", args.dataset)
        lm, tok = load_model(model, adapter_path=adapter)
        result = collect_rollouts(questions, out / "rollouts.jsonl", settings, model=lm, tokenizer=tok,
                                  progress=lambda done, total: print(f"rollouts: {done}/{total} questions"))
        summary = {"rollouts": str(result.path), "rows": len(result.rows), "new": result.n_new,
                   "skipped": result.n_skipped, "seconds": round(result.seconds, 2),
                   "tokens_per_s": round(result.tokens_per_s, 2), "policy": "sft" if adapter else "base",
                   "model": model.name, "adapter": None if adapter is None else str(adapter),
                   "summary": summarize_rollouts(result.rows)}
        atomic_write_json(out / "summary.json", summary)
        return summary

    return run_command("rollouts", args, work, errors=load_errors(),
                       text=lambda r: f"{r['rows']} rollout rows in {r['rollouts']} ({r['new']} new, {r['skipped']} "
                                      f"already there); mean reward {r['summary']['mean_reward']}")


def _is_rollout_line(line: str) -> bool:
    import json

    try:
        row = json.loads(line)
    except ValueError:
        return False
    return isinstance(row, dict) and "question_id" in row and bool(row.get("arm_outputs"))


# --- ladder ppo ----------------------------------------------------------------------------------------------


def ppo_command(args: argparse.Namespace) -> int:
    """PPO on the rollouts into ``--output-dir``; the summary (steps, final stats, KL coefficients) as JSON or text."""

    def work() -> dict[str, Any]:
        from ladderlib.config.ppo import RegimeWPPOSettings
        from ladderlib.regime_w.ppo import train_ppo_on_rollouts
        from ladderlib.regime_w.store import read_rollouts

        params = load_profile(args.params)
        model = model_settings(params, args.model, args.device)
        ppo = section(params, "ppo", RegimeWPPOSettings, {
            "steps": ("--steps", args.steps), "batch_size": ("--batch-size", args.batch_size),
            "mini_batch_size": ("--mini-batch-size", args.mini_batch_size),
            "learning_rate": ("--learning-rate", args.learning_rate), "target_kl": ("--target-kl", args.target_kl),
            "init_kl_coef": ("--init-kl-coef", args.init_kl_coef),
            "adaptive_kl": ("--fixed-kl", False if args.fixed_kl else None)})
        path = require_file(args.rollouts, "--rollouts")
        try:  # check before reading: the reader repairs a torn last line in place, which a foreign file is not
            if not any(_is_rollout_line(line) for line in path.read_text(encoding="utf-8").splitlines()):
                raise UsageError(f"--rollouts {path}: no rollout rows (JSON lines with question_id and arm_outputs)")
            rows = read_rollouts(path)
        except (ValueError, UnicodeDecodeError) as exc:
            raise UsageError(f"--rollouts {path}: unreadable ({exc})") from None
        if not any(r.get("arm_outputs") for r in rows):
            raise UsageError(f"--rollouts {path}: no rollout rows with arm outputs")
        sft = require_adapter(args.sft_adapter, "--sft-adapter")
        out = Path(args.output_dir)
        guard_output(out, args, PPO_OUTPUTS)
        result = train_ppo_on_rollouts(model, ppo, rows, out, n_steps=ppo.steps, sft_adapter=sft)
        stats = result.pop("stats")
        return {**result, "rollouts": str(path), "adaptive_kl": ppo.adaptive_kl, "target_kl": ppo.target_kl,
                "kl_coef": [s.get("kl_coef") for s in stats]}

    return run_command("ppo", args, work, errors=load_errors(),
                       text=lambda r: f"PPO: {r['steps']} steps (resumed from step {r['resumed_from_step']}) -> "
                                      f"adapter {r['adapter']}")
