"""OpenRLHF's reward function file: ``--remote_rm_url <this file> --label_key label``.

OpenRLHF loads the file by path and calls ``reward_func(queries, prompts, labels)``: ``queries`` are prompt +
response as rendered text, ``prompts`` the prompts, ``labels`` the dataset's label column (here a JSON string
``{data_source, ground_truth, extra_info}``, written by ``ladder export openrlhf``). It returns
``{"rewards", "scores", "extra_logs"}`` as tensors: rewards for the advantage, scores (0/1) for dynamic
filtering, extra_logs for the logger. Needs ``ladderlib`` installed on every Ray worker.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ladderlib.export.rewards import grade_many


def response_of(query: str, prompt: str) -> str:
    """The response part of a query (the query without its prompt prefix)."""
    return query[len(prompt):] if prompt and query.startswith(prompt) else query


def reward_func(queries: Sequence[str], prompts: Sequence[str], labels: Sequence[str], **_: Any) -> dict[str, Any]:
    """Rewards (1/0 correctness by our graders) for a batch, in OpenRLHF's return dict."""
    import torch

    parsed = [json.loads(lb) if isinstance(lb, str) else dict(lb) for lb in labels]
    grades = grade_many([p["data_source"] for p in parsed],
                        [response_of(q, p) for q, p in zip(queries, prompts, strict=True)],
                        [p["ground_truth"] for p in parsed], [p.get("extra_info") for p in parsed])
    rewards = torch.tensor([g["score"] for g in grades], dtype=torch.float)
    parsable = torch.tensor([g["parsable"] for g in grades], dtype=torch.float)
    # per-sample extra_logs, as OpenRLHF's examples/python/reward_func.py: chunks concatenate, the logger averages
    return {"rewards": rewards, "scores": rewards.clone(), "extra_logs": {"accuracy": rewards.clone(), "parsable": parsable}}
