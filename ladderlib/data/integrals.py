"""Integration problems: textbook integrand/antiderivative pairs split into train/test, plus hard root integrals.

The roots are the project's own: integrals a 135M model cannot do outright, from which 02_variants grows
trees of easier variants. Their antiderivatives were found with sympy and are checked in the tests.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from ladderlib.config.data import IntegralsSettings
from ladderlib.data.splits import grouped_split
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


def _key(row: dict[str, Any]) -> str:
    return row["integrand"].replace(" ", "")


def load_integrals(settings: IntegralsSettings, seed: int) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    """Return ({'train','test','roots'} rows, info); duplicate integrands are merged and never straddle splits."""
    path = packaged_pairs_path() if settings.path == "packaged" else Path(settings.path)
    raw = read_jsonl(path)
    rows: list[dict[str, Any]] = []
    roots = {f.replace(" ", "") for f in ROOT_INTEGRALS}
    seen: set[str] = set()
    for i, r in enumerate(raw):
        if not r.get("integrand") or not r.get("antiderivative"):
            raise ValueError(f"{path}: row {i} lacks 'integrand'/'antiderivative'")
        if _key(r) in seen or _key(r) in roots:
            continue
        seen.add(_key(r))
        rows.append(
            {
                "id": f"int-{len(rows):05d}",
                "integrand": r["integrand"],
                "antiderivative": r["antiderivative"],
                "variable": r.get("variable", "x"),
                "source": r.get("source", str(path)),
            }
        )
    if settings.max_problems:
        rows = rows[: settings.max_problems]
    train, test = grouped_split(rows, settings.test_fraction, seed, key=_key)
    root_rows = [
        {"id": f"root-{i:02d}", "integrand": f, "antiderivative": F, "variable": "x", "source": "ladderlib roots"}
        for i, (f, F) in enumerate(ROOT_INTEGRALS.items())
    ]
    info = {
        "source": "packaged:rubi_textbook.jsonl" if settings.path == "packaged" else f"local:{path}",
        "licence": "MIT (Rubi MathematicaSyntaxTestSuite); roots: this project",
        "rows_read": len(raw),
        "unique_integrands": len(rows),
    }
    return {"train": sorted(train, key=lambda r: r["id"]), "test": sorted(test, key=lambda r: r["id"]), "roots": root_rows}, info
