"""Base vs SFT vs PPO on the GSM8K test split: each model built from the base plus a chain of adapters, one at a time.

Models are loaded, scored and freed in turn, so three 8B policies never share GPU memory.
"""

from __future__ import annotations

import gc
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ladderlib.config.schema import ModelSettings
from ladderlib.evaluate.config import EvalSettings
from ladderlib.evaluate.gsm8k import EvalResult, evaluate, results_table


def compare_models(
    model_settings: ModelSettings,
    variants: Mapping[str, Sequence[str | Path]],
    examples: Sequence[Mapping[str, Any]],
    settings: EvalSettings,
    *,
    system: str | None = None,
    prompt_fn: Any = None,
    out_dir: str | Path | None = None,
) -> tuple[dict[str, EvalResult], list[dict[str, Any]]]:
    """Score each ``{name: [adapter, ...]}`` model (``[]`` = base) greedily; returns (results, table rows)."""
    from ladderlib.models import generate, load_with_adapters

    results: dict[str, EvalResult] = {}
    kwargs = {"prompt_fn": prompt_fn} if prompt_fn is not None else {}
    for name, adapters in variants.items():
        model, tok = load_with_adapters(model_settings, list(adapters))

        def gen(prompts: list[str], model=model, tok=tok) -> list[str]:
            return generate(model, tok, prompts, max_new_tokens=settings.max_new_tokens, temperature=0.0,
                            batch_size=settings.batch_size, system=system)

        results.update(evaluate({name: gen}, list(examples), out_dir=Path(out_dir) / name if out_dir else None, **kwargs))
        del model, gen
        gc.collect()
    return results, results_table(results)
