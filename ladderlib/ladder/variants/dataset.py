"""Training rows from variant trees, and curriculum orderings of those rows.

One row per variant (roots only with ``include_roots=True``): ids, integrand, depth, difficulty,
source, rewrite — and the antiderivative when sympy finds one quickly (``manualintegrate`` then
``integrate``, each under ``antiderivative_timeout_s``, checked by differentiating at a few points),
else None. Rows carry ``difficulty`` so ``curriculum_order`` can sort them.
"""

from __future__ import annotations

import json
import logging
import math
import random
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import sympy

from ladderlib.io import atomic_write_json
from ladderlib.ladder.variants.canonical import parse_candidate
from ladderlib.ladder.variants.difficulty import reset_manualintegrate_state, symbol_of
from ladderlib.timeouts import call_with_timeout
from ladderlib.ladder.variants.tree import VariantTree

log = logging.getLogger(__name__)
DATASET_FORMAT = "ladder-variant-dataset"
CURRICULUM_MODES = ("easy_first", "banded", "mixed")
BANDS = 3
_CHECK_POINTS = (0.31, 0.73, 1.37, 2.11)


def _derivative_matches(antiderivative: sympy.Expr, integrand: sympy.Expr, x: sympy.Symbol) -> bool:
    """Numerically check ``d/dx antiderivative == integrand`` at a few points (needs one finite point)."""
    diff = sympy.diff(antiderivative, x) - integrand
    finite = 0
    for p in _CHECK_POINTS:
        try:
            v = complex(diff.evalf(30, subs={x: p}))
            scale = abs(complex(integrand.evalf(30, subs={x: p})))
        except (TypeError, ValueError, ZeroDivisionError):
            continue
        if not (math.isfinite(v.real) and math.isfinite(v.imag) and math.isfinite(scale)):
            continue
        finite += 1
        if abs(v) > 1e-8 * max(1.0, scale):
            return False
    return finite > 0


def find_antiderivative(expr: sympy.Expr, variable: str = "x", timeout_s: float = 2.0) -> sympy.Expr | None:
    """An antiderivative sympy finds within ``timeout_s`` (manualintegrate, then integrate), else None."""
    x = symbol_of(expr, variable)
    from sympy.integrals.manualintegrate import manualintegrate

    for method in (lambda: manualintegrate(expr, x), lambda: sympy.integrate(expr, x)):
        reset_manualintegrate_state()
        try:
            result, timed_out = call_with_timeout(method, timeout_s, None)
        except Exception:  # sympy fails loudly on some inputs: try the next method
            result, timed_out = None, False
        finally:
            reset_manualintegrate_state()
        if result is None or timed_out or result.has(sympy.Integral) or result.has(sympy.Piecewise):
            continue
        checked, _ = call_with_timeout(lambda: _derivative_matches(result, expr, x), timeout_s, False)
        if checked:
            return result
    return None


def build_dataset(
    trees: Iterable[VariantTree],
    *,
    include_roots: bool = False,
    antiderivatives: bool = True,
    antiderivative_timeout_s: float = 2.0,
) -> list[dict[str, Any]]:
    """One row per variant of every tree (creation order), with difficulty and a quick antiderivative."""
    rows: list[dict[str, Any]] = []
    for tree in trees:
        for node in tree.nodes.values():
            if node.source == "root" and not include_roots:
                continue
            anti = None
            if antiderivatives:
                try:
                    expr = parse_candidate(node.integrand, tree.variable)
                    found = find_antiderivative(expr, tree.variable, antiderivative_timeout_s)
                    anti = None if found is None else str(found)
                except ValueError as exc:
                    log.warning("tree %s node %s: cannot reparse %r: %s", tree.tree_id, node.id, node.integrand, exc)
            rows.append({
                "id": f"{tree.tree_id}/{node.id}", "root_id": tree.tree_id, "node_id": node.id,
                "parent_id": node.parent, "problem": tree.problem, "root_integrand": tree.root.integrand,
                "integrand": node.integrand, "variable": tree.variable, "depth": node.depth,
                "difficulty": node.difficulty, "source": node.source, "rewrite": node.rewrite,
                "kind": node.kind, "antiderivative": anti,
            })
    return rows


def curriculum_order(rows: list[dict[str, Any]], mode: str = "easy_first", seed: int = 0) -> list[dict[str, Any]]:
    """Order rows for training: ``easy_first`` (difficulty ascending; deeper first, then id, on ties;
    rows without a difficulty last), ``banded`` (``easy_first`` cut into ``BANDS`` equal bands, each shuffled with
    the seed, so a step mixes problems of similar difficulty) or ``mixed`` (a seeded shuffle: no curriculum)."""
    if mode == "easy_first":
        def key(r: dict[str, Any]) -> tuple:
            d = r.get("difficulty")
            return (d is None, d if d is not None else 0.0, -int(r.get("depth", 0)), str(r.get("id", "")))
        return sorted(rows, key=key)
    if mode == "banded":
        ordered = curriculum_order(rows, "easy_first")
        size = max(1, -(-len(ordered) // BANDS))
        out: list[dict[str, Any]] = []
        for start in range(0, len(ordered), size):
            band = ordered[start:start + size]
            random.Random(f"ladder-bands/{seed}/{start}").shuffle(band)
            out += band
        return out
    if mode == "mixed":
        out = list(rows)
        random.Random(f"ladder-curriculum/{seed}").shuffle(out)
        return out
    raise ValueError(f"unknown curriculum mode {mode!r}; choose one of {CURRICULUM_MODES}")


def save_dataset(path: str | Path, rows: list[dict[str, Any]], summary: dict[str, Any] | None = None) -> Path:
    """Write rows (and an optional summary) as ``{"format": "ladder-variant-dataset", "rows": [...]}``."""
    return atomic_write_json(Path(path), {"format": DATASET_FORMAT, "version": 1, "summary": summary or {}, "rows": rows})


def load_dataset(path: str | Path) -> list[dict[str, Any]]:
    """Rows of a dataset file (also accepts a bare JSON list of rows)."""
    obj = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(obj, list):
        return obj
    if isinstance(obj, dict) and obj.get("format") == DATASET_FORMAT:
        return list(obj["rows"])
    raise ValueError(f"{path}: not a variant dataset")
