"""Stage 02_variants: LADDER variant trees for the hard roots, and the training rows built from them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ladderlib.config.params import Params
from ladderlib.pipeline.rundir import RunDir


@dataclass
class VariantsStage:
    """The forest, its dataset rows (easiest first), per-source statistics and their table."""

    trees: list[Any]
    rows: list[dict[str, Any]]
    stats: dict[str, dict[str, Any]]
    sources: list[dict[str, Any]]


def run_variants(params: Params, run: RunDir) -> VariantsStage:
    """Grow trees (``params.variants``, seeded by ``variants.seed``) into ``run.variant_trees`` and
    ``run.variant_dataset``; records ``metrics.json['02_variants']``."""
    from ladderlib.data import read_dataset
    from ladderlib.ladder.variants import build_dataset, curriculum_order, generate_forest, save_trees, summarize_stats
    from ladderlib.ladder.variants.dataset import save_dataset
    from ladderlib.plots.variants import source_table

    settings = params.variants
    roots = [r["integrand"] for r in read_dataset(run.path, "integrals_roots")][: settings.roots]
    engine = None
    if settings.variant_source != "symbolic":
        from ladderlib.models import Engine, load_model

        engine = Engine(*load_model(params.model))
    trees = generate_forest(roots, engine, settings=settings)
    save_trees(run.variant_trees, trees)
    stats = summarize_stats(trees)
    table = source_table(stats)
    rows = curriculum_order(build_dataset(trees), "easy_first")
    save_dataset(run.variant_dataset, rows, {"sources": table})
    run.record_metrics("02_variants", {"trees": len(trees), "variants": len(rows), "sources": table})
    return VariantsStage(trees, rows, stats, table)
