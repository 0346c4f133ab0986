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


def linked_groups(rows: Sequence[T], keys: Sequence[Callable[[T], str | None]]) -> list[list[int]]:
    """Row indices grouped so that rows sharing *any* key (a None key links nothing) are in one group
    (union-find over every key), in order of first appearance."""
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for key in keys:
        first: dict[str, int] = {}
        for i, row in enumerate(rows):
            k = key(row)
            if k is None:
                continue
            if k in first:
                parent[find(i)] = find(first[k])
            else:
                first[k] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def linked_split(
    rows: Sequence[T], fraction: float, seed: int, keys: Sequence[Callable[[T], str | None]]
) -> tuple[list[T], list[T]]:
    """Like ``grouped_split``, but rows linked by any of ``keys`` (e.g. equal values *or* near-copies) never
    straddle the split."""
    groups = linked_groups(rows, keys)
    random.Random(seed).shuffle(groups)
    target = round(fraction * len(rows))
    held: list[T] = []
    rest: list[T] = []
    for g in groups:
        (held if len(held) < target else rest).extend(rows[i] for i in g)
    return rest, held
