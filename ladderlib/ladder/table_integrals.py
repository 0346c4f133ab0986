"""Procedural table integrals (the rules of a first calculus course, with linearity) for LADDER's SFT warm-up.

Why: the embedded 135M model, untrained or warmed up on textbook problems alone, verifies none of the easiest
variants (``x + 1``, ``sin(x)``) in several samples, so GRPO sees no reward and nothing can be learnt. A warm-up
that also teaches the table rules (power rule, ``1/x``, ``sin``/``cos``/``exp`` of ``k*x``, ``sec**2``,
``1/(1 + x**2)``, ``1/sqrt(1 - x**2)``, ``sinh``/``cosh``) makes easy variants solvable sometimes: the reward
signal GRPO needs. No library generates such problems with answers, so they are drawn here: each problem is a
sum of one to three table terms with small random coefficients; its antiderivative is the sum of the table's
antiderivatives, checked by SymPy differentiation. Callers remove rows matching their training or test rows (``experiment.keys_of``).
"""

from __future__ import annotations

import random
from typing import Any

# (integrand template, antiderivative template) in the inner coefficient k; both are SymPy-parsable text
TABLE: tuple[tuple[str, str], ...] = (
    ("x**{n}", "x**{n1}/{n1}"),
    ("1/x", "log(x)"),
    ("sqrt(x)", "2*x**(3/2)/3"),
    ("1/sqrt(x)", "2*sqrt(x)"),
    ("sin({k}*x)", "-cos({k}*x)/{k}"),
    ("cos({k}*x)", "sin({k}*x)/{k}"),
    ("exp({k}*x)", "exp({k}*x)/{k}"),
    ("sec(x)**2", "tan(x)"),
    ("1/(x**2 + 1)", "atan(x)"),
    ("1/sqrt(1 - x**2)", "asin(x)"),
    ("sinh({k}*x)", "cosh({k}*x)/{k}"),
    ("cosh({k}*x)", "sinh({k}*x)/{k}"),
    ("1/(x + {b})", "log(x + {b})"),
)


def _term(rng: random.Random) -> tuple[str, str]:
    integrand, anti = rng.choice(TABLE)
    n = rng.randint(1, 6)
    k = rng.choice((1, 1, 2, 3, 4, 5))
    b = rng.randint(1, 9)
    fill = {"n": n, "n1": n + 1, "k": k, "b": b}
    return integrand.format(**fill), anti.format(**fill)


def table_problem(rng: random.Random, max_terms: int = 3) -> dict[str, Any] | None:
    """One problem: a sum of 1..``max_terms`` coefficient-scaled table terms, with a checked antiderivative."""
    import sympy

    x = sympy.Symbol("x")
    pieces = [_term(rng) for _ in range(rng.randint(1, max_terms))]
    coefs = [rng.choice((1, 1, 1, 2, 3, 4, 5, -1, -2, -3)) for _ in pieces]
    f = sympy.Add(*[c * sympy.sympify(p) for c, (p, _) in zip(coefs, pieces)])
    if f == 0 or f.is_number:
        return None
    anti = sympy.expand(sympy.Add(*[c * sympy.sympify(a) for c, (_, a) in zip(coefs, pieces)]))
    if sympy.simplify(sympy.diff(anti, x) - f) != 0:
        return None
    return {"integrand": str(f), "antiderivative": str(anti), "variable": "x", "source": "table"}


def table_rows(n: int, seed: int, exclude_keys: set[str] | frozenset[str] = frozenset(),
               max_terms: int = 3) -> list[dict[str, Any]]:
    """``n`` distinct table problems (seeded), none whose fingerprint or near-copy key is in ``exclude_keys``."""
    from ladderlib.ladder.experiment import keys_of

    rng = random.Random(f"ladder-table-integrals/{seed}")
    out: list[dict[str, Any]] = []
    seen = set(exclude_keys)
    tries = 0
    while len(out) < n:
        tries += 1
        if tries > 50 * n + 100:
            raise ValueError(f"could draw only {len(out)} of {n} table problems unlike the excluded rows")
        row = table_problem(rng, max_terms)
        if row is None:
            continue
        keys = keys_of([row])
        if not keys or keys & seen:
            continue
        seen |= keys
        out.append({**row, "id": f"table-{len(out):04d}"})
    return out
