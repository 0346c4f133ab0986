"""One hand-off folder: train/test data in the engine's format and the reward file it loads by path.

    verl/      train.parquet  test.parquet  reward.py  (custom_reward_function.path=.../reward.py, name=compute_score)
    openrlhf/  train.jsonl    test.jsonl    reward.py  (--remote_rm_url .../reward.py --label_key label)

``reward.py`` is a two-line shim importing our reward module, so the folder can move to a cluster that has
``ladderlib`` installed; ``manifest.json`` records the rows, task and split seed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ladderlib.export.records import openrlhf_row, verl_record
from ladderlib.io import atomic_write_json, atomic_write_text

ENGINES = ("verl", "openrlhf")
_SHIMS = {
    "verl": '"""veRL reward: custom_reward_function.path=<this file> custom_reward_function.name=compute_score."""\n'
            "from ladderlib.export.verl_reward import compute_score, compute_score_batch  # noqa: F401\n",
    "openrlhf": '"""OpenRLHF reward: --remote_rm_url <this file> --label_key label."""\n'
                "from ladderlib.export.openrlhf_reward import reward_func  # noqa: F401\n",
}


def split_rows(rows: Sequence[dict[str, Any]], test_fraction: float, seed: int) -> tuple[list[dict], list[dict]]:
    """(train, test): a seeded shuffle, ``test_fraction`` of the rows (at least one when there are two) held out."""
    if not 0 <= test_fraction < 1:
        raise ValueError(f"--test-fraction must be in [0, 1), got {test_fraction}")
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)
    n_test = max(1, round(test_fraction * len(rows))) if test_fraction > 0 and len(rows) > 1 else 0
    test = sorted(order[:n_test])
    held = set(test)
    return [rows[i] for i in range(len(rows)) if i not in held], [rows[i] for i in test]


def records(task: Any, rows: Sequence[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    """veRL records of ``rows`` (index = position in the split)."""
    return [verl_record(task, r, split, i) for i, r in enumerate(rows)]


def write_handoff(engine: str, task: Any, train: Sequence[dict[str, Any]], test: Sequence[dict[str, Any]],
                  output: str | Path, info: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write ``engine``'s train/test files and ``reward.py`` into ``output``; returns the paths and row counts."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from ladderlib.io import write_jsonl

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}")
    if not train:
        raise ValueError("no training rows to export")
    out = Path(output)
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for split, rows in (("train", train), ("test", test)):
        recs = records(task, rows, split)
        if engine == "verl":
            path = out / f"{split}.parquet"
            if recs:
                pq.write_table(pa.Table.from_pylist(recs), path)  # what datasets' to_parquet writes, no progress bar
        else:
            path = out / f"{split}.jsonl"
            write_jsonl(path, [openrlhf_row(r) for r in recs])
        if recs or engine == "openrlhf":
            files[split] = str(path)
    reward = atomic_write_text(out / "reward.py", _SHIMS[engine])
    summary = {"engine": engine, "task": task.name, "output": str(out), "files": files, "reward": str(reward),
               "rows": {"train": len(train), "test": len(test)}, **(info or {})}
    atomic_write_json(out / "manifest.json", summary)
    return summary
