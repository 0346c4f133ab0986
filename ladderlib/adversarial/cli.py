"""The adversarial system's commands (seed 003's two entry points).

    ladder adversarial train [--params P] [--generator-model M] [--discriminator-model M] [--n-discriminator-steps N]
        [--n-generator-steps N] [--k-alternating-steps K] [--learning-rate LR] [--problems-file F]
        [--output-dir D] [--resume | --resume-from CKPT | --overwrite] [--device cpu|cuda]
    ladder code-solve --checkpoint CKPT (--problem TEXT | --problem-file F | --batch --problems-file F)
        [--signature S] [--tests "assert ...;assert ..."] [--execute-tests] [--output F] [--no-reasoning]
        [--max-tokens N] [--temperature T] [--top-p P] [--device cpu|cuda] [--json]

Training settings come from the profile's ``adversarial``, ``model``, ``sandbox`` and ``data.code`` sections
(defaults without ``--params``); flags override them. Training problems: ``--problems-file`` (the seed's
format), else MBPP train from the profile's ``data.code``; HumanEval and MBPP test never train. An output
folder with checkpoints of an earlier run is continued only with ``--resume`` / ``--resume-from`` and discarded
only with ``--overwrite``. Exit codes: 0 done, 2 unusable input (a message names the file or flag).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``adversarial train`` and ``code-solve``."""
    p = sub.add_parser("adversarial", help="adversarial generator/discriminator system (seed 003)")
    actions = p.add_subparsers(dest="adversarial_command", metavar="ACTION")
    t = actions.add_parser("train", help="stage-wise adversarial PPO (resumable)", description=__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("--params", help="params profile (model, adversarial, sandbox, data.code sections)")
    t.add_argument("--generator-model", help="base model: embedded, a hub id or a local folder")
    t.add_argument("--discriminator-model", help="must name the generator's model (both roles are adapters of one base)")
    t.add_argument("--n-discriminator-steps", type=int, help="discriminator steps per stage epoch")
    t.add_argument("--n-generator-steps", type=int, help="generator steps per stage epoch")
    t.add_argument("--k-alternating-steps", type=int, help="alternating steps per stage epoch")
    t.add_argument("--learning-rate", type=float, help="PPO learning rate of both roles")
    t.add_argument("--problems-file", help="training problems in the seed's JSON format (else MBPP train)")
    t.add_argument("--output-dir", default="output", help="checkpoints, metrics.jsonl, rollouts.jsonl, summary.json")
    t.add_argument("--device", choices=("cpu", "cuda"), help="override model.device")
    group = t.add_mutually_exclusive_group()
    group.add_argument("--resume", action="store_true", help="continue from the latest committed checkpoint")
    group.add_argument("--resume-from", metavar="CKPT", help="continue from this checkpoint folder")
    group.add_argument("--overwrite", action="store_true", help="discard an earlier run in --output-dir")
    t.set_defaults(func=train_command)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])

    s = sub.add_parser("code-solve", help="solve coding problems with a trained adversarial generator")
    s.add_argument("--checkpoint", required=True, help="a checkpoint folder (checkpoint-N, checkpoint_best) or its metadata.json")
    src = s.add_mutually_exclusive_group()
    src.add_argument("--problem", help="the problem description")
    src.add_argument("--problem-file", help="a text file holding the problem description")
    s.add_argument("--signature", help='the function signature, e.g. "def add(a: int, b: int) -> int:"')
    s.add_argument("--tests", help='asserts separated by semicolons: "assert add(2,3)==5;assert add(0,0)==0"')
    s.add_argument("--execute-tests", action="store_true", help="run the tests on the generated code in the sandbox")
    s.add_argument("--batch", action="store_true", help="solve every problem of --problems-file")
    s.add_argument("--problems-file", help="problems in the seed's JSON format (with --batch)")
    s.add_argument("--output", help="also write the results as JSON to this file")
    s.add_argument("--no-reasoning", action="store_true", help="show only the code, not the reasoning stages")
    s.add_argument("--max-tokens", type=int, default=512, help="tokens per stage (default 512)")
    s.add_argument("--temperature", type=float, default=0.7, help="sampling temperature (default 0.7; 0 = greedy)")
    s.add_argument("--top-p", type=float, default=0.9, help="nucleus sampling (default 0.9)")
    s.add_argument("--device", choices=("cpu", "cuda"), help="where the model runs (default: as trained, auto)")
    s.add_argument("--json", action="store_true", help="print the results as JSON on stdout")
    s.set_defaults(func=solve_command)


