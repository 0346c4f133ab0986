"""LADDER variant trees: recursive easier variants of integrals, screened, scored and turned into datasets.

Modules, one job each: ``config`` (``VariantSettings``), ``prompts`` (personas, hints, prompt text,
temperature cycle), ``extract`` (candidates from model text), ``canonical`` (safe parsing, normal
form, validity/triviality, drop reasons), ``difficulty`` (the estimator), ``symbolic`` (named sympy
rewrites), ``model_source`` (prompting a ``generate_fn``; ``hf_generate_fn`` adapter), ``generate``
(``generate_tree`` / ``generate_forest``), ``tree`` (dataclasses, JSON), ``dataset``
(``build_dataset``, ``curriculum_order``), ``cli``. Names below are imported lazily so that
``ladder --help`` does not pay for sympy.
"""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

_EXPORTS = {
    "VariantSettings": "ladderlib.variants.config",
    "VariantNode": "ladderlib.variants.tree",
    "VariantTree": "ladderlib.variants.tree",
    "load_tree": "ladderlib.variants.tree",
    "load_trees": "ladderlib.variants.tree",
    "save_tree": "ladderlib.variants.tree",
    "save_trees": "ladderlib.variants.tree",
    "generate_tree": "ladderlib.variants.generate",
    "generate_forest": "ladderlib.variants.generate",
    "summarize_stats": "ladderlib.variants.generate",
    "build_dataset": "ladderlib.variants.dataset",
    "curriculum_order": "ladderlib.variants.dataset",
    "estimate_difficulty": "ladderlib.variants.difficulty",
    "extract_candidates": "ladderlib.variants.extract",
    "hf_generate_fn": "ladderlib.variants.model_source",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
