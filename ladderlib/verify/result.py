"""The verdict type ``VerifyResult`` and the helpers that build and word it."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ladderlib.verify import codes


@dataclass
class VerifyResult:
    """The verdict on one answer."""

    correct: bool
    code: str
    reason: str
    answer: str | None = None  # the expression text that was checked
    points: int = 0  # sample points that agreed (indefinite) or 1 (definite)
    max_error: float | None = None  # largest relative mismatch at the checked points
    elapsed_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return asdict(self)


def make_result(code: str, reason: str, **kw: Any) -> VerifyResult:
    """A result whose ``correct`` follows from ``code``."""
    return VerifyResult(correct=code == codes.OK, code=code, reason=reason, **kw)


def fmt(z: complex) -> str:
    """A short text form of a (complex) number for messages."""
    z = complex(z)
    if z.imag == 0 or abs(z.imag) <= 1e-12 * abs(z.real):
        return f"{z.real:.6g}"
    return f"{z.real:.6g}{z.imag:+.6g}i"