def _fail(command: str, exc: BaseException) -> int:
    print(f"ladder {command}: {exc}", file=sys.stderr)
    return 2


def _train_settings(args: argparse.Namespace) -> tuple[Any, Any, Any, Any]:
    """(model, adversarial, sandbox, code-data) settings from the profile and the flags."""
    from ladderlib.config import load_params
    from ladderlib.config.adversarial import AdversarialSettings
    from ladderlib.config.data import CodeSettings
    from ladderlib.config.model import ModelSettings
    from ladderlib.config.sandbox import SandboxSettings

    params = load_params(args.params) if args.params else None
    model = params.model if params else ModelSettings()
    a = params.adversarial if params else AdversarialSettings()
    generator = args.generator_model or a.model or model.name
    if args.discriminator_model and args.discriminator_model != generator:
        raise ValueError(f"--discriminator-model {args.discriminator_model!r} differs from the generator's model "
                         f"{generator!r}: both roles are LoRA adapters of one base model, so they must name the same")
    if args.device:
        model = ModelSettings.model_validate({**model.model_dump(), "device": args.device})
    updates: dict[str, Any] = {"model": generator}
    for flag, key in (("n_discriminator_steps", "n_discriminator_steps"), ("n_generator_steps", "n_generator_steps"),
                      ("k_alternating_steps", "k_alternating_steps")):
        if getattr(args, flag) is not None:
            updates[key] = getattr(args, flag)
    data = a.model_dump()
    if args.learning_rate is not None:
        data["ppo"] = {**data["ppo"], "learning_rate": args.learning_rate}
    a = AdversarialSettings.model_validate({**data, **updates})
    return model, a, params.sandbox if params else SandboxSettings(), params.data.code if params else CodeSettings()


def _training_problems(args: argparse.Namespace, a: Any, code: Any, sandbox: Any) -> tuple[list[Any], dict[str, Any]]:
    from ladderlib.adversarial.problems import training_pool
    from ladderlib.data.code import load_humaneval, load_mbpp_source, read_problems_file

    held_out = load_humaneval()
    if args.problems_file or a.problems_file:
        rows = read_problems_file(args.problems_file or a.problems_file)
        if code.wants_mbpp():
            held_out += load_mbpp_source(code)[0]["test"]
    elif code.wants_mbpp():
        mbpp, _ = load_mbpp_source(code)
        rows, held_out = mbpp["train"], held_out + mbpp["test"]
    else:
        raise ValueError("no training problems: pass --problems-file, or --params with data.code.mbpp_path or "
                         "data.code.mbpp_hub_id (MBPP train)")
    pool, info = training_pool(rows, held_out, sandbox, a.max_train_problems)
    if not pool:
        raise ValueError(f"no usable training problems (every reference fails its own tests in the sandbox: "
                         f"{info['reference_fails_own_tests'][:5]})")
    return pool, info


def train_command(args: argparse.Namespace) -> int:
    """Train; the summary goes to stdout as JSON, progress to stderr; bad input returns 2."""
    from pydantic import ValidationError

    from ladderlib.train.distributed import world_size

    if world_size() > 1:  # our PPO loop is one process: N copies would each train and write the same folder
        print(f"ladder adversarial train: runs in one process (our PPO, not a TRL trainer); started with "
              f"WORLD_SIZE={world_size()} by a launcher: run it without accelerate launch", file=sys.stderr)
        return 2

    from ladderlib.adversarial.checkpoints import CheckpointError
    from ladderlib.adversarial.train import train_adversarial
    from ladderlib.config.load import ParamsError
    from ladderlib.models import ModelLoadError
    from ladderlib.sandbox import SandboxUnavailable, TestPlanError
    from ladderlib.tasks.code import ProblemError
    from ladderlib.train.checkpoints import committed_checkpoints

    try:
        model, a, sandbox, code = _train_settings(args)
        out = Path(args.output_dir)
        earlier = committed_checkpoints(out / "checkpoints")
        if earlier and not (args.resume or args.resume_from or args.overwrite):
            raise ValueError(f"{out} holds checkpoints of an earlier run: pass --resume (or --resume-from CKPT) "
                             "to continue it, or --overwrite to start over")
        if args.resume_from:
            from ladderlib.adversarial.checkpoints import resolve

            resolve(args.resume_from)
        problems, info = _training_problems(args, a, code, sandbox)
        with contextlib.redirect_stdout(sys.stderr):
            summary = train_adversarial(model, a, sandbox, problems, out, resume=bool(args.resume),
                                        resume_from=args.resume_from, strict=True)
    except (ValueError, ValidationError, ParamsError, CheckpointError, ProblemError, TestPlanError,
            SandboxUnavailable, FileNotFoundError, ModelLoadError) as exc:
        return _fail("adversarial train", exc)
    print(json.dumps({**{k: v for k, v in summary.items() if k != "fingerprint"}, "problems": info}, indent=1))
    return 0


