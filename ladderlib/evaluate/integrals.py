"""Accuracy of a model on integration problems: greedy answers graded by the numerical verifier, with a
Wilson 95% interval. Used for held-out curves during GRPO and by the learning benchmark."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ladderlib.evaluate.gsm8k import wilson_interval


def integral_prompts(rows: Sequence[dict[str, Any]]) -> list[str]:
    """The user prompt for each row (the same prompt GRPO trains on)."""
    from ladderlib.verify.audit import integration_prompt

    return [integration_prompt(r["integrand"], r.get("variable", "x")) for r in rows]


def evaluate_integrals(
    model: Any,
    tokenizer: Any,
    rows: Sequence[dict[str, Any]],
    *,
    max_new_tokens: int = 64,
    batch_size: int = 16,
    keep_records: bool = True,
) -> dict[str, Any]:
    """Greedy answers to ``rows`` (``integrand`` [, ``variable``]) checked by ``verify_batch``.

    Returns ``{n, correct, accuracy, ci_low, ci_high, parsable, records}``; records hold each completion and
    the verifier's code.
    """
    from ladderlib.models.generation import generate
    from ladderlib.verify import verify_batch

    rows = list(rows)
    if not rows:
        raise ValueError("no integration problems to evaluate")
    texts = generate(model, tokenizer, integral_prompts(rows), max_new_tokens=max_new_tokens, batch_size=batch_size)
    records = []
    for row, text in zip(rows, texts, strict=True):
        result = verify_batch(row["integrand"], [text], variable=row.get("variable", "x"))[0]
        records.append({"integrand": row["integrand"], "completion": text, "correct": bool(result.correct),
                        "code": str(result.code)})
    correct = sum(r["correct"] for r in records)
    low, high = wilson_interval(correct, len(records))
    from ladderlib.train.rewards import UNPARSABLE_CODES

    out: dict[str, Any] = {
        "n": len(records),
        "correct": correct,
        "accuracy": correct / len(records),
        "ci_low": low,
        "ci_high": high,
        "parsable": sum(r["code"] not in UNPARSABLE_CODES for r in records) / len(records),
    }
    if keep_records:
        out["records"] = records
    return out
