"""Base vs trained: the generator's pass@1 (and pass@k) on HumanEval and MBPP test with 95% intervals and a
paired test, and the discriminator's test validity and break rate. Evaluation problems are never trained on.

* pass@1 from one greedy chain per problem (``eval_samples: 1``) has a Wilson interval; with n samples per
  problem (temperature ``eval_temperature``) pass@k is the unbiased estimator of Chen et al. (2021) averaged
  over problems, with a percentile-bootstrap interval over problems;
* base and trained answer the same problems, so their pass@1 (first sample) is compared with an exact McNemar
  test on the problems where exactly one of them passes;
* the base and the trained discriminator each write tests (greedy) for the same problems; validity is checked
  against the reference, break rate (valid tests the program fails) against the trained generator's program.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ladderlib.adversarial.rollout import ProblemRound, score, verdict_counts, write_chains, write_tests
from ladderlib.adversarial.train import budgets
from ladderlib.config.adversarial import AdversarialSettings
from ladderlib.config.sandbox import SandboxSettings
from ladderlib.evaluate.stats import bootstrap_mean_interval, mcnemar_exact, pass_at_k, wilson_interval
from ladderlib.tasks.code import CodeProblem

GENERATORS = {"base": None, "trained": "generator"}
DISCRIMINATORS = {"base": None, "trained": "discriminator"}


def pass_row(set_name: str, model: str, rounds: Sequence[ProblemRound], ks: Sequence[int]) -> dict[str, Any]:
    """One table row: pass@1 with its 95% interval (Wilson for one sample, bootstrap otherwise) and pass@k."""
    n = len(rounds[0].programs) if rounds else 1
    correct = [sum(p.correct for p in r.programs) for r in rounds]
    first = sum(r.programs[0].correct for r in rounds)
    row: dict[str, Any] = {"set": set_name, "model": f"{set_name} · {model}", "generator": model,
                           "n": len(rounds), "samples": n, "correct": first}
    for k in ks:
        values = [pass_at_k(n, c, k) for c in correct]
        mean = sum(values) / len(values) if values else 0.0
        lo, hi = wilson_interval(first, len(rounds)) if n == 1 and k == 1 else bootstrap_mean_interval(values)
        row[f"pass@{k}"] = mean
        row[f"pass@{k}_ci"] = (lo, hi)
    row["accuracy"], (row["ci_low"], row["ci_high"]) = row["pass@1"], row["pass@1_ci"]
    return row


def paired_row(set_name: str, base: Sequence[ProblemRound], trained: Sequence[ProblemRound]) -> dict[str, Any]:
    """Base vs trained on the same problems (first sample): the four cells and the exact McNemar p-value."""
    b = [r.programs[0].correct for r in base]
    t = [r.programs[0].correct for r in trained]
    only_b = sum(x and not y for x, y in zip(b, t, strict=True))
    only_t = sum(y and not x for x, y in zip(b, t, strict=True))
    return {"set": set_name, "n": len(b), "both": sum(x and y for x, y in zip(b, t, strict=True)),
            "base_only": only_b, "trained_only": only_t,
            "neither": sum(not x and not y for x, y in zip(b, t, strict=True)), "p_value": mcnemar_exact(b, t)["p"]}


def discriminator_row(set_name: str, model: str, rounds: Sequence[ProblemRound]) -> dict[str, Any]:
    """Tests written, valid share with its Wilson interval, and break rate on the trained generator's code."""
    tests = [t for r in rounds for t in r.tests]
    valid = [t for t in tests if t.valid]
    breaking = sum(t.programs[0] != "passed" for t in valid)
    lo, hi = wilson_interval(len(valid), len(tests))
    return {"set": set_name, "discriminator": model, "problems": len(rounds), "tests": len(tests),
            "valid": len(valid), "validity": len(valid) / len(tests) if tests else 0.0, "validity_ci": (lo, hi),
            "not_calling": sum(not t.calls_function for t in tests), "breaking": breaking,
            "break_rate": breaking / len(valid) if valid else None}


