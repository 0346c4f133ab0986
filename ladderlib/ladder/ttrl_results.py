"""TTRL's results: one ``ProblemResult`` per test problem, ``TTRLRun`` over a set, and the two figures.

``final_pass@1`` is the adapted policy's greedy answer to the original, checked by the verifier (the honest
figure); ``solved_during_adaptation`` is the paper's count (any answer sampled to the original during the steps
passed). Both come with Wilson 95% intervals (``ladderlib.evaluate.stats``) and are never reported under each
other's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

FIGURES = ("final_pass@1", "solved_during_adaptation")


def figure(flags: Sequence[bool | None], name: str) -> dict[str, Any]:
    """``{name, k, n, value, ci_low, ci_high}``: the share of True among the known flags, Wilson 95% CI."""
    from ladderlib.evaluate.stats import wilson_interval

    known = [bool(f) for f in flags if f is not None]
    k, n = sum(known), len(known)
    lo, hi = wilson_interval(k, n)
    return {"name": name, "k": k, "n": n, "value": k / n if n else None, "ci_low": lo, "ci_high": hi}


@dataclass
class ProblemResult:
    """What TTRL did on one test problem and how it ended."""

    id: str
    integrand: str
    variable: str
    lower: str | None
    upper: str | None
    variants: int = 0
    variant_counts: dict[str, int] = field(default_factory=dict)
    steps: int = 0
    stopped_by: str = "max_steps"
    cache: str = "off"
    cache_from: str | None = None
    similarity: float | None = None
    start_digest: str | None = None
    end_digest: str | None = None
    answer: str | None = None
    completion: str = ""
    code: str = ""
    final_correct: bool = False
    probe_samples: int = 0
    probe_passes: int = 0
    solved_during_adaptation: bool | None = None
    wall_s: float = 0.0
    train_s: float = 0.0
    gen_tokens: dict[str, int] = field(default_factory=dict)
    adapter_stack: list[str] = field(default_factory=list)
    reused: bool = False

    @property
    def tokens(self) -> int:
        """Every token generated for this problem (variants, GRPO completions, probes, the answer)."""
        return sum(self.gen_tokens.values())


@dataclass
class TTRLRun:
    """The results over a set of problems, with both figures."""

    problems: list[ProblemResult]

    def figures(self) -> dict[str, dict[str, Any]]:
        """``final_pass@1`` and ``solved_during_adaptation`` with their Wilson 95% CIs."""
        return {"final_pass@1": figure([p.final_correct for p in self.problems], "final_pass@1"),
                "solved_during_adaptation": figure([p.solved_during_adaptation for p in self.problems],
                                                   "solved_during_adaptation")}

    def totals(self) -> dict[str, Any]:
        """Steps, seconds and generated tokens summed over the problems."""
        return {"problems": len(self.problems), "steps": sum(p.steps for p in self.problems),
                "wall_s": round(sum(p.wall_s for p in self.problems), 2),
                "gen_tokens": sum(p.tokens for p in self.problems)}

    def table(self) -> list[dict[str, Any]]:
        """One row per problem for a notebook table."""
        return [{"id": p.id, "integrand": p.integrand, "variants": p.variants, "steps": p.steps, "cache": p.cache,
                 "stopped_by": p.stopped_by, "answer": p.answer or "—", "code": p.code or "—",
                 "final_correct": p.final_correct, "solved_during_adaptation": p.solved_during_adaptation,
                 "probe_passes": f"{p.probe_passes}/{p.probe_samples}", "wall_s": p.wall_s, "gen_tokens": p.tokens}
                for p in self.problems]


def cache_stats(plain: TTRLRun, cached: TTRLRun) -> dict[str, Any]:
    """Hit rate, steps and seconds saved by the cache, and final_pass@1 with and without it."""
    by_id = {p.id: p for p in plain.problems}
    hits = [p for p in cached.problems if p.cache in ("near", "exact")]
    return {
        "problems": len(cached.problems), "hits": len(hits),
        "exact_hits": sum(p.cache == "exact" for p in hits), "near_hits": sum(p.cache == "near" for p in hits),
        "hit_rate": len(hits) / len(cached.problems) if cached.problems else None,
        "steps_saved": sum(by_id[p.id].steps - p.steps for p in hits if p.id in by_id),
        "time_saved_s": round(sum(by_id[p.id].wall_s - p.wall_s for p in hits if p.id in by_id), 2),
        "accuracy_without_cache": figure([p.final_correct for p in plain.problems], "final_pass@1"),
        "accuracy_with_cache": figure([p.final_correct for p in cached.problems], "final_pass@1"),
    }
