"""Deterministic, leak-free splits: rows that share a key (e.g. the same question text) stay on one side."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")


def normalise_text(text: str) -> str:
    """Lower-case, collapse whitespace: the key used to find duplicate questions."""
    return re.sub(r"\s+", " ", text.strip().lower())


def grouped_split(
    rows: Sequence[T], fraction: float, seed: int, key: Callable[[T], str]
) -> tuple[list[T], list[T]]:
    """Split rows into (rest, held_out) with about ``fraction`` held out; equal keys never straddle the split."""
    groups: dict[str, list[T]] = {}
    for row in rows:
        groups.setdefault(key(row), []).append(row)
    keys = sorted(groups)
    random.Random(seed).shuffle(keys)
    target = round(fraction * len(rows))
    held: list[T] = []
    rest: list[T] = []
    for k in keys:
        (held if len(held) < target else rest).extend(groups[k])
    return rest, held
