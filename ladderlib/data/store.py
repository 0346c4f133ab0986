"""Datasets inside a run folder: written once by 01_data, read by every later notebook (never the originals)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ladderlib.io import read_jsonl, write_jsonl

DATA_SUBDIR = "data"


def dataset_path(run_dir: str | Path, name: str) -> Path:
    """Path of dataset ``name`` (e.g. 'gsm8k_train') in a run folder."""
    return Path(run_dir) / DATA_SUBDIR / f"{name}.jsonl"


def write_dataset(run_dir: str | Path, name: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Write rows atomically; return {path, rows, sha256} for the data card."""
    path = write_jsonl(dataset_path(run_dir, name), rows)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"file": str(path.relative_to(Path(run_dir))), "rows": len(rows), "sha256": digest}


def read_dataset(run_dir: str | Path, name: str) -> list[dict[str, Any]]:
    """Read dataset ``name`` written by 01_data; a missing one says to run 01_data first."""
    path = dataset_path(run_dir, name)
    if not path.is_file():
        raise FileNotFoundError(f"dataset {name!r} not found at {path}: run notebook 01_data for this run first")
    return read_jsonl(path)
