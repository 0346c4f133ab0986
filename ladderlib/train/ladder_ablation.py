"""LADDER's key ablation (seed 000) as 06_grpo_ppo runs it: the same GRPO on the variant curriculum and on the
original (root) problems alone, each measured on held-out easy integrals that neither arm trains on."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

ARMS = ("variants", "originals")


def original_rows(integrands: Iterable[str], variable: str = "x", timeout_s: float = 2.0) -> list[dict[str, Any]]:
    """The root problems as training rows: difficulty, and an antiderivative (known root answer, else sympy's)."""
    import sympy

    from ladderlib.data.integrals import ROOT_INTEGRALS
    from ladderlib.variants.dataset import find_antiderivative
    from ladderlib.variants.difficulty import estimate_difficulty

    rows = []
    for f in dict.fromkeys(integrands):  # unique, in order
        expr = sympy.sympify(f)
        anti = ROOT_INTEGRALS.get(f)
        if anti is None:
            found = find_antiderivative(expr, variable, timeout_s)
            anti = None if found is None else str(found)
        rows.append({"integrand": f, "variable": variable, "antiderivative": anti,
                     "difficulty": estimate_difficulty(expr, variable, timeout_s=timeout_s)[0]})
    return rows


def heldout_for(pool: Sequence[dict[str, Any]], training: Iterable[dict[str, Any]], n: int | None, seed: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Easy held-out problems from ``pool`` that match no training row of either arm."""
    from ladderlib.data.heldout import easy_heldout

    return easy_heldout(pool, training, n=n, seed=seed, max_difficulty=5.0, max_answer_ops=10)


def run_ladder_grpo(params: Any, run: Any, arms: Sequence[str] | None = None) -> dict[str, Any]:
    """Train the ablation's arms into ``<run>/checkpoints/grpo_<arm>/`` and record ``metrics.json['grpo']``.

    Variants come from 02's ``variants/dataset.json``; originals are its tree roots; held-out problems come
    from the run's ``integrals_test`` split. ``grpo.run_ablation: false`` trains the variants arm only.
    """
    from ladderlib.data import read_dataset
    from ladderlib.train.grpo import train_grpo
    from ladderlib.variants.dataset import load_dataset

    settings = params.grpo
    arms = list(arms or (ARMS if settings.run_ablation else ARMS[:1]))
    variants = load_dataset(run.path / "variants" / "dataset.json")
    originals = original_rows(r["root_integrand"] for r in variants)
    heldout, counts = heldout_for(read_dataset(run.path, "integrals_test"), variants + originals,
                                  settings.eval_examples, settings.seed)
    results: dict[str, Any] = {"heldout": {"n": len(heldout), "selection": counts}}
    for arm in arms:
        rows = {"variants": variants, "originals": originals}[arm]
        summary = train_grpo(params.model, settings, rows, run.subdir("checkpoints") / f"grpo_{arm}", eval_rows=heldout)
        results[arm] = {k: summary[k] for k in ("output_dir", "adapter", "adapter_stack", "rows", "steps", "resumed_from",
                                                "train_runtime_s", "heldout_before", "heldout_after")}
    run.record_metrics("grpo", results)
    return results
