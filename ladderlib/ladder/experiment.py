"""LADDER's learning experiment: the data of a comparison that can show learning, shared by
``bench/learning_ladder.py`` and 06's ablation.

* ``family(row)``: an integrand's function-kind signature (``trig``, ``exp``, ``rational+trig``, ...); problems
  with parameters or non-elementary answers have none.
* **Held-out** (``select_heldout``): test-split problems with short elementary answers, in the training roots'
  families, none matching any training row (equal fingerprint or near-copy family); saved once with its sha256
  (``freeze_rows``), so every attempt is measured on the same set.
* **Roots** (``select_roots``): train-split problems per family, with answers long enough to be hard.
* **Variants** (``variant_rows``): the roots' symbolic forest, deduplicated across the whole forest by fingerprint
  and by near-copy family (which also removes stacked scalings ``c1*c2*f(k1*k2*x)``), without bare monomials,
  and with known antiderivatives of bounded length (a 135M model writes at most a few dozen tokens).
* **Warm-up** (``select_warmup``): train-split problems with verified answers, disjoint from the roots, the
  variants and the held-out set; one shared SFT warm-up on them is also the "SFT only" control.
* **Order**: static difficulty (``with_static_difficulty``; no wall-clock term, so a loaded machine changes
  nothing) and the ``banded`` curriculum (difficulty bands, shuffled within each band with a seed).
"""

from __future__ import annotations

import functools
import hashlib
import random
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

MAX_ANSWER_OPS = 12
# Answers with these are not elementary: out of reach for a short held-out answer.
NON_ELEMENTARY = ("li", "Ei", "Si", "Ci", "Shi", "Chi", "erf", "erfi", "erfc", "polylog", "gamma", "fresnel",
                  "elliptic", "hyper", "meijerg", "zeta", "LambertW", "expint", "uppergamma", "lowergamma")


@functools.lru_cache(maxsize=65536)
def _integrand(text: str, var: str) -> Any:
    """The integrand (safe parser), or None when it does not parse or has parameters besides ``var``."""
    from ladderlib.verify.parse import ParseError, parse_expression

    try:
        expr = parse_expression(text, variable=var)
    except (ParseError, ValueError, TypeError):
        return None
    return expr if {s.name for s in expr.free_symbols} == {var} else None


@functools.lru_cache(maxsize=65536)
def _answer_ops(answer: str, var: str) -> int | None:
    import sympy

    if not answer or answer == "0" or any(f"{name}(" in answer for name in NON_ELEMENTARY):
        return None
    try:
        anti = sympy.sympify(answer)
    except (ValueError, TypeError, SyntaxError, sympy.SympifyError):
        return None
    return int(sympy.count_ops(anti)) if {s.name for s in anti.free_symbols} == {var} else None


def family(row: dict[str, Any]) -> str | None:
    """The integrand's function-kind signature (``poly`` for polynomials); None for parameters or bad rows."""
    from ladderlib.ladder.variants.difficulty import function_kinds

    var = row.get("variable", "x")
    expr = _integrand(row["integrand"], var)
    return None if expr is None else "+".join(function_kinds(expr, var)) or "poly"


def answer_ops(row: dict[str, Any]) -> int | None:
    """Size (sympy ``count_ops``) of an elementary, one-variable known answer of a one-variable problem; else None."""
    var = row.get("variable", "x")
    if _integrand(row["integrand"], var) is None:
        return None
    return _answer_ops(str(row.get("antiderivative") or ""), var)


def _identity(pairs: Sequence[tuple[str, str]]) -> list[tuple[str | None, str | None]]:
    from ladderlib.verify.key_cache import identity_keys

    return identity_keys(pairs)


def keys_of(rows: Iterable[dict[str, Any]]) -> set[str]:
    """Every fingerprint and near-copy key of the rows (what "matches a training row" means)."""
    return {k for ks in _identity([(r["integrand"], r.get("variable", "x")) for r in rows]) for k in ks if k is not None}


def _seeded(rows: Sequence[dict[str, Any]], seed: int, tag: str) -> list[dict[str, Any]]:
    out = sorted(rows, key=lambda r: (str(r.get("id", "")), r["integrand"]))
    random.Random(f"ladder-experiment/{tag}/{seed}").shuffle(out)
    return out


def select_roots(train: Sequence[dict[str, Any]], families: Iterable[str], per_family: int, seed: int,
                 min_ops: int = 6, max_ops: int = 24) -> list[dict[str, Any]]:
    """Up to ``per_family`` train-split problems per family whose known answer has ``min_ops``..``max_ops`` ops."""
    wanted = set(families)
    chosen: dict[str, list[dict[str, Any]]] = {f: [] for f in wanted}
    for row in _seeded(train, seed, "roots"):
        fam = family(row)
        if fam not in chosen or len(chosen[fam]) >= per_family:
            continue
        ops = answer_ops(row)
        if ops is not None and min_ops <= ops <= max_ops:
            chosen[fam].append({**row, "family": fam})
    return [r for f in sorted(chosen) for r in chosen[f]]


