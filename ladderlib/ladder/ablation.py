"""LADDER's key ablation (seed 000) as 06_grpo_ppo runs it, with the learning benchmark's rules
(``ladderlib.ladder.experiment``): the same GRPO on the variant curriculum and on the original (root) problems
alone, after one shared SFT warm-up when there is one, each measured on held-out test problems of the roots'
families that match no training row, with the dev split watched during training."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ARMS = ("variants", "originals")


def original_rows(integrands: Iterable[str], variable: str = "x", timeout_s: float = 2.0) -> list[dict[str, Any]]:
    """The root problems as training rows: difficulty, and an antiderivative (known root answer, else sympy's)."""
    import sympy

    from ladderlib.data.integrals import ROOT_INTEGRALS
    from ladderlib.ladder.variants.dataset import find_antiderivative
    from ladderlib.ladder.variants.difficulty import estimate_difficulty

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


def ablation_data(variants: Sequence[dict[str, Any]], train: Sequence[dict[str, Any]], dev: Sequence[dict[str, Any]],
                  test: Sequence[dict[str, Any]], settings: Any) -> dict[str, Any]:
    """The arms' rows, the shared warm-up rows, the held-out and dev problems, and the selection counts.

    ``variants`` are 02's rows (cleaned across the forest here); the originals are their roots; the held-out
    problems come from ``test`` in the roots' families and match no row of either arm or of the warm-up.
    """
    from ladderlib.ladder import experiment as X

    clean, vcounts = X.clean_variants(variants)
    originals = X.with_static_difficulty(original_rows(r["root_integrand"] for r in variants))
    families = sorted({f for r in originals if (f := X.family(r))})
    warmup = X.select_warmup(train, [*clean, *originals], settings.warmup_rows, settings.seed) if settings.warmup_sft_steps else []
    heldout, hcounts = X.select_heldout(test, families, [*clean, *originals, *warmup])
    dev_pool = [r for r in dev if X.family(r) in families]
    if warmup and settings.warmup_table_rows:
        from ladderlib.ladder.table_integrals import table_rows

        seen = X.keys_of([*clean, *originals, *warmup, *heldout, *dev_pool])
        warmup = warmup + table_rows(settings.warmup_table_rows, settings.seed, seen)
    return {"arms": {"variants": X.with_static_difficulty(clean), "originals": originals}, "warmup": warmup,
            "heldout": heldout[: settings.eval_examples], "dev": dev_pool[: settings.eval_examples],
            "counts": {"variants": vcounts, "heldout": hcounts, "families": families, "warmup": len(warmup),
                       "dev": min(len(dev_pool), settings.eval_examples)}}


def train_arms(
    model_settings: Any,
    settings: Any,
    data: dict[str, Any],
    output_dir: Callable[[str], Path],
) -> dict[str, Any]:
    """Train every arm of ``data`` (``ablation_data``) with the same settings into ``output_dir(name)``.

    With ``warmup_sft_steps`` > 0, one SFT warm-up on ``data["warmup"]`` is trained into ``output_dir("warmup")``
    and every arm starts from it (its held-out "before" accuracy is then the warm-up's: the SFT-only control).
    Returns ``{arm: summary fields}``.
    """
    from ladderlib.ladder.grpo import run_warmup, train_ladder_grpo
    from ladderlib.tasks.integrals import IntegralsTask

    base: list[str] = []
    results: dict[str, Any] = {}
    if settings.warmup_sft_steps and data["warmup"]:
        warm = run_warmup(model_settings, settings, IntegralsTask(), data["warmup"], output_dir("warmup"))
        base, results["warmup"] = [str(output_dir("warmup"))], warm
    arm_settings = settings.model_copy(update={"warmup_sft_steps": 0})
    for arm, rows in data["arms"].items():
        summary = train_ladder_grpo(model_settings, arm_settings, rows, output_dir(arm), eval_rows=data["heldout"],
                                    dev_rows=data["dev"], base_adapters=base)
        results[arm] = {k: summary.get(k) for k in ("output_dir", "adapter", "adapter_stack", "rows", "steps",
                                                    "resumed_from", "train_runtime_s", "heldout_before", "heldout_after")}
    return results
