"""veRL's custom reward function: ``custom_reward_function.path=<this file> custom_reward_function.name=compute_score``.

veRL loads the file by path (``importlib.util.spec_from_file_location``) and calls ``compute_score`` per
response with the record's ``data_source``, the decoded response, ``reward_model.ground_truth`` and
``extra_info``; a dict return needs ``score`` (the other keys are logged). ``compute_score_batch`` is the
same for veRL's batch reward manager (``reward_model.reward_manager=batch``). Needs ``ladderlib`` installed on
every Ray worker (``pip install -e .`` of this repository).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ladderlib.export.rewards import grade_many


def compute_score(data_source: str, solution_str: str, ground_truth: str, extra_info: dict[str, Any] | None = None,
                  **_: Any) -> dict[str, float]:
    """``{"score", "acc", "parsable"}`` of one response (score 1 when our grader accepts it, else 0)."""
    return grade_many([data_source], [solution_str], [ground_truth], [extra_info])[0]


def compute_score_batch(data_sources: Sequence[str], solution_strs: Sequence[str], ground_truths: Sequence[str],
                        extra_infos: Sequence[dict[str, Any] | None] | None = None, **_: Any) -> list[dict[str, float]]:
    """``compute_score`` for a whole batch (graded per task in one pass)."""
    return grade_many(list(data_sources), list(solution_strs), list(ground_truths), extra_infos)