def written_test_rows(set_name: str, model: str, rounds: Sequence[ProblemRound]) -> list[dict[str, Any]]:
    """One row per adversarial test: problem, test, verdict on the reference and on the program, its kind."""
    out = []
    for r in rounds:
        for t in r.tests:
            kind = ("breaking" if t.programs[0] != "passed" else "valid") if t.valid else "invalid"
            out.append({"set": set_name, "discriminator": model, "problem": r.problem.id, "test": t.test,
                        "reference": t.reference if t.calls_function else f"{t.reference} (does not call it)",
                        "program": t.programs[0], "kind": kind})
    return out


def evaluate_adversarial(roles: Any, sets: Mapping[str, Sequence[CodeProblem]], settings: AdversarialSettings,
                         sandbox: SandboxSettings, out_dir: str | Path | None = None) -> dict[str, Any]:
    """Score base vs trained generator and discriminator on each evaluation set (see the module docstring)."""
    from ladderlib.io import atomic_write_json, write_jsonl
    from ladderlib.models.generation import mix_seed

    n = settings.eval_samples
    gen_budget = budgets(settings, temperature=0.0 if n == 1 else settings.eval_temperature)
    greedy = budgets(settings, temperature=0.0)
    result: dict[str, Any] = {"pass": [], "paired": [], "discriminator": [], "tests": [], "verdicts": {},
                              "samples": n, "k": list(settings.eval_k)}
    sets = {name: list(problems) for name, problems in sets.items() if problems}
    everything = [p for problems in sets.values() for p in problems]  # one batched pass over all sets
    if not everything:
        return result
    records: list[dict[str, Any]] = []

    def by_set(rounds: list[ProblemRound]) -> dict[str, list[ProblemRound]]:
        out, i = {}, 0
        for name, problems in sets.items():
            out[name], i = rounds[i: i + len(problems)], i + len(problems)
        return out

    played: dict[str, dict[str, list[ProblemRound]]] = {}
    seconds: dict[str, float] = {}
    for model, role in GENERATORS.items():
        t0 = time.perf_counter()
        with roles.engine(role) as engine:
            chains = write_chains(engine, everything, gen_budget, samples=n, seed=mix_seed(settings.seed, 7))
        played[model] = by_set(score(everything, chains, None, sandbox))
        seconds[model] = time.perf_counter() - t0
    judged: dict[str, dict[str, list[ProblemRound]]] = {}
    first = [c for r in (r for name in sets for r in played["trained"][name]) for c in r.chains[:1]]
    for model, role in DISCRIMINATORS.items():
        with roles.engine(role) as engine:
            answers = write_tests(engine, everything, greedy, seed=mix_seed(settings.seed, 8))
        judged[model] = by_set(score(everything, first, answers, sandbox))
    for name in sets:
        for model in GENERATORS:
            row = pass_row(name, model, played[model][name], settings.eval_k)
            # the sets are generated in one batched pass per model: its time is shared out by problem count
            row["wall_s"] = round(seconds[model] * len(sets[name]) / len(everything), 2)
            row["gen_tokens"] = sum(sum(c.tokens) for r in played[model][name] for c in r.chains)
            result["pass"].append(row)
            records += [{"set": name, "generator": model, **r.to_row()} for r in played[model][name]]
        result["paired"].append(paired_row(name, played["base"][name], played["trained"][name]))
        for model in DISCRIMINATORS:
            rounds = judged[model][name]
            result["discriminator"].append(discriminator_row(name, model, rounds))
            result["tests"] += written_test_rows(name, model, rounds)
            result["verdicts"][f"{name} · {model} discriminator"] = verdict_counts(rounds)
            records += [{"set": name, "discriminator": model, **r.to_row()} for r in rounds]
    if out_dir is not None:
        out = Path(out_dir)
        write_jsonl(out / "records.jsonl", records)
        atomic_write_json(out / "summary.json", result)
    return result
