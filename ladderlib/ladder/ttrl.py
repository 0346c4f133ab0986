"""LADDER's test-time RL (TTRL, seed 000 and arXiv 2503.00735): per test problem, grow its variant tree, run a
short GRPO on the variants with the verifier reward, then answer the original greedily.

* **Variants**: ``generate_tree`` under the problem (depth ``variant_depth``; the model source topped up by the
  symbolic one, as in 02_variants); variants canonically equal to another test problem are dropped, and at most
  ``max_variants`` are kept, easiest first. The variants carry no answer key: the verifier checks an answer by
  differentiating it numerically, so neither they nor the original problem need one. The original's key is
  never read here (``problem_row`` strips it).
* **GRPO**: ``ladderlib.ladder.grpo.train_ladder_grpo`` on the variants, on a fresh LoRA over the starting policy
  (the starting adapters merged), so every problem restarts from the same weights (the KL reference is the
  starting policy). Limits per problem: ``max_steps`` and ``time_limit_s`` (training stops after the step that
  passes it).
* **Two figures**, never mixed up: ``final_pass@1`` — the adapted policy's greedy answer to the original, checked
  by the verifier (the honest figure); ``solved_during_adaptation`` — the paper's count: the problem counts when
  any of the ``probe_samples`` answers sampled to the original after each step passed the verifier.
* **Cache** (``ladderlib.ladder.ttrl_cache``): with one, a problem close to an earlier one starts from that one's
  adapter and trains ``cache_hit_steps`` steps (an equal integrand fingerprint: none).

Each problem's folder holds ``result.json`` (with the key of its inputs: a rerun with the same inputs reuses it),
the GRPO ``metrics.jsonl`` and ``summary.json`` and ``adapter/``; checkpoints are removed once the adapter is
saved.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ladderlib.config.model import ModelSettings
from ladderlib.config.ttrl import TTRLSettings
from ladderlib.config.variants import VariantSettings
from ladderlib.io import atomic_write_json
from ladderlib.ladder.ttrl_results import FIGURES, ProblemResult, TTRLRun, cache_stats, figure

__all__ = ["ANSWER_KEYS", "FIGURES", "ProblemResult", "TTRLRun", "adapt_problem", "answer", "cache_stats", "figure",
           "grow_variants", "problem_row", "problem_text", "run_set", "variant_settings", "weights_digest"]

ANSWER_KEYS = ("antiderivative", "value", "answer", "solution")


# --- problems and figures ---------------------------------------------------------------------------------------

def problem_row(row: dict[str, Any]) -> dict[str, Any]:
    """The row TTRL works on: integrand, variable, bounds and id; every answer-key field removed."""
    return {k: v for k, v in row.items() if k not in ANSWER_KEYS}


def problem_text(row: dict[str, Any]) -> str:
    """The problem as text (what the cache embeds): the row's ``problem`` text, else ``Integrate f dx``."""
    if row.get("problem"):
        return str(row["problem"])
    var = row.get("variable", "x")
    bounds = f" from {row['lower']} to {row['upper']}" if row.get("lower") is not None else ""
    return f"Integrate {row['integrand']} d{var}{bounds}"


def integrand_fingerprint(row: dict[str, Any]) -> str | None:
    """The canonical fingerprint of the row's integrand (``None`` when it does not parse)."""
    from ladderlib.verify.fingerprint import integrand_key

    return integrand_key(row["integrand"], row.get("variable", "x"))


# --- variants ---------------------------------------------------------------------------------------------------

def variant_settings(base: VariantSettings, settings: TTRLSettings) -> VariantSettings:
    """02's variant settings with TTRL's depth, breadth, budget and source."""
    return base.model_copy(update={"max_depth": settings.variant_depth, "breadth": settings.variant_breadth,
                                   "max_nodes_per_tree": settings.max_variants,
                                   "variant_source": settings.variant_source, "seed": settings.seed})


