"""03_verify's audit: how the verifier treats true answers, corrupted ones and real model answers.

It reports accept/reject rates per answer kind and a reward-hacking table (how often each filter fired,
with examples), so a researcher can see what RL would be rewarded for before training on it.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from ladderlib.config.ladder import AuditSettings


def pair_checks(rows: Sequence[dict[str, Any]], n: int, seed: int) -> list[dict[str, Any]]:
    """(problem, answer, kind) items: each sampled row's true antiderivative and its six corruptions."""
    from ladderlib.verify.corruptions import corruptions

    rows = list(rows)
    random.Random(seed).shuffle(rows)
    items = []
    for r in rows[:n]:
        v = r.get("variable", "x")
        items.append({"integrand": r["integrand"], "answer": r["antiderivative"], "kind": "true", "variable": v})
        for kind, ans in corruptions(r["antiderivative"], v).items():
            if ans is not None:
                items.append({"integrand": r["integrand"], "answer": ans, "kind": kind, "variable": v})
    return items


def run_checks(items: Sequence[dict[str, Any]], settings: Any = None, processes: int | None = None) -> list[dict[str, Any]]:
    """Verify every item in parallel; returns the items with ``correct``, ``code``, ``reason``, ``elapsed_s``."""
    from ladderlib.verify import verify_many

    results = verify_many([(it["integrand"], it["answer"]) for it in items], processes=processes, settings=settings)
    return [{**it, "correct": r.correct, "code": r.code, "reason": r.reason, "elapsed_s": r.elapsed_s}
            for it, r in zip(items, results, strict=True)]


def rates_by_kind(checked: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Accept rate per answer kind (true answers should be accepted, corruptions rejected)."""
    by: dict[str, list[bool]] = defaultdict(list)
    for c in checked:
        by[c["kind"]].append(c["correct"])
    return [{"kind": k, "n": len(v), "accepted": sum(v), "accept_rate": round(sum(v) / len(v), 4)} for k, v in by.items()]


def hacking_audit(checked: Sequence[dict[str, Any]], examples: int = 2) -> list[dict[str, Any]]:
    """One row per verifier code: how often it fired and a few example answers with reasons."""
    counts = Counter(c["code"] for c in checked)
    out = []
    for code, n in counts.most_common():
        ex = [c for c in checked if c["code"] == code][:examples]
        out.append({"code": code, "count": n,
                    "examples": [{"answer": e["answer"][:120], "reason": e["reason"][:160]} for e in ex]})
    return out


def sample_model_answers(generate: Any, problems: Sequence[dict[str, Any]], s: AuditSettings) -> list[dict[str, Any]]:
    """``samples_per_problem`` sampled answers from ``generate`` (a ``GenerateFn``) for each problem (kind ``model``)."""
    from ladderlib.models.generation import Sampling
    from ladderlib.tasks.integrals import IntegralsTask

    task = IntegralsTask()
    chosen = [p for p in problems[: s.model_problems] for _ in range(s.samples_per_problem)]
    outs = generate([task.prompt(p) for p in chosen],
                    Sampling(max_new_tokens=s.max_new_tokens, temperature=s.temperature, seed=s.seed))
    return [{"integrand": p["integrand"], "answer": o, "kind": "model", "variable": p.get("variable", "x")}
            for p, o in zip(chosen, outs, strict=True)]


def audit_rows(audit: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The audit as flat table rows: code, count and its first example answer and reason."""
    return [{"code": a["code"], "count": a["count"], "answer": (a["examples"] or [{}])[0].get("answer"),
             "reason": (a["examples"] or [{}])[0].get("reason")} for a in audit]
