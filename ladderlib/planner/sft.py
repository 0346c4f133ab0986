"""Planner SFT (seed 001's ``dummy_planner.py`` baseline): the model learns to answer a problem with a JSON plan.

The rows come from ``settings.dataset`` (a local JSONL or a hub id, rows of any shape ``planner_example``
reads) or, by default, from GSM8K rows whose plans are built offline from the solutions' own steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ladderlib.config.model import ModelSettings
from ladderlib.config.planner import PlannerSFTSettings


def is_gsm8k_row(row: dict[str, Any]) -> bool:
    """A GSM8K row (run-folder or raw) rather than a planner row that already carries its plan."""
    if any(k in row for k in ("plan", "should_decompose", "prompt", "messages")):
        return False
    return "solution" in row or "####" in str(row.get("answer", ""))


def planner_sft_rows(settings: PlannerSFTSettings, gsm8k_rows: Sequence[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """``(source, rows)``: the configured plans dataset, else the given GSM8K rows (at most ``max_train_examples``)."""
    from ladderlib.planner.data import load_planner_source

    limit = settings.max_train_examples
    if settings.dataset:
        return settings.dataset, load_planner_source(settings.dataset, settings.dataset_split, limit)
    return "gsm8k_train (built plans)", list(gsm8k_rows)[:limit]


def train_planner_sft(
    model_settings: ModelSettings,
    settings: PlannerSFTSettings,
    rows: Sequence[dict[str, Any]],
    adapter_dir: str | Path,
    callbacks: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """Train the planner LoRA on planner rows (or GSM8K rows, whose plans are built here) into ``adapter_dir``."""
    from ladderlib.planner.data import planner_example, planner_rows_from_gsm8k
    from ladderlib.train.sft import train_adapter

    rows = list(rows)[: settings.max_train_examples]
    if rows and is_gsm8k_row(rows[0]):
        rows = planner_rows_from_gsm8k(rows)
    examples = [planner_example(r, settings.system_prompt) for r in rows]
    return train_adapter(model_settings, settings, examples, adapter_dir, callbacks)
