"""Integration problems: textbook integrand/antiderivative pairs split into train/dev/test, plus hard root integrals.

The roots are the project's own: integrals a 135M model cannot do outright, from which 02_variants grows
trees of easier variants. Their antiderivatives were found with sympy and are checked in the tests.

Splits are by meaning, not by text: two integrands that are the same function (equal numeric fingerprints:
``cot(x)`` and ``1/tan(x)``) or near-copies of each other (the same form up to coefficients and the variable's
name: ``t*exp(-t)`` and ``3*x*exp(2*x)``) always land on the same side, and pool rows that match a root either
way are dropped. ``dev`` is carved from train for anything watched during training (GRPO's periodic
evaluation), so no choice is made by looking at ``test``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from ladderlib.config.data import IntegralsSettings
from ladderlib.data.splits import linked_split
from ladderlib.io import read_jsonl

ROOT_INTEGRALS: dict[str, str] = {
    "x**2*sin(x)": "-x**2*cos(x) + 2*x*sin(x) + 2*cos(x)",
    "exp(x)*cos(x)": "exp(x)*(sin(x) + cos(x))/2",
    "x*log(x)": "x**2*(2*log(x) - 1)/4",
    "sin(x)**3": "(cos(2*x) - 5)*cos(x)/6",
    "x**3*exp(x**2)": "(x**2 - 1)*exp(x**2)/2",
    "log(x)**2": "x*(log(x)**2 - 2*log(x) + 2)",
    "x*atan(x)": "x**2*atan(x)/2 - x/2 + atan(x)/2",
    "1/(x**2 - 1)": "log(x - 1)/2 - log(x + 1)/2",
    "exp(2*x)*sin(3*x)": "(2*sin(3*x) - 3*cos(3*x))*exp(2*x)/13",
    "1/(x*(x + 1))": "log(x) - log(x + 1)",
    "(x + 1)/(x**2 + 2*x + 5)": "log(x**2 + 2*x + 5)/2",
    "x*exp(x)*sin(x)": "(x*sin(x) - x*cos(x) + cos(x))*exp(x)/2",
    "log(x)/x**2": "(-log(x) - 1)/x",
    "x**3/(x**2 + 1)": "x**2/2 - log(x**2 + 1)/2",
    "sin(2*x)*cos(3*x)": "cos(x)/2 - cos(5*x)/10",
    "1/(exp(x) + 1)": "x - log(exp(x) + 1)",
    "x**2*log(x)": "x**3*(3*log(x) - 1)/9",
    "x*cos(x)**2": "x**2/4 + x*sin(2*x)/4 + cos(2*x)/8",
    "x*sqrt(x + 1)": "2*sqrt(x + 1)*(3*x**2 + x - 2)/15",
    "x**2/sqrt(1 - x**3)": "-2*sqrt(1 - x**3)/3",
    "cos(x)**4": "3*x/8 + sin(2*x)/4 + sin(4*x)/32",
    "sqrt(x)*log(x)": "2*x**(3/2)*(3*log(x) - 2)/9",
    "x*sin(x)**2": "x**2/4 - x*sin(2*x)/4 - cos(2*x)/8",
    "x**2*exp(-x)*cos(x)": "exp(-x)*((x + 1)**2*sin(x) - (x**2 - 1)*cos(x))/2",
}


def packaged_pairs_path() -> Path:
    """The packaged copy of the Rubi textbook pairs (MIT)."""
    return Path(str(resources.files("ladderlib.data.resources") / "rubi_textbook.jsonl"))


def load_integrals(settings: IntegralsSettings, seed: int) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """Return ({'train','dev','test','roots'} rows, info): split by meaning (see the module docstring)."""
    from ladderlib.verify.key_cache import identity_keys

    path = packaged_pairs_path() if settings.path == "packaged" else Path(settings.path)
    raw = read_jsonl(path)
    for i, r in enumerate(raw):
        if not r.get("integrand") or not r.get("antiderivative"):
            raise ValueError(f"{path}: row {i} lacks 'integrand'/'antiderivative'")
    root_keys = {k for pair in identity_keys([(f, "x") for f in ROOT_INTEGRALS]) for k in pair if k is not None}
    keys_of: dict[tuple[str, str], tuple[str | None, str | None]] = {}
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    dropped = {"duplicate": 0, "matches_a_root": 0}
    limit = settings.max_problems or len(raw)
    for start in range(0, len(raw), 200):  # keys in chunks, so a capped pool computes only what it keeps
        if len(rows) >= limit:
            break
        chunk = raw[start:start + 200]
        pairs = [(r["integrand"], r.get("variable", "x")) for r in chunk]
        keys_of.update(zip(pairs, identity_keys(pairs)))
        for r, pair in zip(chunk, pairs):
            value_key, family = keys_of[pair]
            if value_key in root_keys or family in root_keys:
                dropped["matches_a_root"] += 1
                continue
            text = r["integrand"].replace(" ", "")
            if text in seen:
                dropped["duplicate"] += 1
                continue
            seen.add(text)
            rows.append({"id": f"int-{len(rows):05d}", "integrand": r["integrand"], "antiderivative": r["antiderivative"],
                         "variable": pair[1], "source": r.get("source", str(path))})
    rows = rows[:limit]
    keys = [lambda r: keys_of[(r["integrand"], r["variable"])][0], lambda r: keys_of[(r["integrand"], r["variable"])][1]]
    train, test = linked_split(rows, settings.test_fraction, seed, keys)
    train, dev = linked_split(train, settings.dev_fraction, seed + 1, keys)
    root_rows = [
        {"id": f"root-{i:02d}", "integrand": f, "antiderivative": F, "variable": "x", "source": "ladderlib roots"}
        for i, (f, F) in enumerate(ROOT_INTEGRALS.items())
    ]
    info = {
        "source": "packaged:rubi_textbook.jsonl" if settings.path == "packaged" else f"local:{path}",
        "licence": "MIT (Rubi MathematicaSyntaxTestSuite); roots: this project",
        "rows_read": len(raw),
        "unique_integrands": len(rows),
        "dropped": dropped,
        "split": "linked by numeric fingerprint and near-copy family (see ladderlib.data.integrals)",
    }
    by_id = lambda rs: sorted(rs, key=lambda r: r["id"])  # noqa: E731
    return {"train": by_id(train), "dev": by_id(dev), "test": by_id(test), "roots": root_rows}, info
