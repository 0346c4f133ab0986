r"""Regime W coherence scores for one question's set of arm outputs; every score lies in [0, 1].

Let the question be answered by :math:`n` arms with extracted final answers :math:`a_1..a_n`
(``None`` when nothing could be extracted) and reasoning lengths :math:`\ell_1..\ell_n` (tokens of
the text before the final ``####`` marker).

``s_end`` — final-answer agreement::

    s_end = #{ i < j : a_i is not None, a_j is not None, answers_match(a_i, a_j) } / C(n, 2)

  A missing answer never agrees with anything (two missing answers do not agree either).

``s_path`` — path consistency from the spread of reasoning lengths::

    CV     = std(ℓ) / mean(ℓ)          (population std)
    s_path = 1 / (1 + CV²)  =  mean(ℓ)² / mean(ℓ²)

  1 when all arms reason at the same length, → 0 as lengths spread out; a CV of 1 gives 0.5.
  When all lengths are equal (including all zero) CV is taken as 0, so s_path = 1.

``s_cf`` — counterfactual robustness. ``k = cf_arms`` arms are re-run, with the same system prompt
and temperature, on a meaning-preserving rewrite of the question (``counterfactual.rewrite_question``:
renamed people, safely reordered sentences, a paraphrased final question; the answer is unchanged)::

    s_cf = #{ arms i among the k : a_i is not None and answers_match(a'_i, a_i) } / k

  i.e. the fraction of counterfactual arms whose answer on the rewrite equals their own original
  answer. With ``cf_arms = 0`` there is no s_cf (``None``).

``s_wm`` — the combined coherence score (seed weights 0.4 / 0.3 / 0.3)::

    s_wm = w_end·s_end + w_path·s_path + w_cf·s_cf

  When s_cf is ``None`` the other two weights are renormalised:
  ``s_wm = (w_end·s_end + w_path·s_path) / (w_end + w_path)`` (0 if both weights are 0).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ladderlib.tasks.answers import answers_match
from ladderlib.config.regime_w import RegimeWSettings


def _agree(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and answers_match(a, b)


def s_end(answers: Sequence[str | None]) -> float:
    """Fraction of arm pairs whose final answers match (missing answers never match); needs ≥ 2 answers."""
    n = len(answers)
    if n < 2:
        raise ValueError(f"s_end needs at least 2 arm answers, got {n}")
    agree = sum(_agree(answers[i], answers[j]) for i in range(n) for j in range(i + 1, n))
    return agree / (n * (n - 1) / 2)


def s_path(lengths: Sequence[float]) -> float:
    """Path consistency ``1 / (1 + CV²)`` of the reasoning lengths (1 when all lengths are equal)."""
    if not lengths:
        raise ValueError("s_path needs at least one length")
    if any(x < 0 for x in lengths):
        raise ValueError(f"lengths must be non-negative; got {list(lengths)}")
    n = len(lengths)
    mean = sum(lengths) / n
    if mean == 0 or all(x == lengths[0] for x in lengths):
        return 1.0
    var = sum((x - mean) ** 2 for x in lengths) / n
    return 1.0 / (1.0 + var / mean**2)


def s_cf(original: Sequence[str | None], rewritten: Sequence[str | None]) -> float | None:
    """Fraction of counterfactual arms whose answer on the rewrite matches their original answer; None if no arms."""
    if len(original) != len(rewritten):
        raise ValueError(f"s_cf needs one rewritten answer per arm: {len(original)} vs {len(rewritten)}")
    if not original:
        return None
    return sum(_agree(b, a) for a, b in zip(original, rewritten)) / len(original)


def s_wm(end: float, path: float, cf: float | None, settings: RegimeWSettings | None = None) -> float:
    """Weighted coherence ``w_end·s_end + w_path·s_path + w_cf·s_cf`` (weights renormalised when s_cf is None)."""
    st = settings or RegimeWSettings()
    if cf is not None:
        return st.w_end * end + st.w_path * path + st.w_cf * cf
    total = st.w_end + st.w_path
    return 0.0 if total == 0 else (st.w_end * end + st.w_path * path) / total


def coherence_scores(
    answers: Sequence[str | None],
    reasoning_lengths: Sequence[float],
    cf_original: Sequence[str | None] = (),
    cf_rewritten: Sequence[str | None] = (),
    settings: RegimeWSettings | None = None,
) -> dict[str, float | None]:
    """All four scores for one question: ``{"s_end", "s_path", "s_cf", "s_wm"}``."""
    e, p, c = s_end(answers), s_path(reasoning_lengths), s_cf(cf_original, cf_rewritten)
    w = s_wm(e, p, c, settings)
    for name, v in (("s_end", e), ("s_path", p), ("s_cf", c), ("s_wm", w)):
        if v is not None and not (0.0 <= v <= 1.0 + 1e-12 and math.isfinite(v)):
            raise AssertionError(f"{name}={v} is outside [0, 1]")
    return {"s_end": e, "s_path": p, "s_cf": c, "s_wm": w}
