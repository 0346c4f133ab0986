"""The planner GRPO dataset: GSM8K problems as planner prompts, with the columns the reward reads.

The prompt is exactly the planner SFT prompt (``planner_example``), so GRPO can start from the SFT adapter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ladderlib.train.config import PLANNER_SYSTEM_PROMPT
from ladderlib.train.planner_data import planner_example, planner_rows_from_gsm8k

__all__ = ["planner_grpo_dataset", "planner_grpo_rows"]


def planner_grpo_rows(
    rows: Sequence[dict[str, Any]], system_prompt: str = PLANNER_SYSTEM_PROMPT
) -> list[dict[str, Any]]:
    """``{prompt, question, gold}`` records from GSM8K rows (raw ``{question, answer}`` or run-folder rows)."""
    out = []
    for row in planner_rows_from_gsm8k(list(rows)):
        prompt = planner_example(row, system_prompt)["prompt"]
        out.append({"prompt": prompt, "question": row["question"], "gold": str(row["answer"]).replace(",", "")})
    return out


def planner_grpo_dataset(rows: Sequence[dict[str, Any]], system_prompt: str = PLANNER_SYSTEM_PROMPT) -> Any:
    """A ``datasets.Dataset`` of conversational planner prompts with ``question`` and ``gold`` columns."""
    from datasets import Dataset

    records = planner_grpo_rows(rows, system_prompt)
    if not records:
        raise ValueError("no GSM8K rows: the planner GRPO dataset is empty")
    return Dataset.from_list(records)
