"""Errors of the sandbox package: an environment that cannot sandbox, and unusable input."""

from __future__ import annotations

INSTALL_HINT = (
    "install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap; "
    "Arch: pacman -S bubblewrap), or opt in to running WITHOUT isolation with isolation='none' "
    "(CLI: --unisolated)"
)


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot run here (bubblewrap missing or unable to create its namespaces)."""


class TestPlanError(ValueError):
    """Tests that cannot be turned into a test plan (syntax errors, no asserts, no entry point)."""

    __test__ = False  # not a pytest test class
