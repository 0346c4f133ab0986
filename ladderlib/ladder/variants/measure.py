"""Measure a model's variant-proposal quality: proposed / valid / accepted and drop reasons.

``python -m ladderlib.ladder.variants.measure [--model embedded] [--prompts-per-node 2] [--max-new-tokens 128]``
grows depth-1 trees from ``HARD_ROOTS`` with ``variant_source="model"`` and prints JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from typing import Any

HARD_ROOTS: tuple[str, ...] = ("x**2*sin(x)", "exp(x)*cos(x)", "x*log(x)", "sin(x)**3", "x/(x**2+1)")


def measure_model_valid_rate(
    generate_fn: Any, roots: Sequence[str] = HARD_ROOTS, *, breadth: int = 3, prompts_per_node: int = 2,
    max_new_tokens: int = 128, max_depth: int = 1, seed: int = 0,
) -> dict[str, Any]:
    """Grow model-only trees for ``roots``; return the aggregated model stats plus accepted integrands."""
    from ladderlib.config.variants import VariantSettings
    from ladderlib.ladder.variants.generate import generate_forest, summarize_stats

    settings = VariantSettings(variant_source="model", max_depth=max_depth, breadth=breadth,
                               prompts_per_node=prompts_per_node, max_new_tokens=max_new_tokens, seed=seed)
    start = time.time()
    trees = generate_forest(list(roots), generate_fn, settings=settings, seed=seed)
    stats = summarize_stats(trees).get("model", {})
    return {
        "roots": list(roots), "settings": {"breadth": breadth, "prompts_per_node": prompts_per_node,
                                           "max_new_tokens": max_new_tokens, "max_depth": max_depth, "seed": seed},
        "seconds": round(time.time() - start, 1), "model": stats,
        "accepted": {t.root.integrand: [n.integrand for n in t.variants()] for t in trees},
    }


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: load the model, measure, print JSON."""
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", default="embedded")
    ap.add_argument("--breadth", type=int, default=3)
    ap.add_argument("--prompts-per-node", type=int, default=2)
    ap.add_argument("--max-new-tokens", type=int, default=128)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    from ladderlib.config.model import ModelSettings
    from ladderlib.models import load_model
    from ladderlib.models.generation import Engine

    model, tok = load_model(ModelSettings(name=args.model))
    report = measure_model_valid_rate(Engine(model, tok), breadth=args.breadth,
                                      prompts_per_node=args.prompts_per_node, max_new_tokens=args.max_new_tokens,
                                      seed=args.seed)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
