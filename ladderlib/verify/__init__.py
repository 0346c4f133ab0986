"""LADDER integral verifier: safe parsing, reward-hacking filters and fast numeric checks.

Public API::

    from ladderlib.verify import verify_integral, verify_batch, verify_many, parse_problem
    verify_integral("x**2*sin(x)", "-x**2*cos(x) + 2*x*sin(x) + 2*cos(x) + C").correct  # True

Names are loaded on first use, so ``import ladderlib.config.verify`` (done by the params schema)
stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "codes": ("ladderlib.verify.codes", None),
    "ParseError": ("ladderlib.verify.codes", "ParseError"),
    "VerifyError": ("ladderlib.verify.codes", "VerifyError"),
    "VerifySettings": ("ladderlib.config.verify", "VerifySettings"),
    "PreparedProblem": ("ladderlib.verify.prepared", "PreparedProblem"),
    "VerifyResult": ("ladderlib.verify.result", "VerifyResult"),
    "prepare_problem": ("ladderlib.verify.integrals", "prepare_problem"),
    "to_problem": ("ladderlib.verify.integrals", "to_problem"),
    "verify_batch": ("ladderlib.verify.integrals", "verify_batch"),
    "verify_integral": ("ladderlib.verify.integrals", "verify_integral"),
    "verify_many": ("ladderlib.verify.parallel", "verify_many"),
    "IntegralProblem": ("ladderlib.verify.problems", "IntegralProblem"),
    "parse_answer": ("ladderlib.verify.parse", "parse_answer"),
    "parse_expression": ("ladderlib.verify.parse", "parse_expression"),
    "parse_problem": ("ladderlib.verify.problems", "parse_problem"),
    "reference_check": ("ladderlib.verify.reference", "reference_check"),
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    """Load public names lazily (PEP 562)."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'ladderlib.verify' has no attribute {name!r}")
    module_name, attr = _EXPORTS[name]
    module = importlib.import_module(module_name)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
