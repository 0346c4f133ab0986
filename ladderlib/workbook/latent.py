"""Stage 08_latent: Coconut continuous thoughts against no-CoT, CoT, pause tokens and Coconut without curriculum,
trained the same way in one run; per-method folders make a killed run resume after the last finished method."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ladderlib.config.params import Params
from ladderlib.pipeline.rundir import RunDir

BASELINES = ("no_cot", "cot", "pause", "coconut_no_curriculum")


@dataclass
class LatentStage:
    """Result rows (one per task x method, plus textbook rows), the Coconut stage curve, step logs and the paired
    comparisons of Coconut with each baseline."""

    rows: list[dict[str, Any]]
    stages: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    paired: list[dict[str, Any]]
    records: dict[str, list[dict[str, Any]]]
    reused: list[str]

    def examples(self, task: str, limit: int = 6) -> list[dict[str, Any]]:
        """The first held-out items of ``task`` with each method's answer (gold first)."""
        by_method = {k.split("/", 1)[1]: v for k, v in self.records.items() if k.startswith(f"{task}/")}
        out = []
        for i, rec in enumerate(next(iter(by_method.values()), [])[:limit]):
            row = {"id": rec["id"], "gold": rec["gold"]}
            for method, recs in by_method.items():
                r = recs[i]
                row[method] = f"{r['predicted']} ({'✓' if r['correct'] else '✗'}, {r['tokens']} tok)"
            out.append(row)
        return out


def settings_key(params: Params) -> str:
    """A digest of everything that decides a trained method (latent and model settings)."""
    blob = json.dumps({"latent": params.latent.model_dump(mode="json"), "model": params.model.model_dump(mode="json")},
                      sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _method_dir(run: RunDir, task: str, method: str) -> Path:
    return run.latent_dir / "methods" / f"{task}__{method}"


def _finished(run: RunDir, params: Params, key: str) -> dict[str, Any]:
    from ladderlib.latent.checkpoint import has_method
    from ladderlib.latent.experiment import MethodResult

    out = {}
    for task in params.latent.tasks:
        for method in params.latent.methods:
            folder = _method_dir(run, task, method)
            path = folder / "result.json"
            if path.is_file() and has_method(folder / "adapter"):
                saved = json.loads(path.read_text())
                if saved.get("settings_key") == key:
                    out[f"{task}/{method}"] = MethodResult(**{k: saved[k] for k in
                                                              ("task", "method", "rows", "stages", "steps", "records")})
    return out


def paired_rows(records: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Coconut against each baseline on the same held-out items: the exact McNemar test and the accuracy gap."""
    from ladderlib.evaluate.stats import mcnemar_exact, paired_bootstrap_diff

    out = []
    for key, ours in records.items():
        task, method = key.split("/", 1)
        if method != "coconut":
            continue
        for split in ours:
            a = [r["correct"] for r in ours[split]]
            for base in BASELINES:
                other = records.get(f"{task}/{base}", {}).get(split)
                if not other or not a:
                    continue
                b = [r["correct"] for r in other]
                test, diff = mcnemar_exact(a, b), paired_bootstrap_diff(a, b)
                out.append({"task": split, "trained_on": task, "baseline": base, "n": len(a),
                            "coconut_only": test["a_only"], "baseline_only": test["b_only"], "p_value": test["p"],
                            "diff": diff["diff"], "diff_ci_low": diff["ci_low"], "diff_ci_high": diff["ci_high"]})
    return out


def run_latent(params: Params, run: RunDir) -> LatentStage:
    """Train and score every method of ``params.latent`` into ``run.latent_dir`` (resuming finished methods),
    write ``latent/results.json`` for 09's final table; records ``metrics.json['latent']``."""
    from ladderlib.data import read_dataset
    from ladderlib.io import atomic_write_json
    from ladderlib.latent.checkpoint import save_method
    from ladderlib.latent.experiment import MethodResult, run_experiment

    s = params.latent
    key = settings_key(params)
    gsm8k = None
    if "gsm8k" in s.tasks:
        gsm8k = {"train": read_dataset(run.path, "gsm8k_train"), "test": read_dataset(run.path, "gsm8k_test")}
    textbook = read_dataset(run.path, "textbook") if s.textbook_eval and run.dataset("textbook").is_file() else None
    finished = _finished(run, params, key)

    def save(m: MethodResult) -> None:
        folder = _method_dir(run, m.task, m.method)
        save_method(m.coconut, folder / "adapter")
        atomic_write_json(folder / "result.json", {"settings_key": key, "task": m.task, "method": m.method,
                                                   "rows": m.rows, "stages": m.stages, "steps": m.steps,
                                                   "records": m.records})

    result = run_experiment(params.model, s, gsm8k=gsm8k, textbook=textbook, finished=finished, on_method=save,
                            log=print)
    records = {m.key: m.records for m in result.methods}
    paired = paired_rows(records)
    atomic_write_json(run.latent_results, result.rows)
    atomic_write_json(run.latent_dir / "summary.json", {"settings_key": key, "paired": paired,
                                                        "stages": result.stages})
    scores: dict[str, dict[str, Any]] = {}  # held-out set -> method -> numbers (latent.procedural.coconut.accuracy)
    for r in result.rows:
        scores.setdefault(r["task"], {})[r["model"]] = {k: r[k] for k in ("n", "correct", "accuracy", "ci_low",
                                                                          "ci_high", "mean_gen_tokens")}
    run.record_metrics("latent", {**scores, "settings_key": key, "paired": paired, "reused": sorted(finished)})
    by_split = {f"{split}/{k.split('/', 1)[1]}": recs for k, splits in records.items()
                for split, recs in splits.items()}
    return LatentStage(result.rows, result.stages, result.steps, paired, by_split, sorted(finished))