def _solve_problems(args: argparse.Namespace) -> list[Any]:
    from ladderlib.adversarial.solve import problem_from_text, split_test_string
    from ladderlib.data.code import read_problems_file
    from ladderlib.tasks.code import to_problem

    if args.batch:
        if not args.problems_file:
            raise ValueError("--batch needs --problems-file F")
        return [to_problem(r) for r in read_problems_file(args.problems_file)]
    if args.problems_file:
        raise ValueError("--problems-file is read with --batch; for one problem use --problem or --problem-file")
    if args.problem_file:
        try:
            text = Path(args.problem_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"cannot read the problem file {args.problem_file}: {exc}") from None
    elif args.problem:
        text = args.problem
    else:
        raise ValueError("give --problem TEXT, --problem-file F, or --batch --problems-file F")
    tests = split_test_string(args.tests) if args.tests else []
    if args.execute_tests and not tests:
        raise ValueError("--execute-tests needs --tests \"assert ...;assert ...\"")
    if tests and not args.signature:
        raise ValueError("--tests need --signature, so the tests know which function they call")
    return [problem_from_text(text, args.signature, tests)]


def _print_human(results: list[dict[str, Any]], no_reasoning: bool) -> None:
    for r in results:
        print(f"=== {r['id']} ===")
        if not no_reasoning:
            for name, text in r["reasoning"].items():
                print(f"--- {name} ---\n{text.strip()}")
        print("--- code ---\n" + (r["code"] or "(no Python function found in the code stage)"))
        t = r.get("tests")
        if t:
            print(f"--- tests: {t['status']} ({t['passed']}/{t['total']} passed) ---")
            for v in t["verdicts"]:
                print(f"{v['verdict']:>8}  {v['test']}")


def solve_command(args: argparse.Namespace) -> int:
    """Solve the problems; results as text (or JSON with ``--json``) on stdout; bad input returns 2."""
    from ladderlib.adversarial.checkpoints import CheckpointError, resolve
    from ladderlib.adversarial.rollout import Budgets
    from ladderlib.adversarial.solve import load_generator, solve_problems
    from ladderlib.models import ModelLoadError
    from ladderlib.sandbox import SandboxUnavailable, TestPlanError
    from ladderlib.tasks.code import ProblemError

    try:
        resolve(args.checkpoint)
        problems = _solve_problems(args)
        if args.max_tokens < 16:
            raise ValueError(f"--max-tokens must be >= 16, got {args.max_tokens}")
        budgets = Budgets(args.max_tokens, args.max_tokens, args.max_tokens, 8, args.temperature, args.top_p)
        budgets.sampling(16, None)  # validates temperature and top-p
        with contextlib.redirect_stdout(sys.stderr):
            model, tok, meta = load_generator(args.checkpoint, args.device)
            results = solve_problems(model, tok, problems, budgets, execute_tests=args.execute_tests)
    except (ValueError, CheckpointError, ProblemError, TestPlanError, SandboxUnavailable, ModelLoadError) as exc:
        return _fail("code-solve", exc)
    if args.no_reasoning:
        for r in results:
            r.pop("reasoning")
    out = {"checkpoint": str(args.checkpoint), "checkpoint_stage": meta.get("stage"), "results": results}
    if args.output:
        from ladderlib.io import atomic_write_json

        atomic_write_json(Path(args.output), out)
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        _print_human(results, args.no_reasoning)
    return 0
