"""``ladder solve``: answer one integration problem, and adapt to it with TTRL when the direct answer fails.

    ladder solve --problem "Integrate x^2 * sin(x) dx" --model PATH_OR_ID [--adapter DIR] [--ttrl-steps N]
                 [--variants N] [--cache DIR] [--params PROFILE] [--json]

The problem may be plain text, SymPy or LaTeX, indefinite or definite (``\\int_0^1 x^2 dx``, ``... from 0 to 1``);
it is read by ``ladderlib.verify.parse_problem``. The model answers greedily; the verifier checks the answer (no
answer key: it differentiates, or integrates numerically). When the answer fails and ``--ttrl-steps`` > 0, TTRL
(``ladderlib.ladder.ttrl``) grows variants of the problem, trains that many GRPO steps on them and answers again;
with ``--cache`` the adapter is stored there and a similar later problem starts from it. Settings come from the
profile's ``model``, ``variants`` and ``ttrl`` sections (defaults without one). Exit codes: 0 answered (right or
wrong: see the verdict), 2 unusable input (the message names the problem, file or flag).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any


class SolveInputError(ValueError):
    """Unusable input to ``ladder solve``; the message names it."""


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``solve`` sub-command."""
    p = sub.add_parser("solve", help="answer one integral; adapt with TTRL when the answer does not verify")
    p.add_argument("--problem", required=True, help="the integral: plain text, SymPy or LaTeX, indefinite or definite")
    p.add_argument("--model", help="embedded, a hub id or a local folder (default: the profile's model)")
    p.add_argument("--adapter", help="LoRA adapter folder to start from (e.g. 06's LADDER GRPO adapter)")
    p.add_argument("--ttrl-steps", type=int, help="GRPO steps of TTRL when the direct answer fails (0: no TTRL; "
                                                  "default: the profile's ttrl.max_steps)")
    p.add_argument("--variants", type=int, help="variants TTRL trains on (default: the profile's ttrl.max_variants)")
    p.add_argument("--cache", help="adapter cache folder: reuse the adapter of a similar solved problem, store this one")
    p.add_argument("--params", help="params profile whose model, variants and ttrl sections to use")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    p.set_defaults(func=run)


def read_problem(text: str) -> dict[str, Any]:
    """The problem as an ``integrals`` row (``integrand``, ``variable``, ``lower``, ``upper``, ``problem``);
    ``SolveInputError`` naming the problem when it cannot be read or verified."""
    from ladderlib.tasks.integrals import problem_of
    from ladderlib.verify import prepare_problem
    from ladderlib.verify.codes import VerifyError
    from ladderlib.verify.problems import parse_problem

    if not text or not text.strip():
        raise SolveInputError("--problem is empty")
    try:
        parsed = parse_problem(text)
        row = {"id": "problem", "problem": text, "integrand": str(parsed.integrand), "variable": parsed.variable_name,
               "lower": str(parsed.lower) if parsed.is_definite else None,
               "upper": str(parsed.upper) if parsed.is_definite else None}
        prepare_problem(problem_of(row), variable=row["variable"])
    except VerifyError as exc:
        raise SolveInputError(f"cannot use the problem {text!r}: {exc.reason}") from None
    return row


def _settings(args: argparse.Namespace) -> tuple[Any, Any, Any]:
    from ladderlib.config import load_params
    from ladderlib.config.model import ModelSettings
    from ladderlib.config.ttrl import TTRLSettings
    from ladderlib.config.variants import VariantSettings

    params = load_params(args.params) if args.params else None
    model = params.model if params else ModelSettings()
    if args.model:
        model = ModelSettings.model_validate({**model.model_dump(), "name": args.model})
    ttrl = params.ttrl if params else TTRLSettings()
    updates = {k: v for k, v in (("max_variants", args.variants),) if v is not None}
    if args.ttrl_steps is not None and args.ttrl_steps < 0:
        raise SolveInputError(f"--ttrl-steps must be >= 0, got {args.ttrl_steps}")
    if args.ttrl_steps:
        updates["max_steps"] = args.ttrl_steps
    ttrl = TTRLSettings.model_validate({**ttrl.model_dump(), **updates})
    return model, ttrl, params.variants if params else VariantSettings()


def _adapter_stack(adapter: str | None) -> list[str]:
    if not adapter:
        return []
    path = Path(adapter).expanduser()
    for candidate in (path, path / "adapter"):
        if (candidate / "adapter_config.json").is_file():
            return [str(candidate.resolve())]
    raise SolveInputError(f"--adapter {adapter}: no LoRA adapter there (no adapter_config.json)")


