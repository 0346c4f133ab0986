"""GSM8K: the official train/test from the hub or a local copy; the seed's 80/20 train/validation split.

The test split is kept apart, and train/validation questions that also appear in test are removed so that no
question leaks between splits.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ladderlib.config.data import GSM8KSettings
from ladderlib.data.hub import load_hub_dataset
from ladderlib.data.splits import grouped_split, normalise_text
from ladderlib.io import read_jsonl

_NUMBER_CLEAN = re.compile(r"[,$\s]")


def final_answer(solution: str) -> str:
    """The normalised final answer after ``####`` (commas, dollar signs and spaces removed)."""
    if "####" not in solution:
        raise ValueError(f"GSM8K solution has no '####' final answer: {solution[-80:]!r}")
    ans = _NUMBER_CLEAN.sub("", solution.rsplit("####", 1)[1])
    return ans.rstrip(".")


def _rows(raw: list[dict[str, Any]], split: str) -> list[dict[str, Any]]:
    out = []
    for i, r in enumerate(raw):
        if "question" not in r or "answer" not in r:
            raise ValueError(f"GSM8K {split} row {i} lacks 'question'/'answer' keys: {sorted(r)}")
        out.append(
            {
                "id": f"gsm8k-{split}-{i:05d}",
                "question": r["question"].strip(),
                "solution": r["answer"].strip(),
                "answer": final_answer(r["answer"]),
            }
        )
    return out


def load_raw(settings: GSM8KSettings) -> tuple[dict[str, list[dict[str, Any]]], str]:
    """Read the official train and test rows; returns (rows by split, description of the source)."""
    if settings.use_local():
        path = Path(settings.path)  # type: ignore[arg-type]
        files = {s: path / f"{s}.jsonl" for s in ("train", "test")} if path.is_dir() else None
        if not files or not all(f.is_file() for f in files.values()):
            raise FileNotFoundError(f"GSM8K folder {path} must hold train.jsonl and test.jsonl")
        return {s: read_jsonl(f) for s, f in files.items()}, f"local:{path}"
    ds = load_hub_dataset(settings.hub_id, "main", "GSM8K",  # type: ignore[arg-type]
                          "Set data.gsm8k.path to a folder with train.jsonl and test.jsonl.")
    return {s: [dict(r) for r in ds[s]] for s in ("train", "test")}, f"hub:{settings.hub_id}"


def load_gsm8k(settings: GSM8KSettings, seed: int) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """Return ({'train','validation','test'} rows, info) with the 80/20 split and test decontamination."""
    raw, source = load_raw(settings)
    train_all = _rows(raw["train"], "train")
    test = _rows(raw["test"], "test")
    test_keys = {normalise_text(r["question"]) for r in test}
    clean = [r for r in train_all if normalise_text(r["question"]) not in test_keys]
    train, val = grouped_split(clean, settings.val_fraction, seed, key=lambda r: normalise_text(r["question"]))
    train.sort(key=lambda r: r["id"])
    val.sort(key=lambda r: r["id"])
    splits = {
        "train": train[: settings.max_train],
        "validation": val[: settings.max_val],
        "test": test[: settings.max_test],
    }
    info = {
        "source": source,
        "licence": "MIT (OpenAI, grade-school-math)",
        "official_train": len(train_all),
        "official_test": len(test),
        "removed_as_in_test": len(train_all) - len(clean),
        "val_fraction": settings.val_fraction,
    }
    return splits, info


SPLITS = ("train", "validation", "test")


def gsm8k_split(split: str, settings: GSM8KSettings | None = None, seed: int = 1234,
                source: str | Path | None = None) -> list[dict[str, Any]]:
    """Rows of one GSM8K split (``train``, ``validation``, ``test``), for the commands.

    ``source`` is a GSM8K folder (``train.jsonl`` + ``test.jsonl``: split as 01_data splits it) or a JSONL file
    of ``{question, answer}`` rows (raw ``#### answer`` solutions or run-folder rows), used whole whatever the
    split; without it ``settings`` (default: the hub's ``openai/gsm8k``) is read. An unusable source raises
    ``ValueError`` naming it.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown GSM8K split {split!r} (one of {', '.join(SPLITS)})")
    if source is not None:
        path = Path(source).expanduser()
        if path.is_dir():
            settings = GSM8KSettings(path=path, hub_id=None)
        elif path.is_file():
            try:
                raw = read_jsonl(path)
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                raise ValueError(f"GSM8K file {path} is unreadable: {exc}") from None
            if not raw:
                raise ValueError(f"GSM8K file {path} holds no rows")
            if all(isinstance(r, dict) and "solution" in r and "question" in r for r in raw):
                return [{"id": r.get("id", f"gsm8k-file-{i:05d}"), **r} for i, r in enumerate(raw)]
            try:
                return _rows(raw, "file")
            except (ValueError, AttributeError, TypeError) as exc:
                raise ValueError(f"GSM8K file {path}: {exc}") from None
        else:
            raise ValueError(f"GSM8K source {path} does not exist (give a GSM8K folder or a JSONL file)")
    try:
        splits, _ = load_gsm8k(settings or GSM8KSettings(), seed)
    except FileNotFoundError as exc:
        raise ValueError(str(exc)) from None
    return splits[split]


def profile_gsm8k(params: Any, split: str, source: str | Path | None = None) -> list[dict[str, Any]]:
    """``gsm8k_split`` with a profile's ``data.gsm8k`` and ``data.split_seed`` (defaults when ``params`` is None)."""
    if params is None:
        return gsm8k_split(split, None, 1234, source)
    return gsm8k_split(split, params.data.gsm8k, params.data.split_seed, source)
