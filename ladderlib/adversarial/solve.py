"""Inference with a trained generator (``ladder code-solve``): the five-stage chain for new problems, the program
read from its last stage, and optionally the problem's tests run on it in the sandbox."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ladderlib.adversarial.checkpoints import read_metadata, resolve
from ladderlib.adversarial.rollout import Budgets, write_chains
from ladderlib.adversarial.stages import REASONING_STAGES
from ladderlib.config.model import ModelSettings
from ladderlib.config.sandbox import SandboxSettings
from ladderlib.tasks.code import CodeProblem, parse_signature

_ASSERT_SPLIT = re.compile(r";\s*(?=assert\b)")


def split_test_string(tests: str) -> list[str]:
    """``"assert f(1)==2;assert f(0)==0"`` -> one assert per item (a ``;`` inside a test stays)."""
    return [t.strip() for t in _ASSERT_SPLIT.split(tests.strip().rstrip(";")) if t.strip()]


def problem_from_text(description: str, signature: str | None = None, tests: Sequence[str] = (),
                      problem_id: str = "problem") -> CodeProblem:
    """A problem from a description, an optional signature (must parse) and optional asserts."""
    if not description.strip():
        raise ValueError("the problem description is empty")
    entry, sig = parse_signature(signature, "--signature") if signature else ("", "")
    return CodeProblem(problem_id, description.strip(), sig, entry, "\n".join(tests), "", "user")


def load_generator(checkpoint: str | Path, device: str | None = None) -> tuple[Any, Any, dict[str, Any]]:
    """(PEFT model with the checkpoint's generator adapter, tokenizer, checkpoint metadata)."""
    from peft import PeftModel

    from ladderlib.models import load_model

    ckpt = resolve(checkpoint)
    meta = read_metadata(ckpt)
    settings = ModelSettings.model_validate(meta["settings"]["model"])
    settings = settings.model_copy(update={"backend": "transformers", **({"device": device} if device else {})})
    base, tokenizer = load_model(settings)
    model = PeftModel.from_pretrained(base, str(ckpt / "generator"), adapter_name="generator", is_trainable=False)
    return model, tokenizer, meta


def solve_problems(model: Any, tokenizer: Any, problems: Sequence[CodeProblem], budgets: Budgets, *,
                   execute_tests: bool = False, sandbox: SandboxSettings | None = None,
                   seed: int | None = 0) -> list[dict[str, Any]]:
    """One result per problem: each stage's text, the program, and (with ``execute_tests``) the test verdicts."""
    from ladderlib.models.generation import Engine

    engine = Engine(model, tokenizer, batch_size=max(1, len(problems)))
    chains = write_chains(engine, problems, budgets, seed=seed)
    results = []
    for p, c in zip(problems, chains, strict=True):
        program = c.program
        results.append({"id": p.id, "description": p.description, "signature": p.signature,
                        "reasoning": {s.name: t for s, t in zip(REASONING_STAGES[:-1], c.texts[:-1], strict=True)},
                        "raw_code_stage": c.texts[-1], "code": program.code if program else "",
                        "defines_entry": bool(program and program.defines_entry), "tests": None})
    if execute_tests:
        from ladderlib.sandbox import SandboxJob, run_many

        jobs = [(i, SandboxJob(p.program(r["code"]), p.tests, p.entry_point or None))
                for i, (p, r) in enumerate(zip(problems, results, strict=True)) if p.tests.strip()]
        for (i, _), res in zip(jobs, run_many([j for _, j in jobs], sandbox or SandboxSettings()), strict=True):
            results[i]["tests"] = {"status": res.status, "passed": res.passed_count, "total": len(res.tests),
                                   "verdicts": [{"test": t.test, "verdict": t.verdict, "message": t.message}
                                                for t in res.tests], "isolated": res.isolated}
    return results
