"""The rollouts file (``rollouts.jsonl``): crash-safe reading, repair of a torn last line, and settings pinning.

Rows are appended one per question with fsync (``ladderlib.io.append_jsonl``), so a crash can at
worst leave one partial last line. ``repair_rollouts`` drops such a line (or adds a missing final
newline) with an atomic rewrite; a bad line anywhere else is real corruption and raises.
A ``<name>.settings.json`` file next to the rollouts pins the settings that shape the rows, so a
resume with different arms or weights fails instead of mixing incompatible rows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ladderlib.io import atomic_write_json, atomic_write_text
from ladderlib.config.regime_w import RegimeWSettings

# Settings that may change between a run and its resume (they do not change what a row means).
RESUMABLE_KEYS = frozenset({"n_questions", "batch_size", "ucb_c", "bandit_metric"})


def repair_rollouts(path: str | Path) -> list[dict[str, Any]]:
    """Read the rows of ``path`` (``[]`` if missing), dropping a torn last line and rewriting the file atomically.

    Raises ``ValueError`` for an unparsable line that is not the last one, or a repeated ``question_id``.
    """
    path = Path(path)
    if not path.is_file():
        return []
    raw = path.read_text(encoding="utf-8")
    lines = raw.split("\n")
    rows: list[dict[str, Any]] = []
    dirty = bool(raw) and not raw.endswith("\n")
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    for i, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or "question_id" not in row:
                raise ValueError("not a rollout row")
        except ValueError as exc:
            if i == last:
                dirty = True  # torn write from a crash: drop it
                continue
            raise ValueError(f"{path}:{i + 1}: corrupt rollout row ({exc}); only the last line may be torn") from None
        rows.append(row)
    ids = [r["question_id"] for r in rows]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise ValueError(f"{path}: repeated question_id {dup[:5]}")
    if dirty:
        atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    return rows


def read_rollouts(path: str | Path) -> list[dict[str, Any]]:
    """The rows of a rollouts file, tolerating (and repairing) a torn last line."""
    return repair_rollouts(path)


def settings_path(path: str | Path) -> Path:
    """Where the pinned settings of rollouts file ``path`` live."""
    path = Path(path)
    return path.with_name(f"{path.stem}.settings.json")


def pin_settings(path: str | Path, settings: RegimeWSettings) -> None:
    """Write the settings next to ``path``, or check they match the pinned ones (``RESUMABLE_KEYS`` may differ)."""
    sp = settings_path(path)
    current = settings.model_dump(mode="json")
    if sp.is_file() and Path(path).is_file():
        pinned = json.loads(sp.read_text())
        diff = sorted(k for k in set(pinned) | set(current) if k not in RESUMABLE_KEYS and pinned.get(k) != current.get(k))
        if diff:
            details = ", ".join(f"{k}: {pinned.get(k)!r} -> {current.get(k)!r}" for k in diff)
            raise ValueError(f"{path} was collected with other settings ({details}); write to a new file to change them")
    atomic_write_json(sp, current)