def grow_variants(row: dict[str, Any], vsettings: VariantSettings, generate_fn: Any, banned: set[str],
                  seed: int = 0) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Variant rows of one problem (easiest first, no answer keys) and counts: grown, per source, dropped as
    equal to another test problem (``banned`` fingerprints)."""
    from ladderlib.ladder.variants.dataset import build_dataset, curriculum_order
    from ladderlib.ladder.variants.generate import generate_tree
    from ladderlib.verify.fingerprint import integrand_key

    source = vsettings.variant_source if generate_fn is not None else "symbolic"
    tree = generate_tree(row["integrand"], generate_fn if source != "symbolic" else None,
                         settings=vsettings.model_copy(update={"variant_source": source}), seed=seed,
                         variable=row.get("variable", "x"))
    rows = build_dataset([tree], antiderivatives=False)
    kept = [r for r in rows if integrand_key(r["integrand"], r["variable"]) not in banned]
    counts = {"grown": len(rows), "equal_to_test_problem": len(rows) - len(kept)}
    for r in kept:
        counts[f"source_{r['source']}"] = counts.get(f"source_{r['source']}", 0) + 1
    return curriculum_order(kept, "easy_first"), counts


# --- callbacks --------------------------------------------------------------------------------------------------

def weights_digest(model: Any) -> str:
    """A digest of every weight of ``model`` (float64 sums per tensor): equal weights, equal digests."""
    import torch

    h = hashlib.sha256()
    with torch.no_grad():
        for name, p in sorted(model.state_dict().items()):
            t = p.detach().to(torch.float64)
            h.update(f"{name}:{float(t.sum()):.10e}:{float((t * t).sum()):.10e};".encode())
    return h.hexdigest()[:16]


def _callbacks(result: ProblemResult, task: Any, row: dict[str, Any], settings: TTRLSettings) -> list[Any]:
    """Time limit, start-weights digest, probes of the original after each step, the final greedy answer."""
    from transformers import TrainerCallback

    from ladderlib.models.generation import Engine, Sampling, mix_seed

    class TTRLCallback(TrainerCallback):
        t0 = 0.0

        def on_train_begin(self, args, state, control, model=None, **kw):  # noqa: ANN001 - transformers' signature
            self.t0 = time.perf_counter()
            result.start_digest = weights_digest(model)
            return control

        def on_step_end(self, args, state, control, model=None, processing_class=None, **kw):  # noqa: ANN001
            if settings.probe_samples:
                engine = Engine(model, processing_class, batch_size=settings.probe_samples)
                done = engine.complete([task.prompt(row)] * settings.probe_samples, Sampling(
                    max_new_tokens=settings.max_completion_length, temperature=settings.temperature,
                    seed=mix_seed(settings.seed, int(state.global_step))))
                grades = task.grade_batch([row] * len(done), [c.text for c in done])
                result.probe_samples += len(done)
                result.probe_passes += sum(g.correct for g in grades)
                result.gen_tokens["probes"] = result.gen_tokens.get("probes", 0) + sum(c.n_tokens for c in done)
            if time.perf_counter() - self.t0 > settings.time_limit_s and state.global_step < state.max_steps:
                result.stopped_by = "time_limit"
                control.should_training_stop = True
            return control

        def on_train_end(self, args, state, control, model=None, processing_class=None, **kw):  # noqa: ANN001
            result.end_digest = weights_digest(model)
            answer(result, task, row, Engine(model, processing_class), settings.answer_max_new_tokens)
            return control

    return [TTRLCallback()]


def answer(result: ProblemResult, task: Any, row: dict[str, Any], engine: Any, max_new_tokens: int) -> None:
    """The greedy answer to the original, graded by the verifier, into ``result``."""
    from ladderlib.models.generation import Sampling

    done = engine.complete([task.prompt(row)], Sampling(max_new_tokens=max_new_tokens))[0]
    grade = task.grade(row, done.text)
    result.completion, result.answer, result.code = done.text, grade.answer, grade.code
    result.final_correct = bool(grade.correct)
    result.gen_tokens["answer"] = done.n_tokens


def grpo_tokens(metrics_path: Path, settings: TTRLSettings) -> int:
    """Completion tokens GRPO generated, from the logged mean completion length of each step."""
    from ladderlib.train.metrics import read_metrics

    per_step = settings.per_device_train_batch_size * settings.gradient_accumulation_steps
    return int(round(sum(r.get("completions/mean_length", 0.0) * per_step
                         for r in read_metrics(metrics_path) if "reward" in r)))


def grpo_settings(settings: TTRLSettings, steps: int) -> Any:
    """LADDER GRPO settings for one problem's run of ``steps`` steps (no warm-up, no evaluation, no resume)."""
    from ladderlib.config.grpo import GRPOBase
    from ladderlib.config.ladder import LadderGRPOSettings

    engine = settings.model_dump(include=set(GRPOBase.model_fields))
    return LadderGRPOSettings(**{**engine, "max_steps": steps, "save_steps": min(settings.save_steps, steps),
                                 "resume": False}, format_weight=settings.format_weight, curriculum="easy_first",
                              warmup_sft_steps=0, run_ablation=False)


