"""``variants``: how 02_variants grows LADDER variant trees (sources, prompting, screening, budgets).

``PERSONAS`` and ``HINTS`` are the default prompt material (the LADDER paper's persona prompting and
transformation hints); ``ladderlib.ladder.variants.prompts`` builds the prompts from them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from ladderlib.config.base import Section

PERSONAS: tuple[str, ...] = (
    "Think like Euler: look for the cleanest structure hidden in the expression.",
    "Think like a careful calculus teacher preparing a graded set of exercises.",
    "Think like Ramanujan: spot surprising simplifications.",
    "Think like Gauss: be systematic and remove one difficulty at a time.",
    "Think like a student who wants warm-up problems before the hard one.",
    "Think like Leibniz: change the variable or the argument to make it simpler.",
    "Think like an exam writer who makes a ladder of easier questions.",
)

HINTS: tuple[str, ...] = (
    "simplify the exponent",
    "remove a factor",
    "replace a composite argument like 3*x+1 by x",
    "lower the polynomial degree",
    "split a sum and keep one term",
    "change the trig function to a simpler one",
    "drop a constant term",
    "replace a power like x**3 by x**2",
    "remove the denominator",
    "change a numeric coefficient (same difficulty)",
    "replace log(x) by x",
    "replace a square root by its argument",
)

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
    max_depth: int = Field(3, ge=1, le=12, description="levels of variants below the root")
    breadth: int = Field(3, ge=1, le=32, description="variants requested (and accepted at most) per node")
    max_nodes_per_tree: int = Field(50, ge=1, le=100_000, description="variants per tree, the root not counted")
    variant_source: VariantSource = Field(
        "mixed", description="model proposals, symbolic rewrites, or the model topped up by rewrites (mixed)")
    temperatures: list[float] = Field(default_factory=lambda: [0.8, 1.0, 1.2, 1.4], min_length=1,
                                      description="sampling temperatures cycled over the prompts")
    personas: list[str] = Field(default_factory=lambda: list(PERSONAS), min_length=1, description="personas rotated over the prompts")
    hints: list[str] = Field(default_factory=lambda: list(HINTS), min_length=1, description="transformation hints sampled into each prompt")
    hints_per_prompt: tuple[int, int] = Field((3, 5), description="how many hints a prompt carries (lo, hi)")
    prompts_per_node: int = Field(1, ge=1, le=16, description="model prompts per frontier node")
    mixed_min_valid_rate: float = Field(
        0.5, ge=0.0, le=1.0, description="in mixed mode, top a node up when accepted/breadth is below this")
    max_new_tokens: int = Field(256, ge=8, le=8192, description="tokens per model answer")
    seed: int = Field(0, ge=0, description="seed of the trees (tree i of a forest uses seed + i)")
    equivalent_fraction: float = Field(
        0.2, ge=0.0, le=1.0, description="share of a node's children that may be same-difficulty rewrites")
    max_integrand_ops: int = Field(80, ge=1, description="largest accepted integrand (sympy count_ops)")
    drop_monomials: bool = Field(True, description="drop bare power monomials c*x**n (the power rule alone solves them)")
    drop_harder_than_parent: bool = Field(False, description="drop variants estimated harder than their parent")
    simplify_timeout_s: float = Field(0.5, ge=0.0, le=600.0, description="bound on the normal form used for the monomial check")
    difficulty_timeout_s: float = Field(
        2.0, ge=0.0, le=600.0, description="bound on sympy's integral_steps in the difficulty estimate")

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
