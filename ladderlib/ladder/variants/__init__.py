"""LADDER variant trees: recursive easier variants of integrals, screened, scored and turned into datasets.

Modules, one job each: ``prompts`` (personas, hints, prompt text, temperature cycle; the settings are
``ladderlib.config.variants``), ``extract`` (candidates from model text), ``canonical`` (safe parsing,
validity/triviality, drop reasons), ``difficulty`` (the estimator), ``symbolic`` (named sympy
rewrites), ``model_source`` (prompting any ``GenerateFn``), ``generate``
(``generate_tree`` / ``generate_forest``), ``tree`` (dataclasses, JSON), ``dataset``
(``build_dataset``, ``curriculum_order``), ``cli``. Names below are imported lazily so that
``ladder --help`` does not pay for sympy.
"""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "tree": "VariantNode VariantTree load_tree load_trees save_tree save_trees",
    "generate": "generate_tree generate_forest summarize_stats",
    "dataset": "build_dataset curriculum_order",
    "difficulty": "estimate_difficulty",
    "extract": "extract_candidates",
})
