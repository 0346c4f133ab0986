"""GSM8K accuracy for any number of text generators, with Wilson 95% confidence intervals.

A *model* here is just a callable ``generate(prompts: list[str]) -> list[str]``: loading, batching
and decoding settings are the caller's business, so the same code scores an HF model, a vLLM
engine, an API or a stub in a test.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ladderlib.evaluate.answers import answers_match, extract_answer, gsm8k_gold, normalize_answer

__all__ = [
    "DEFAULT_PROMPT",
    "EvalResult",
    "default_prompt",
    "evaluate",
    "load_gsm8k",
    "results_table",
    "wilson_interval",
]

Generate = Callable[[list[str]], list[str]]

DEFAULT_PROMPT = (
    "Solve the following math problem step by step. "
    "Write the final answer as a number on its own line after '####'.\n\n{question}"
)


def default_prompt(question: str) -> str:
    """The default GSM8K prompt: the question plus an instruction to finish with ``#### <number>``."""
    return DEFAULT_PROMPT.format(question=question)


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion k/n (z=1.96 → 95%); ``(0.0, 1.0)`` when n == 0.

    With p = k/n: centre = (p + z²/2n) / (1 + z²/n), half-width = z·sqrt(p(1-p)/n + z²/4n²) / (1 + z²/n).
    Unlike the normal (Wald) interval it stays inside [0, 1] and keeps near-nominal coverage for
    small n and for accuracies near 0 or 1, which is where small-model GSM8K numbers live.
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


@dataclass
class EvalResult:
    """Accuracy of one model: ``k`` correct of ``n``, Wilson CI, extraction rate, and per-example records."""

    model: str
    n: int
    k: int
    accuracy: float
    ci_low: float
    ci_high: float
    extracted_rate: float
    records: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def summary(self) -> dict[str, Any]:
        """The scalar fields (no records), for a table row or a JSON summary."""
        d = asdict(self)
        d.pop("records")
        return d


def _gold_of(example: Mapping[str, Any]) -> str:
    """Gold answer of an example: ``gold`` key if present, else the GSM8K ``answer`` field (``#### N``)."""
    if "gold" in example:
        return str(normalize_answer(str(example["gold"])))
    answer = str(example["answer"])
    return gsm8k_gold(answer) if "####" in answer else str(normalize_answer(answer))


def load_gsm8k(path: str | Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Read GSM8K rows (``{"question", "answer"}`` JSON lines), optionally only the first ``limit``."""
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rows.append(json.loads(line))
                if limit is not None and len(rows) >= limit:
                    break
    return rows


def evaluate(
    models: Mapping[str, Generate],
    examples: Sequence[Mapping[str, Any]] | Iterable[Mapping[str, Any]],
    *,
    prompt_fn: Callable[[str], str] = default_prompt,
    z: float = 1.96,
    out_dir: str | Path | None = None,
) -> dict[str, EvalResult]:
    """Score each ``generate`` callable on the examples; returns ``{name: EvalResult}``.

    Each callable gets all prompts in one call and must return one string per prompt. Examples need
    ``question`` and either ``answer`` (GSM8K solution ending ``#### N``) or ``gold``. With ``out_dir``,
    per-model records go to ``<out_dir>/<name>.jsonl`` and the summaries to ``summary.json``.
    """
    examples = list(examples)
    golds = [_gold_of(ex) for ex in examples]
    prompts = [prompt_fn(str(ex["question"])) for ex in examples]
    results: dict[str, EvalResult] = {}
    for name, generate in models.items():
        outputs = list(generate(prompts)) if prompts else []
        if len(outputs) != len(prompts):
            raise ValueError(f"model {name!r} returned {len(outputs)} outputs for {len(prompts)} prompts")
        records = []
        for ex, gold, text in zip(examples, golds, outputs, strict=True):
            pred = extract_answer(text)
            records.append(
                {
                    "question": ex["question"],
                    "gold": gold,
                    "prediction": text,
                    "extracted": pred,
                    "correct": answers_match(pred, gold),
                }
            )
        n = len(records)
        k = sum(r["correct"] for r in records)
        lo, hi = wilson_interval(k, n, z)
        results[name] = EvalResult(
            model=name,
            n=n,
            k=k,
            accuracy=k / n if n else 0.0,
            ci_low=lo,
            ci_high=hi,
            extracted_rate=sum(r["extracted"] is not None for r in records) / n if n else 0.0,
            records=records,
        )
    if out_dir is not None:
        from ladderlib.io import atomic_write_json, write_jsonl

        out = Path(out_dir)
        for name, res in results.items():
            write_jsonl(out / f"{name}.jsonl", res.records)
        atomic_write_json(out / "summary.json", [res.summary() for res in results.values()])
    return results


def results_table(results: Mapping[str, EvalResult], digits: int = 3) -> list[dict[str, Any]]:
    """One row per model (accuracy, 95% CI, k/n, extraction rate), sorted by accuracy, for a notebook table."""
    rows = []
    for res in sorted(results.values(), key=lambda r: r.accuracy, reverse=True):
        rows.append(
            {
                "model": res.model,
                "accuracy": round(res.accuracy, digits),
                "ci_low": round(res.ci_low, digits),
                "ci_high": round(res.ci_high, digits),
                "correct": res.k,
                "n": res.n,
                "extracted": round(res.extracted_rate, digits),
            }
        )
    return rows
