"""Confidence intervals and paired tests for accuracies (small-n, near-0 and near-1 friendly)."""

from __future__ import annotations

import math
from collections.abc import Sequence


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion k/n (z=1.96 → 95%); ``(0.0, 1.0)`` when n == 0.

    With p = k/n: centre = (p + z²/2n) / (1 + z²/n), half-width = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n).
    Unlike the normal (Wald) interval it stays inside [0, 1] and keeps near-nominal coverage for
    small n and for accuracies near 0 or 1, which is where small-model numbers live.
    """
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return 0.0, 1.0
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased pass@k of one problem from ``n`` samples of which ``c`` passed (Chen et al. 2021, Codex):
    ``1 - C(n-c, k) / C(n, k)``, computed as a stable product; needs ``1 <= k <= n``."""
    if not 0 <= c <= n or not 1 <= k <= n:
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    prod = 1.0
    for i in range(n - c + 1, n + 1):
        prod *= 1.0 - k / i
    return 1.0 - prod


def bootstrap_mean_interval(values: list[float], level: float = 0.95, n_boot: int = 2000,
                            seed: int = 0) -> tuple[float, float]:
    """Percentile bootstrap interval of a mean over problems (e.g. pass@k values in [0, 1]); seeded, so it
    repeats. ``(0.0, 1.0)`` for no values, the value itself when all are equal."""
    import random

    if not values:
        return 0.0, 1.0
    if min(values) == max(values):
        return float(values[0]), float(values[0])
    rng = random.Random(seed)
    n = len(values)
    means = sorted(sum(rng.choice(values) for _ in range(n)) / n for _ in range(n_boot))
    lo = means[int((1 - level) / 2 * n_boot)]
    hi = means[min(n_boot - 1, int((1 + level) / 2 * n_boot))]
    return lo, hi


def mcnemar_exact(a: Sequence[bool], b: Sequence[bool]) -> dict[str, float | int]:
    """Exact (binomial) McNemar test of two models graded on the same items: ``{a_only, b_only, p}``.

    ``a_only`` counts items ``a`` got right and ``b`` wrong; the two-sided p-value is that of ``a_only`` among
    the discordant items under Binomial(n, 1/2). Concordant items carry no information about the difference.
    """
    from scipy.stats import binomtest

    if len(a) != len(b):
        raise ValueError(f"paired results must have equal length, got {len(a)} and {len(b)}")
    a_only = sum(1 for x, y in zip(a, b) if x and not y)
    b_only = sum(1 for x, y in zip(a, b) if y and not x)
    n = a_only + b_only
    p = 1.0 if n == 0 else float(binomtest(a_only, n, 0.5).pvalue)
    return {"a_only": a_only, "b_only": b_only, "discordant": n, "p": p}


def paired_bootstrap_diff(a: Sequence[bool], b: Sequence[bool], rounds: int = 10_000, seed: int = 0) -> dict[str, float]:
    """Accuracy difference ``a - b`` on the same items with a 95% paired-bootstrap interval."""
    import numpy as np

    if len(a) != len(b) or not a:
        raise ValueError("paired results must be non-empty and of equal length")
    d = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    idx = np.random.default_rng(seed).integers(0, len(d), size=(rounds, len(d)))
    boots = d[idx].mean(axis=1)
    return {"diff": float(d.mean()), "ci_low": float(np.quantile(boots, 0.025)), "ci_high": float(np.quantile(boots, 0.975))}