def solve(row: dict[str, Any], model: Any, ttrl: Any, variants: Any, *, start_stack: list[str], steps: int,
          cache_dir: str | None = None) -> dict[str, Any]:
    """The direct answer to ``row`` and, when it fails and ``steps`` > 0, TTRL's (a JSON-ready dict)."""
    from ladderlib.ladder.ttrl import answer, ProblemResult, run_set, variant_settings
    from ladderlib.models.generation import Engine
    from ladderlib.models.loader import load_model, load_with_adapters
    from ladderlib.tasks.integrals import IntegralsTask

    task = IntegralsTask(format_weight=ttrl.format_weight)
    policy, tokenizer = load_with_adapters(model, start_stack) if start_stack else load_model(model)
    engine = Engine(policy, tokenizer)
    direct = ProblemResult("problem", row["integrand"], row["variable"], row["lower"], row["upper"])
    answer(direct, task, row, engine, ttrl.answer_max_new_tokens)
    out: dict[str, Any] = {"problem": row, "direct": {"answer": direct.answer, "correct": direct.final_correct,
                                                      "code": direct.code, "completion": direct.completion},
                           "ttrl": None, "answer": direct.answer, "correct": direct.final_correct}
    if direct.final_correct or steps <= 0:
        return out
    settings = ttrl.model_copy(update={"max_steps": steps})
    vsettings = variant_settings(variants, settings)
    with contextlib.ExitStack() as stack:
        cache = None
        if cache_dir:
            from ladderlib.ladder.ttrl_cache import AdapterCache, base_id, minilm_embedder

            cache = AdapterCache(cache_dir, base_id(model.name, start_stack), minilm_embedder(settings.embedding_model),
                                 settings.cache_min_similarity)
            work = Path(cache_dir) / "_work"
        else:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ladder-solve-")))
        result = run_set([row], model, settings, vsettings, work / _work_name(row), start_stack=start_stack,
                         generate_fn=engine, cache=cache).problems[0]
    out["ttrl"] = {k: getattr(result, k) for k in (
        "variants", "variant_counts", "steps", "stopped_by", "cache", "cache_from", "similarity", "answer", "code",
        "final_correct", "probe_samples", "probe_passes", "solved_during_adaptation", "wall_s", "gen_tokens")}
    out["answer"], out["correct"] = result.answer, result.final_correct
    return out


def _work_name(row: dict[str, Any]) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(row, sort_keys=True).encode()).hexdigest()[:12]


def describe(result: dict[str, Any]) -> str:
    """The result as a few readable lines."""
    d, t = result["direct"], result["ttrl"]
    lines = [f"problem: {result['problem']['problem']}",
             f"direct answer: {d['answer']}  verdict: {'correct' if d['correct'] else 'wrong'} ({d['code']})"]
    if t is None:
        lines.append("adaptation: none (" + ("the direct answer verified" if d["correct"] else "--ttrl-steps 0") + ")")
    else:
        lines.append(f"adaptation: {t['variants']} variants, {t['steps']} GRPO steps ({t['stopped_by']}), cache "
                     f"{t['cache']}, {t['probe_passes']}/{t['probe_samples']} sampled answers passed, {t['wall_s']} s")
        lines.append(f"answer after TTRL: {t['answer']}  verdict: {'correct' if t['final_correct'] else 'wrong'} "
                     f"({t['code']})")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Solve; print the result (JSON with ``--json``); unusable input prints one line naming it and returns 2."""
    from pydantic import ValidationError

    from ladderlib.config.load import ParamsError
    from ladderlib.models.loader import ModelLoadError

    try:
        row = read_problem(args.problem)
        model, ttrl, variants = _settings(args)
        stack = _adapter_stack(args.adapter)
        steps = ttrl.max_steps if args.ttrl_steps is None else args.ttrl_steps
        with contextlib.redirect_stdout(sys.stderr):  # trainer logs to stderr: stdout carries only the result
            result = solve(row, model, ttrl, variants, start_stack=stack, steps=steps, cache_dir=args.cache)
    except (SolveInputError, ParamsError, ValidationError, ModelLoadError, FileNotFoundError) as exc:
        print(f"ladder solve: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=1, default=str) if args.json else describe(result))
    return 0
