"""``VariantSettings``: the params section that drives variant-tree generation."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ladderlib.config.base import Section
from ladderlib.variants.prompts import HINTS, PERSONAS

VariantSource = Literal["model", "symbolic", "mixed"]


class VariantSettings(Section):
    """How variant trees are grown.

    ``max_nodes_per_tree`` counts variants (the root is not counted). ``breadth`` is the number of
    variants requested per node (the prompt asks for that many; the symbolic source proposes until
    that many are accepted or it runs out). ``mixed`` tops a node up from the symbolic source when
    the share of the model's accepted children (accepted / breadth) is below ``mixed_min_valid_rate``.
    ``simplify_timeout_s`` bounds the cheap normal form used for the monomial check;
    ``difficulty_timeout_s`` bounds sympy's ``integral_steps`` in the difficulty estimate.
    """

    roots: int | None = Field(None, ge=1, description="how many root problems 02_variants grows trees for (None: all)")
    max_depth: int = Field(3, ge=1, le=12)
    breadth: int = Field(3, ge=1, le=32)
    max_nodes_per_tree: int = Field(50, ge=1, le=100_000)
    variant_source: VariantSource = "mixed"
    temperatures: list[float] = Field(default_factory=lambda: [0.8, 1.0, 1.2, 1.4], min_length=1)
    personas: list[str] = Field(default_factory=lambda: list(PERSONAS), min_length=1)
    hints: list[str] = Field(default_factory=lambda: list(HINTS), min_length=1)
    hints_per_prompt: tuple[int, int] = (3, 5)
    prompts_per_node: int = Field(1, ge=1, le=16)
    mixed_min_valid_rate: float = Field(0.5, ge=0.0, le=1.0)
    max_new_tokens: int = Field(256, ge=8, le=8192)
    seed: int = Field(0, ge=0)
    equivalent_fraction: float = Field(0.2, ge=0.0, le=1.0)
    max_integrand_ops: int = Field(80, ge=1)
    drop_monomials: bool = True
    drop_harder_than_parent: bool = False
    simplify_timeout_s: float = Field(0.5, ge=0.0, le=600.0)
    difficulty_timeout_s: float = Field(2.0, ge=0.0, le=600.0)

    @field_validator("temperatures")
    @classmethod
    def _temps_positive(cls, v: list[float]) -> list[float]:
        bad = [t for t in v if not 0.0 < t <= 3.0]
        if bad:
            raise ValueError(f"temperatures must be in (0, 3]; got {bad}")
        return v

    @field_validator("personas", "hints")
    @classmethod
    def _no_blank(cls, v: list[str]) -> list[str]:
        if any(not s.strip() for s in v):
            raise ValueError("entries must not be blank")
        return v

    @field_validator("hints_per_prompt", mode="before")
    @classmethod
    def _int_to_range(cls, v: object) -> object:
        return (v, v) if isinstance(v, int) else v

    @model_validator(mode="after")
    def _hint_range(self) -> "VariantSettings":
        lo, hi = self.hints_per_prompt
        if not 1 <= lo <= hi:
            raise ValueError(f"hints_per_prompt must be a range 1 <= lo <= hi; got {self.hints_per_prompt}")
        if lo > len(self.hints):
            raise ValueError(f"hints_per_prompt asks for {lo} hints but only {len(self.hints)} are listed")
        return self