# --- one problem ------------------------------------------------------------------------------------------------

def safe_name(text: str) -> str:
    """A folder name for a problem id."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)[:60] or "problem"


def input_key(row: dict[str, Any], settings: TTRLSettings, vsettings: VariantSettings, model: ModelSettings,
              start: Sequence[str], steps: int, banned: set[str]) -> str:
    """Hash of everything one problem's adaptation depends on (a stored result with this key is reused)."""
    blob = json.dumps({"row": problem_row(row), "ttrl": settings.model_dump(mode="json"), "steps": steps,
                       "variants": vsettings.model_dump(mode="json"), "model": model.model_dump(mode="json"),
                       "start": list(map(str, start)), "banned": sorted(banned)}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


def adapt_problem(
    row: dict[str, Any],
    model: ModelSettings,
    settings: TTRLSettings,
    vsettings: VariantSettings,
    out_dir: str | Path,
    *,
    start_stack: Sequence[str | Path] = (),
    steps: int | None = None,
    banned: set[str] | None = None,
    generate_fn: Any = None,
    task: Any = None,
) -> ProblemResult:
    """TTRL on one problem from the policy ``start_stack`` rebuilds: variants, ``steps`` GRPO steps (default
    ``settings.max_steps``; 0: answer with the starting policy), the greedy answer. ``generate_fn`` (the starting
    policy) proposes variants when the source is ``model`` or ``mixed``; without it the source is symbolic."""
    from ladderlib.ladder.grpo import train_ladder_grpo
    from ladderlib.tasks.integrals import IntegralsTask

    row = problem_row(row)
    task = task or IntegralsTask(format_weight=settings.format_weight)
    steps = settings.max_steps if steps is None else steps
    start = [str(s) for s in start_stack]
    banned = set(banned or ())
    out = Path(out_dir)
    key = input_key(row, settings, vsettings, model, start, steps, banned)
    stored = out / "result.json"
    if stored.is_file() and (old := json.loads(stored.read_text())).get("key") == key:
        return ProblemResult(**{**old["result"], "reused": True})
    t0 = time.perf_counter()
    result = ProblemResult(str(row.get("id", row["integrand"])), row["integrand"], row.get("variable", "x"),
                           row.get("lower"), row.get("upper"))
    counting = _Counting(generate_fn) if generate_fn is not None else None
    variants: list[dict[str, Any]] = []
    if steps > 0:
        variants, result.variant_counts = grow_variants(row, vsettings, counting, banned, seed=settings.seed)
        variants = variants[: settings.max_variants]
    result.variants = len(variants)
    result.gen_tokens["variants"] = counting.tokens if counting else 0
    if steps > 0 and variants:
        t_train = time.perf_counter()
        summary = train_ladder_grpo(model, grpo_settings(settings, steps), variants, out, task=task,
                                    base_adapters=start, resume=False,
                                    callbacks=_callbacks(result, task, row, settings))
        result.train_s = round(time.perf_counter() - t_train, 2)
        result.steps = int(summary["steps"])
        result.adapter_stack = [*start, summary["adapter"]]
        result.gen_tokens["grpo"] = grpo_tokens(out / "metrics.jsonl", settings)
        result.solved_during_adaptation = result.probe_passes > 0 if settings.probe_samples else None
        shutil.rmtree(out / "checkpoints", ignore_errors=True)
    else:
        from ladderlib.models.generation import Engine
        from ladderlib.models.loader import load_model, load_with_adapters

        result.stopped_by = "no_variants" if steps > 0 else "no_steps"
        policy, tokenizer = load_with_adapters(model, start) if start else load_model(model)
        answer(result, task, row, Engine(policy, tokenizer), settings.answer_max_new_tokens)
        result.start_digest = result.end_digest = weights_digest(policy)
        result.adapter_stack = start
        result.solved_during_adaptation = False if settings.probe_samples else None
    result.wall_s = round(time.perf_counter() - t0, 2)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(stored, {"key": key, "result": asdict(result)})
    return result


class _Counting:
    """A ``GenerateFn`` over an engine that counts the tokens it generates."""

    def __init__(self, engine: Any) -> None:
        self.engine, self.tokens = engine, 0

    def __call__(self, prompts: Sequence[Any], sampling: Any = None) -> list[str]:
        from ladderlib.models.generation import GREEDY

        complete = getattr(self.engine, "complete", None)
        if not callable(complete):
            return list(self.engine(prompts, sampling or GREEDY))
        done = complete(prompts, sampling or GREEDY)
        self.tokens += sum(c.n_tokens for c in done)
        return [c.text for c in done]


# --- a set of problems ------------------------------------------------------------------------------------------

def run_set(
    rows: Sequence[dict[str, Any]],
    model: ModelSettings,
    settings: TTRLSettings,
    vsettings: VariantSettings,
    out_dir: str | Path,
    *,
    start_stack: Sequence[str | Path] = (),
    generate_fn: Any = None,
    cache: Any = None,
    reuse: dict[str, ProblemResult] | None = None,
    desc: str = "TTRL",
) -> TTRLRun:
    """TTRL on every problem (a ``tqdm`` bar over the set; GRPO draws one per problem).

    Without ``cache`` every problem restarts from ``start_stack``. With an ``AdapterCache``, a hit starts from the
    cached adapter with ``cache_hit_steps`` steps (an exact hit answers with it directly) and every problem's
    adapter is stored; a miss whose id is in ``reuse`` (the no-cache run of the same problem: same start, data
    and seed) takes that result instead of training again.
    """
    from tqdm.auto import tqdm

    rows = [problem_row(r) for r in rows]
    keys = [integrand_fingerprint(r) for r in rows]
    out = Path(out_dir)
    results: list[ProblemResult] = []
    for i, row in enumerate(tqdm(rows, desc=desc, unit="problem")):
        banned = {k for j, k in enumerate(keys) if j != i and k is not None and k != keys[i]}
        pid = str(row.get("id", i))
        folder = out / f"{i:03d}-{safe_name(pid)}"
        text = problem_text(row)
        hit = cache.lookup(text, keys[i]) if cache is not None else None
        if hit is None:
            if reuse is not None and pid in reuse:
                result = reuse[pid]
            else:
                result = adapt_problem(row, model, settings, vsettings, folder, start_stack=start_stack,
                                       banned=banned, generate_fn=generate_fn)
            result = ProblemResult(**{**asdict(result), "cache": "miss" if cache is not None else "off"})
        else:
            steps = 0 if hit.kind == "exact" else settings.cache_hit_steps
            result = adapt_problem(row, model, settings, vsettings, folder, start_stack=hit.entry.stack,
                                   steps=steps, banned=banned, generate_fn=generate_fn)
            result = ProblemResult(**{**asdict(result), "cache": hit.kind, "cache_from": hit.entry.id,
                                      "similarity": round(hit.similarity, 4)})
        if cache is not None:
            new_adapter = result.adapter_stack[-1] if len(result.adapter_stack) > len(
                hit.entry.stack if hit else list(map(str, start_stack))) else None
            below = result.adapter_stack[:-1] if new_adapter else result.adapter_stack
            cache.store(f"{i:03d}-{safe_name(pid)}", text, keys[i], below, new_adapter, result.steps, result.wall_s,
                        info={"final_correct": result.final_correct})
        results.append(result)
    return TTRLRun(results)
