"""Settings of the integral verifier (the ``verify:`` section of a params profile)."""

from __future__ import annotations

from pydantic import Field, model_validator

from ladderlib.config.base import Section


class VerifySettings(Section):
    """How answers are checked: sample points, tolerances, limits and parallelism."""

    n_points: int = Field(10, ge=3, le=200, description="sample points per indefinite-integral check")
    min_points: int = Field(5, ge=2, le=200, description="points that must be usable for a verdict")
    x_min: float = Field(-10.0, ge=-1e6, le=1e6, description="left end of the sampling interval")
    x_max: float = Field(10.0, ge=-1e6, le=1e6, description="right end of the sampling interval")
    rel_tol: float = Field(
        1e-9, gt=0.0, le=0.1,
        description="relative tolerance of the derivative check (disagreements are re-checked in high "
                    "precision, so exact answers pass; decimals need ~10 correct digits)",
    )
    abs_tol: float = Field(
        1e-9, ge=0.0, le=1e-2,
        description="absolute tolerance added to the relative one, as a fraction of the integrand's small "
                    "values (10th percentile of |f|): tiny integrands are not matched by anything small",
    )
    definite_rel_tol: float = Field(1e-6, gt=0.0, le=0.1, description="relative tolerance for definite integrals")
    mp_dps: int = Field(24, ge=16, le=200, description="decimal digits of the high-precision re-check")
    timeout_s: float = Field(5.0, gt=0.0, le=600.0, description="wall-clock limit of one answer check")
    max_input_chars: int = Field(100_000, ge=100, le=10_000_000, description="raw model output length limit")
    max_answer_chars: int = Field(10_000, ge=10, le=1_000_000, description="extracted expression length limit")
    max_answer_tokens: int = Field(10_000, ge=10, le=100_000, description="tokens in an answer expression")
    max_nodes: int = Field(5_000, ge=10, le=1_000_000, description="distinct sub-expressions in an answer")
    max_depth: int = Field(100, ge=5, le=150, description="bracket nesting depth of an answer")
    max_digits: int = Field(60, ge=5, le=1000, description="digits in one number literal")
    allow_prose: bool = Field(True, description="find the expression inside a sentence around it")
    processes: int = Field(1, ge=1, le=256, description="worker processes for verify_many")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="seed of the sample points")

    @model_validator(mode="after")
    def _check(self) -> "VerifySettings":
        if self.x_min >= self.x_max:
            raise ValueError("x_min must be smaller than x_max")
        if self.min_points > self.n_points:
            raise ValueError("min_points cannot exceed n_points")
        return self
