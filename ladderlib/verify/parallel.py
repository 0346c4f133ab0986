"""``verify_many``: check (problem, answer) pairs across worker processes.

Pairs are grouped by problem so each worker prepares a problem once and checks all its answers
(``verify_batch``). Workers run in their main thread, so the per-check SIGALRM limit applies there too.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Iterable, Sequence

from ladderlib.verify import codes
from ladderlib.config.verify import VerifySettings
from ladderlib.verify.integrals import VerifyResult, verify_batch


def _problem_key(problem: Any) -> tuple:
    if isinstance(problem, str):
        return ("s", problem)
    if isinstance(problem, dict):
        return ("d",) + tuple(sorted((k, str(v)) for k, v in problem.items()))
    return ("o", id(problem))


def _split_pair(pair: Any) -> tuple[Any, Any]:
    if isinstance(pair, dict):
        problem = {k: pair[k] for k in ("integrand", "problem", "variable", "lower", "upper") if k in pair}
        return problem, pair.get("answer")
    problem, answer = pair
    return problem, answer


def _run_group(args: tuple[Any, list[Any], str]) -> list[dict]:
    problem, answers, settings_json = args
    settings = VerifySettings.model_validate_json(settings_json)
    return [r.to_dict() for r in verify_batch(problem, answers, settings)]


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["ladderlib.verify.integrals"])
        return ctx
    return multiprocessing.get_context("spawn")


def verify_many(pairs: Iterable[Any], processes: int | None = None,
                settings: VerifySettings | None = None, chunk_size: int = 64) -> list[VerifyResult]:
    """Verify ``(problem, answer)`` pairs (or dicts with ``integrand``/``answer``) in parallel; results
    come back in input order. ``processes`` defaults to ``settings.processes``; 1 runs in-process."""
    settings = settings or VerifySettings()
    items: Sequence[tuple[Any, Any]] = [_split_pair(p) for p in pairs]
    processes = processes or settings.processes
    processes = max(1, min(processes, os.cpu_count() or 1, len(items) or 1))
    groups: dict[tuple, tuple[Any, list[int]]] = {}
    for index, (problem, _) in enumerate(items):
        key = _problem_key(problem)
        groups.setdefault(key, (problem, []))[1].append(index)
    tasks: list[tuple[Any, list[int]]] = []
    for problem, indexes in groups.values():
        for start in range(0, len(indexes), chunk_size):
            tasks.append((problem, indexes[start:start + chunk_size]))
    results: list[VerifyResult | None] = [None] * len(items)
    settings_json = settings.model_dump_json()
    if processes == 1:
        for problem, indexes in tasks:
            for i, r in zip(indexes, verify_batch(problem, [items[i][1] for i in indexes], settings)):
                results[i] = r
        return results  # type: ignore[return-value]
    payloads = [(problem, [items[i][1] for i in indexes], settings_json) for problem, indexes in tasks]
    try:
        with ProcessPoolExecutor(max_workers=processes, mp_context=_context()) as pool:
            for (problem, indexes), out in zip(tasks, pool.map(_run_group, payloads)):
                for i, r in zip(indexes, out):
                    results[i] = VerifyResult(**r)
    except BrokenProcessPool as exc:  # a worker died (e.g. killed for memory): report, do not raise
        for k, r in enumerate(results):
            if r is None:
                results[k] = VerifyResult(False, codes.ERROR, f"worker process failed: {exc}")
    return results  # type: ignore[return-value]
