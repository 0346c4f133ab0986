"""Lazy package exports: ``from pkg import Name`` imports Name's module only on first use.

Packages use it so that reading a params profile or running ``ladder --help`` does not load torch or sympy,
and so that subsystem settings can import ``ladderlib.config.base`` while ``Params`` is being assembled.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` resolving each exported name from its module (``{name: module}``)."""

    def __getattr__(name: str) -> Any:
        if name in exports:
            return getattr(importlib.import_module(exports[name]), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    return __getattr__
