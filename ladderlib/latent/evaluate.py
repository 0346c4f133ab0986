"""Held-out scoring of a latent method: greedy answers after a fixed number of thoughts, accuracy with a 95%
Wilson interval, generated tokens (thought slots not counted: they are not decoded tokens)."""

from __future__ import annotations

import time
from typing import Any, Sequence

from ladderlib.evaluate.stats import wilson_interval
from ladderlib.latent.coconut import Coconut
from ladderlib.latent.data import Tokenized, parse_answer, step_result
from ladderlib.tasks.answers import answers_match


def evaluate(coconut: Coconut, examples: Sequence[Tokenized], n_thoughts: int, markers: bool,
             max_new_tokens: int, batch_size: int) -> dict[str, Any]:
    """Score ``examples``: {n, correct, accuracy, ci_low, ci_high, gen_tokens (total), mean_gen_tokens (per answer),
    wall_s, records}."""
    t0, records = time.perf_counter(), []
    coconut.model.eval()
    for i in range(0, len(examples), batch_size):
        chunk = examples[i:i + batch_size]
        outs = coconut.generate([coconut.prompt_ids(t.question, n_thoughts, markers) for t in chunk], max_new_tokens)
        for t, toks in zip(chunk, outs):
            text = coconut.tokenizer.decode(toks, skip_special_tokens=True)
            pred = parse_answer(text)
            records.append({"id": t.example.id, "gold": t.example.answer, "predicted": pred, "text": text,
                            "tokens": len(toks), "correct": pred is not None and answers_match(pred, t.example.answer)})
    n, k = len(records), sum(r["correct"] for r in records)
    lo, hi = wilson_interval(k, n)
    return {"n": n, "correct": k, "accuracy": k / n if n else 0.0, "ci_low": lo, "ci_high": hi,
            "gen_tokens": sum(r["tokens"] for r in records), "mean_gen_tokens": sum(r["tokens"] for r in records) / max(1, n),
            "wall_s": time.perf_counter() - t0,
            "records": records}


def probe_thoughts(coconut: Coconut, examples: Sequence[Tokenized], n_thoughts: int, c_thought: int,
                   batch_size: int, top_k: int = 5) -> list[dict[str, Any]]:
    """What the thoughts encode, read through the LM head as in the paper: for each reasoning step j that the
    ``n_thoughts`` replace, how often the last of its ``c_thought`` thoughts decodes to the step's result
    (``a>c``: ``c``; a result of several tokens, ``24`` for a digit-wise tokenizer, by its first) as the top token
    and within the ``top_k``; one row per step, over the examples that have it."""
    tok = coconut.tokenizer
    first = lambda text: tok.decode(tok(text, add_special_tokens=False)["input_ids"][:1]).strip()  # noqa: E731
    hits: dict[int, list[tuple[bool, bool]]] = {}
    for i in range(0, len(examples), batch_size):
        chunk = examples[i:i + batch_size]
        decoded = coconut.thought_tokens([coconut.prompt_ids(t.question, n_thoughts) for t in chunk], top_k)
        for t, slots in zip(chunk, decoded):
            for j, step in enumerate(t.example.steps[: n_thoughts // c_thought]):
                want = first(step_result(step))
                texts = [tok.decode([k]).strip() for k in slots[(j + 1) * c_thought - 1]]
                hits.setdefault(j + 1, []).append((texts[0] == want, want in texts))
    return [{"step": j, "n": len(h), "top1": sum(a for a, _ in h) / len(h),
             f"top{top_k}": sum(b for _, b in h) / len(h)} for j, h in sorted(hits.items())]


def result_row(method: str, task: str, scored: dict[str, Any]) -> dict[str, Any]:
    """The cross-system result row that 09's report reads (``gen_tokens``: the total over the ``n`` answers)."""
    return {"system": "latent", "model": method, "task": task,
            **{k: scored[k] for k in ("n", "correct", "accuracy", "ci_low", "ci_high", "wall_s", "gen_tokens",
                                      "mean_gen_tokens")}}
