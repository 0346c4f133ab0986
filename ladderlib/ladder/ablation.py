"""LADDER's key ablation (seed 000) as 06_grpo_ppo runs it: the same GRPO on the variant curriculum and on the
original (root) problems alone, each measured on held-out easy integrals that neither arm trains on."""

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


def heldout_for(pool: Sequence[dict[str, Any]], training: Iterable[dict[str, Any]], n: int | None, seed: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Easy held-out problems from ``pool`` that match no training row of either arm."""
    from ladderlib.ladder.heldout import easy_heldout

    return easy_heldout(pool, training, n=n, seed=seed, max_difficulty=5.0, max_answer_ops=10)


def train_arms(
    model_settings: Any,
    settings: Any,
    arms: dict[str, Sequence[dict[str, Any]]],
    heldout: Sequence[dict[str, Any]],
    output_dir: Callable[[str], Path],
) -> dict[str, Any]:
    """Train every arm (``{name: rows}``) with the same settings into ``output_dir(name)``, measured on ``heldout``.

    Returns ``{arm: summary fields}`` (adapters, steps, training time, held-out accuracy before and after).
    """
    from ladderlib.ladder.grpo import train_ladder_grpo

    results: dict[str, Any] = {}
    for arm, rows in arms.items():
        summary = train_ladder_grpo(model_settings, settings, rows, output_dir(arm), eval_rows=heldout)
        results[arm] = {k: summary.get(k) for k in ("output_dir", "adapter", "adapter_stack", "rows", "steps",
                                                    "resumed_from", "train_runtime_s", "heldout_before", "heldout_after")}
    return results
