"""Every task x method of a ``LatentSettings``: build the examples, train each method, score it on the held-out
split (and the textbook problems when given), and hand each finished method to the caller, which saves it, so a
killed run resumes after the last finished method."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

from ladderlib.config.latent import LatentSettings
from ladderlib.config.model import ModelSettings
from ladderlib.latent.data import Example, Tokenized, gsm8k_examples, procedural_examples, tokenize
from ladderlib.latent.evaluate import evaluate, probe_thoughts, result_row
from ladderlib.latent.train import Phase, build, train_method


def task_examples(task: str, s: LatentSettings, gsm8k: Mapping[str, Sequence[dict[str, Any]]] | None = None
                  ) -> tuple[list[Example], list[Example]]:
    """(train, held-out) examples of ``task``; GSM8K comes from 01's ``gsm8k_train`` / ``gsm8k_test`` rows."""
    if task == "procedural":
        p = s.procedural
        train, test = procedural_examples(p.n_train, p.n_test, p.min_hops, p.max_hops, p.seed, p.kind, p.nodes)
    elif task == "gsm8k":
        if not gsm8k:
            raise FileNotFoundError("latent task gsm8k needs 01_data's gsm8k_train and gsm8k_test")
        train, test = gsm8k_examples(gsm8k["train"]), gsm8k_examples(gsm8k["test"])
    else:
        raise ValueError(f"unknown latent task {task!r}")
    return train[: s.max_train_examples], test[: s.eval_examples]


def textbook_examples(rows: Sequence[dict[str, Any]]) -> list[Example]:
    """01's textbook problems as answer-only examples (an extra evaluation of the GSM8K-trained methods)."""
    return [Example(str(r["id"]), r["question"].strip(), (), str(r["answer"]), {"topic": r.get("topic")})
            for r in rows]


@dataclass
class MethodResult:
    """One trained method on one task: its result row(s), stage and step logs, per-item records, the model."""

    task: str
    method: str
    rows: list[dict[str, Any]]
    stages: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    records: dict[str, list[dict[str, Any]]]
    coconut: Any = None

    @property
    def key(self) -> str:
        return f"{self.task}/{self.method}"


@dataclass
class LatentRun:
    """Every finished method, in the order of the settings."""

    methods: list[MethodResult] = field(default_factory=list)

    @property
    def rows(self) -> list[dict[str, Any]]:
        return [r for m in self.methods for r in m.rows]

    @property
    def stages(self) -> list[dict[str, Any]]:
        return [{"task": m.task, **r} for m in self.methods for r in m.stages]

    @property
    def steps(self) -> list[dict[str, Any]]:
        return [{"task": m.task, **r} for m in self.methods for r in m.steps]


def run_experiment(model_settings: ModelSettings, s: LatentSettings,
                   gsm8k: Mapping[str, Sequence[dict[str, Any]]] | None = None,
                   textbook: Sequence[dict[str, Any]] | None = None,
                   finished: Mapping[str, MethodResult] | None = None,
                   on_method: Callable[[MethodResult], None] = lambda _: None,
                   log: Callable[[str], None] = lambda _: None) -> LatentRun:
    """Train and score every method on every task of ``s`` (one base model load, a fresh adapter per method).

    ``finished`` maps ``task/method`` to results of an earlier attempt, which are kept instead of retrained;
    ``on_method`` receives each newly finished method (with its model) before the next one starts."""
    from ladderlib.models.loader import load_model

    # the latent passes feed hidden states back as inputs_embeds with our own KV-cache loop, which Unsloth's
    # patched forward does not promise to support: Coconut always loads through plain transformers (+ PEFT)
    ms = model_settings.model_copy(update={"backend": "transformers", **({"name": s.model} if s.model else {})})
    finished = finished or {}
    base = None
    out = LatentRun()
    for task in s.tasks:
        todo = [m for m in s.methods if f"{task}/{m}" not in finished]
        if todo and base is None:
            base = load_model(ms)
        tok = base[1] if base is not None else None
        if todo:
            train, test = task_examples(task, s, gsm8k)
            train_t: list[Tokenized] = [tokenize(tok, e) for e in train]
            test_t = [tokenize(tok, e) for e in test]
            curve_t = test_t[: s.curve_examples] if s.curve_examples else test_t
            book_t = [tokenize(tok, e) for e in textbook_examples(textbook)] if textbook and task == "gsm8k" else []
        for method in s.methods:
            if f"{task}/{method}" in finished:
                out.methods.append(finished[f"{task}/{method}"])
                log(f"{task} {method}: kept from the earlier attempt")
                continue
            coconut = build(ms, method, s.seed, base, thought_norm=s.thought_norm, thought_input=s.thought_input,
                            finetune=s.finetune)
            markers = method not in ("no_cot", "cot")

            def curve(c: Any, phase: Phase) -> dict[str, Any]:
                r = evaluate(c, curve_t, phase.stage * s.c_thought, True, s.max_new_tokens, s.generation_batch_size)
                row = {"accuracy": r["accuracy"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                       "mean_gen_tokens": r["mean_gen_tokens"], "n": r["n"], "thoughts": phase.stage * s.c_thought}
                if phase.stage:  # what the thoughts encode (each step's result, read through the LM head)
                    row["thought_probe"] = probe_thoughts(c, curve_t, phase.stage * s.c_thought, s.c_thought,
                                                          s.generation_batch_size)
                return row

            trained = train_method(coconut, method, train_t, s, on_stage_end=curve if method == "coconut" else None)
            scored = evaluate(coconut, test_t, s.thoughts(method), markers, s.max_new_tokens, s.generation_batch_size)
            row = {**result_row(method, task, scored), "train_s": round(trained.wall_s, 1)}
            rows, records = [row], {task: scored["records"]}
            if book_t:
                book = evaluate(coconut, book_t, s.thoughts(method), markers, s.max_new_tokens, s.generation_batch_size)
                rows.append({**result_row(method, "textbook", book), "train_s": None, "trained_on": task})
                records["textbook"] = book["records"]
            done = MethodResult(task, method, rows, trained.stages, trained.steps, records, coconut)
            on_method(done)
            done.coconut = None  # the caller saved it; keep memory flat across methods
            out.methods.append(done)
            log(f"{task} {method}: accuracy {row['accuracy']:.3f} ({row['correct']}/{row['n']}), "
                f"{row['mean_gen_tokens']:.1f} tokens per answer, trained {trained.wall_s:.0f}s")
    return out
