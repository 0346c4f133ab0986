"""A task's problem rows as veRL records and OpenRLHF rows.

veRL's schema is the one of its ``examples/data_preprocess/gsm8k.py``: ``data_source``, ``prompt`` (chat
messages), ``ability``, ``reward_model = {style: "rule", ground_truth}``, ``extra_info``. The ground truth is
what our grader needs and nothing else: the gold number (GSM8K, so veRL's own GSM8K scorer also reads it),
the integrand (the verifier differentiates the answer and compares) or the problem with its tests as JSON
(code). ``extra_info.row`` keeps the whole row (JSON) for audits.
"""

from __future__ import annotations

import json
from typing import Any

# our task name -> (veRL data_source, veRL ability)
DATA_SOURCES: dict[str, tuple[str, str]] = {
    "integrals": ("ladder/integrals", "math"),
    "gsm8k": ("openai/gsm8k", "math"),
    "code": ("ladder/code", "code"),
}
TASK_OF_SOURCE: dict[str, str] = {source: task for task, (source, _) in DATA_SOURCES.items()}


def ground_truth(task_name: str, row: dict[str, Any]) -> str:
    """The string a reward function needs to grade an answer to ``row`` (see the module docstring)."""
    if task_name == "integrals":
        return str(row["integrand"])
    if task_name == "gsm8k":
        from ladderlib.tasks.gsm8k import gold_of

        return gold_of(row)
    if task_name == "code":
        from ladderlib.tasks.code import to_problem

        return json.dumps(to_problem(row).to_row(), sort_keys=True)
    raise KeyError(f"no hand-off format for task {task_name!r}; known: {', '.join(sorted(DATA_SOURCES))}")


def verl_record(task: Any, row: dict[str, Any], split: str, index: int) -> dict[str, Any]:
    """One row as a veRL record (the fields of veRL's GSM8K preprocessing, same types)."""
    source, ability = DATA_SOURCES[task.name]
    return {
        "data_source": source,
        "prompt": task.messages(row),
        "ability": ability,
        "reward_model": {"style": "rule", "ground_truth": ground_truth(task.name, row)},
        "extra_info": {"split": split, "index": int(index), "task": task.name,
                       "variable": str(row.get("variable", "x")), "key": task.key(row),
                       "row": json.dumps(row, sort_keys=True, default=str)},
    }


def openrlhf_row(record: dict[str, Any]) -> dict[str, Any]:
    """A veRL record as an OpenRLHF prompt row: ``prompt`` (chat messages, for ``--apply_chat_template``) and
    ``label``, a JSON string with what the reward needs (OpenRLHF hands ``reward_func`` only the labels)."""
    label = {"data_source": record["data_source"], "ground_truth": record["reward_model"]["ground_truth"],
             "extra_info": {"variable": record["extra_info"]["variable"]}}
    return {"prompt": record["prompt"], "label": json.dumps(label, sort_keys=True),
            "data_source": record["data_source"], "index": record["extra_info"]["index"]}
