"""The architecture holds: the import layers (import-linter), lazy exports that stay inside their package, and
small modules."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import ladderlib

REPO = Path(__file__).resolve().parents[1]
MAX_LINES = 400


def test_import_layers_hold():
    out = subprocess.run([str(Path(sys.executable).with_name("lint-imports"))], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert "Contracts: 2 kept, 0 broken." in out.stdout


def test_lazy_exports_point_inside_their_own_package():
    for mod in pkgutil.walk_packages(ladderlib.__path__, "ladderlib."):
        if not mod.ispkg:
            continue
        package = importlib.import_module(mod.name)
        exports = getattr(getattr(package, "__getattr__", None), "exports", None)
        if exports is None:  # a package with its own export table (verify) or none
            exports = {n: t[0] for n, t in getattr(package, "_EXPORTS", {}).items()}
        for name, target in exports.items():
            inside = target.startswith(mod.name + ".") or target.startswith("ladderlib.config.")
            assert inside, f"{mod.name} exports {name} from {target}: a lazy import import-linter cannot see"
            assert name == "codes" or hasattr(importlib.import_module(target), name), f"{target} has no {name}"
            assert name in getattr(package, "__all__", [name])


def test_modules_are_small_unless_they_say_why():
    long = []
    for path in (REPO / "ladderlib").rglob("*.py"):
        lines = path.read_text().count("\n")
        doc = ast.get_docstring(ast.parse(path.read_text())) or ""
        if lines > MAX_LINES and "one file" not in doc:
            long.append(f"{path.relative_to(REPO)}: {lines} lines")
    assert not long, "modules over ~400 lines without a docstring saying why one file is right: " + ", ".join(long)
