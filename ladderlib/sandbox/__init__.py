"""Code sandbox (docstring below)."""

from ladderlib.lazy import lazy_exports

_EXPORTS = {
    "run_program": "ladderlib.sandbox.runner",
    "run_many": "ladderlib.sandbox.runner",
    "SandboxJob": "ladderlib.sandbox.runner",
    "SandboxResult": "ladderlib.sandbox.result",
    "TestVerdict": "ladderlib.sandbox.result",
    "SandboxUnavailable": "ladderlib.sandbox.errors",
    "TestPlanError": "ladderlib.sandbox.errors",
    "split_tests": "ladderlib.sandbox.testplan",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
