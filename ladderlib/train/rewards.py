"""GRPO reward functions for integration (TRL's ``reward_funcs`` signature: ``f(prompts, completions, **columns)``).

Correctness comes from ``ladderlib.verify`` (one compiled problem per integrand per batch); the format reward pays
a small amount for an answer the verifier could parse at all, right or wrong.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

UNPARSABLE_CODES = frozenset({"parse_error", "not_math", "too_large", "timeout", "error"})


def completion_text(completion: Any) -> str:
    """The text of a completion, whether TRL passes a string or a list of chat messages."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list) and completion and isinstance(completion[-1], dict):
        return str(completion[-1].get("content", ""))
    return str(completion)


def verify_completions(completions: Sequence[Any], integrands: Sequence[str]) -> list[Any]:
    """Verifier results for each completion against its integrand (answers grouped per problem).

    TRL calls each reward function on the same batch; the last few batches are cached so the correctness and
    format rewards share one verification pass.
    """
    return list(_verify_texts(tuple(completion_text(c) for c in completions), tuple(integrands)))


@functools.lru_cache(maxsize=4)
def _verify_texts(texts: tuple[str, ...], integrands: tuple[str, ...]) -> tuple[Any, ...]:
    from ladderlib.verify import verify_batch

    results: list[Any] = [None] * len(texts)
    groups: dict[str, list[int]] = {}
    for i, f in enumerate(integrands):
        groups.setdefault(f, []).append(i)
    for f, idx in groups.items():
        for i, r in zip(idx, verify_batch(f, [texts[i] for i in idx]), strict=True):
            results[i] = r
    return tuple(results)


def integral_correctness_reward(
    prompts: Sequence[Any],
    completions: Sequence[Any],
    integrand: Sequence[str],
    level: Sequence[str] | None = None,
    log_metric: Callable[[str, float], None] | None = None,
    **_: Any,
) -> list[float]:
    """1.0 for a verified antiderivative, else 0.0; logs ``success/<level>`` per difficulty level when given."""
    scores = [1.0 if r.correct else 0.0 for r in verify_completions(completions, integrand)]
    if log_metric is not None and level is not None:
        for name, value in success_by_level(scores, level).items():
            log_metric(f"success/{name}", value)
    return scores


def success_by_level(scores: Sequence[float], levels: Sequence[str]) -> dict[str, float]:
    """Mean score per difficulty level present in the batch."""
    groups: dict[str, list[float]] = {}
    for s, lv in zip(scores, levels, strict=True):
        groups.setdefault(str(lv), []).append(s)
    return {lv: sum(v) / len(v) for lv, v in sorted(groups.items())}


def make_format_reward(weight: float = 0.1):
    """A reward of ``weight`` for an answer the verifier could parse (whether or not it is right)."""

    def answer_format_reward(prompts: Sequence[Any], completions: Sequence[Any], integrand: Sequence[str], **_: Any) -> list[float]:
        return [0.0 if r.code in UNPARSABLE_CODES else weight for r in verify_completions(completions, integrand)]

    return answer_format_reward
