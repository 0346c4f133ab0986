"""Lazy package exports: ``from pkg import Name`` imports Name's module only on first use.

Packages use it so that reading a params profile or running ``ladder --help`` does not load torch or sympy.
Exports name submodules *of the package itself*, so every cross-package import stays a plain import statement
that import-linter sees.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, modules: dict[str, str]) -> tuple[Callable[[str], Any], list[str]]:
    """``(__getattr__, __all__)`` for ``package`` from ``{submodule: "Name OtherName ..."}``.

    The returned ``__getattr__`` resolves each name from ``package.submodule`` on first use; its ``exports``
    attribute maps every name to its module.
    """
    exports = {name: f"{package}.{module}" for module, names in modules.items() for name in names.split()}

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(importlib.import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    __getattr__.exports = exports  # type: ignore[attr-defined]
    return __getattr__, sorted(exports)