def select_heldout(test: Sequence[dict[str, Any]], families: Iterable[str], exclude: Iterable[dict[str, Any]],
                   max_ops: int = MAX_ANSWER_OPS) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Test-split problems with answers of at most ``max_ops`` ops in ``families``, matching no ``exclude`` row."""
    wanted, seen = set(families), keys_of(exclude)
    counts = {"pool": len(test), "in_family_short": 0, "matches_training": 0, "duplicate": 0}
    kept: list[dict[str, Any]] = []
    kept_keys: set[str] = set()
    candidates = [r for r in test if family(r) in wanted and (answer_ops(r) or max_ops + 1) <= max_ops]
    counts["in_family_short"] = len(candidates)
    for row, pair in zip(candidates, _identity([(r["integrand"], r.get("variable", "x")) for r in candidates])):
        fam, ks = family(row), {k for k in pair if k is not None}
        if ks & seen:
            counts["matches_training"] += 1
        elif ks & kept_keys:
            counts["duplicate"] += 1
        else:
            kept.append({"id": row.get("id"), "integrand": row["integrand"], "antiderivative": row["antiderivative"],
                         "variable": row.get("variable", "x"), "family": fam})
            kept_keys |= ks
    counts["kept"] = len(kept)
    return kept, counts


def clean_variants(rows: Sequence[dict[str, Any]], max_ops: int = MAX_ANSWER_OPS,
                   exclude: Iterable[dict[str, Any]] = ()) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Variant rows deduplicated across the whole forest (fingerprint and near-copy family), with known
    antiderivatives of at most ``max_ops`` ops; rows matching ``exclude`` are dropped. Returns (rows, counts)."""
    banned = keys_of(exclude)
    counts = {"forest": len(rows), "no_answer": 0, "answer_too_long": 0, "duplicate_or_near_copy": 0, "excluded": 0}
    kept, seen = [], set()
    for row, ks in zip(rows, _identity([(r["integrand"], r.get("variable", "x")) for r in rows])):
        keys = {k for k in ks if k is not None}
        ops = answer_ops(row)
        if ops is None:
            counts["no_answer"] += 1
        elif ops > max_ops:
            counts["answer_too_long"] += 1
        elif keys & banned:
            counts["excluded"] += 1
        elif keys & seen:
            counts["duplicate_or_near_copy"] += 1
        else:
            kept.append(row)
            seen |= keys
    counts["kept"] = len(kept)
    return kept, counts


def forest_rows(roots: Sequence[dict[str, Any]], settings: Any) -> list[dict[str, Any]]:
    """The roots' symbolic variant forest (``settings``: ``VariantSettings``) as dataset rows, not yet cleaned."""
    from ladderlib.ladder.variants.dataset import build_dataset
    from ladderlib.ladder.variants.generate import generate_forest

    return build_dataset(generate_forest([r["integrand"] for r in roots], settings=settings))


def variant_rows(roots: Sequence[dict[str, Any]], settings: Any, max_ops: int = MAX_ANSWER_OPS,
                 exclude: Iterable[dict[str, Any]] = (), forest: Sequence[dict[str, Any]] | None = None,
                 ) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The roots' forest (``forest``, or built from ``settings``) as clean training rows (``clean_variants``);
    the roots themselves and rows matching ``exclude`` are dropped."""
    rows = forest if forest is not None else forest_rows(roots, settings)
    return clean_variants(rows, max_ops, [*roots, *exclude])


def select_warmup(train: Sequence[dict[str, Any]], exclude: Iterable[dict[str, Any]], n: int, seed: int,
                  max_ops: int = MAX_ANSWER_OPS) -> list[dict[str, Any]]:
    """Up to ``n`` train-split problems with short elementary answers, matching no ``exclude`` row."""
    banned = keys_of(exclude)
    pool = [r for r in _seeded(train, seed, "warmup") if (answer_ops(r) or max_ops + 1) <= max_ops]
    out: list[dict[str, Any]] = []
    for row, pair in zip(pool, _identity([(r["integrand"], r.get("variable", "x")) for r in pool])):
        if not {k for k in pair if k is not None} & banned:
            out.append(row)
            if len(out) >= n:
                break
    return out


def with_static_difficulty(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows with ``difficulty`` set to the static estimate (no wall-clock term: a loaded machine changes
    nothing), for the ``banded`` curriculum."""
    import sympy

    from ladderlib.ladder.variants.difficulty import estimate_difficulty

    return [{**r, "difficulty": estimate_difficulty(sympy.sympify(r["integrand"]), r.get("variable", "x"), timeout_s=0)[0]}
            for r in rows]


def frozen(path: str | Path, make: Callable[[], list[dict[str, Any]]]) -> tuple[list[dict[str, Any]], str]:
    """The rows frozen in ``path`` (made by ``make()`` and written the first time) and the file's sha256."""
    from ladderlib.io import read_jsonl, write_jsonl

    path = Path(path)
    if not path.is_file():
        write_jsonl(path, make())
    return read_jsonl(path), hashlib.sha256(path.read_bytes()).hexdigest()
