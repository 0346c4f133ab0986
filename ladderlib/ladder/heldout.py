"""A held-out set of easy integrals: textbook (Rubi) problems with short elementary answers that appear in no
training set, as canonical functions (so a rewritten copy of a training problem does not count as unseen)."""

from __future__ import annotations

import functools
import random
from collections.abc import Iterable, Sequence
from typing import Any

import sympy

from ladderlib.verify.fingerprint import integrand_key

# Answers with these are out of reach for "easy": they are not elementary functions.
NON_ELEMENTARY = ("li", "Ei", "Si", "Ci", "Shi", "Chi", "erf", "erfi", "erfc", "polylog", "gamma", "fresnel",
                  "elliptic", "hyper", "meijerg", "zeta", "LambertW", "expint", "uppergamma", "lowergamma")


def is_easy(row: dict[str, Any], max_difficulty: float = 4.5, max_answer_ops: int = 8) -> bool:
    """An elementary one-variable problem whose static difficulty and answer size are small."""
    return _is_easy(row["integrand"], str(row.get("antiderivative") or ""), row.get("variable", "x"),
                    max_difficulty, max_answer_ops)


@functools.lru_cache(maxsize=None)
def _is_easy(integrand_text: str, answer: str, var: str, max_difficulty: float, max_answer_ops: int) -> bool:
    from ladderlib.ladder.variants.difficulty import estimate_difficulty

    if not answer or answer == "0" or any(f"{name}(" in answer for name in NON_ELEMENTARY):
        return False
    try:
        integrand, anti = sympy.sympify(integrand_text), sympy.sympify(answer)
    except (sympy.SympifyError, TypeError, SyntaxError):
        return False
    if {s.name for s in integrand.free_symbols | anti.free_symbols} != {var}:
        return False  # parameters (a, b, n) or a stray second variable
    if int(sympy.count_ops(anti)) > max_answer_ops:
        return False
    return estimate_difficulty(integrand, var, timeout_s=0)[0] <= max_difficulty


def canonical_keys(rows: Iterable[dict[str, Any]]) -> set[str]:
    """Canonical keys (numeric fingerprints) of the rows' integrands; unparsable rows are skipped."""
    keys = {integrand_key(r["integrand"], r.get("variable", "x")) for r in rows}
    keys.discard(None)
    return keys


def easy_heldout(
    pool: Sequence[dict[str, Any]], exclude: Iterable[dict[str, Any]], n: int | None = None, seed: int = 0,
    max_difficulty: float = 4.5, max_answer_ops: int = 8,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Up to ``n`` easy, distinct problems from ``pool`` whose integrand matches none in ``exclude``.

    Returns the rows (seeded order) and counts: pool size, easy, duplicates and excluded (seen in training).
    """
    seen = canonical_keys(exclude)
    counts = {"pool": len(pool), "easy": 0, "duplicate": 0, "in_training": 0}
    kept: dict[str, dict[str, Any]] = {}
    for r in pool:
        if not is_easy(r, max_difficulty, max_answer_ops):
            continue
        counts["easy"] += 1
        var = r.get("variable", "x")
        key = integrand_key(r["integrand"], var)
        if key is None:
            continue
        if key in seen:
            counts["in_training"] += 1
        elif key in kept:
            counts["duplicate"] += 1
        else:
            kept[key] = {"integrand": r["integrand"], "antiderivative": r["antiderivative"], "variable": var,
                         "source": r.get("source")}
    rows = list(kept.values())
    random.Random(f"ladder-heldout/{seed}").shuffle(rows)
    counts["kept"] = len(rows) if n is None else min(n, len(rows))
    return (rows if n is None else rows[:n]), counts
