"""Every task x method of a ``LatentSettings``: build the examples, train each method, score it on the held-out
split, and return the result rows, the per-stage curves and the trained models (the caller saves them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from ladderlib.config.latent import LatentSettings
from ladderlib.config.model import ModelSettings
from ladderlib.latent.data import Example, Tokenized, gsm8k_examples, procedural_examples, tokenize
from ladderlib.latent.evaluate import evaluate, result_row
from ladderlib.latent.train import Phase, build, train_method


def task_examples(task: str, s: LatentSettings, gsm8k: dict[str, Sequence[dict[str, Any]]] | None = None
                  ) -> tuple[list[Example], list[Example]]:
    """(train, held-out) examples of ``task``; GSM8K comes from 01's ``gsm8k_train`` / ``gsm8k_test`` rows."""
    if task == "procedural":
        p = s.procedural
        train, test = procedural_examples(p.n_train, p.n_test, p.min_hops, p.max_hops, p.seed)
    elif task == "gsm8k":
        if not gsm8k:
            raise FileNotFoundError("latent task gsm8k needs 01_data's gsm8k_train and gsm8k_test")
        train, test = gsm8k_examples(gsm8k["train"]), gsm8k_examples(gsm8k["test"])
    else:
        raise ValueError(f"unknown latent task {task!r}")
    return train[: s.max_train_examples], test[: s.eval_examples]


@dataclass
class LatentRun:
    """Result rows (one per task x method), per-stage rows, step logs, records and the trained models."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)


def run_experiment(model_settings: ModelSettings, s: LatentSettings,
                   gsm8k: dict[str, Sequence[dict[str, Any]]] | None = None,
                   log: Callable[[str], None] = lambda _: None, keep_models: bool = True) -> LatentRun:
    """Train and score every method on every task of ``s`` (one base model load, a fresh adapter per method)."""
    from ladderlib.models.loader import load_model

    ms = model_settings.model_copy(update={"name": s.model}) if s.model else model_settings
    base = load_model(ms)
    tok = base[1]
    out = LatentRun()
    for task in s.tasks:
        train, test = task_examples(task, s, gsm8k)
        train_t: list[Tokenized] = [tokenize(tok, e) for e in train]
        test_t = [tokenize(tok, e) for e in test]
        curve_t = test_t[: s.curve_examples] if s.curve_examples else test_t
        for method in s.methods:
            coconut = build(ms, method, s.seed, base)
            markers = method not in ("no_cot", "cot")

            def curve(c: Any, phase: Phase) -> dict[str, Any]:
                r = evaluate(c, curve_t, phase.stage * s.c_thought, True, s.max_new_tokens, s.generation_batch_size)
                return {"accuracy": r["accuracy"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                        "gen_tokens": r["gen_tokens"], "n": r["n"], "thoughts": phase.stage * s.c_thought}

            trained = train_method(coconut, method, train_t, s, on_stage_end=curve if method == "coconut" else None)
            scored = evaluate(coconut, test_t, s.thoughts(method), markers, s.max_new_tokens, s.generation_batch_size)
            row = result_row(method, task, scored)
            row["train_s"] = trained.wall_s
            out.rows.append(row)
            out.stages += [{"task": task, **r} for r in trained.stages]
            out.steps += [{"task": task, **r} for r in trained.steps]
            out.records[f"{task}/{method}"] = scored["records"]
            if keep_models:
                out.models[f"{task}/{method}"] = coconut
            log(f"{task} {method}: accuracy {row['accuracy']:.3f} ({row['correct']}/{row['n']}), "
                f"{row['gen_tokens']:.1f} tokens, trained {trained.wall_s:.0f}s")
    return out
