"""Stage entry of 09's TTRL part: base vs LADDER GRPO vs LADDER GRPO + TTRL on the held-out integrals.

The problems are 06's held-out set (test-split problems of the roots' families that no GRPO arm trained on), or
the user's competition file when ``evaluation.integrals_path`` is set; ``ttrl.problems`` caps them. TTRL starts
from 06's LADDER GRPO adapter stack (the ``variants`` arm) and restarts from it for every problem; with
``ttrl.cache`` a second pass over the same problems uses the adapter cache (its misses are the first pass's
results: same start, data and seed), for the hit rate, the steps and time saved and the accuracy with and
without the cache.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass
from typing import Any

from ladderlib.config.params import Params
from ladderlib.pipeline.rundir import RunDir

ROW_KEYS = ("system", "model", "task", "n", "correct", "accuracy", "ci_low", "ci_high", "wall_s", "gen_tokens")


@dataclass
class TTRLStage:
    """The comparison rows (``ttrl/results.json``), the summary (``ttrl/summary.json``) and the TTRL runs."""

    rows: list[dict[str, Any]]
    summary: dict[str, Any]
    plain: Any
    cached: Any | None

    @property
    def table(self) -> Any:
        """The comparison as a DataFrame (one row per model)."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=list(ROW_KEYS))

    @property
    def problems(self) -> Any:
        """Per-problem TTRL results (without the cache) as a DataFrame."""
        import pandas as pd

        return pd.DataFrame(self.plain.table())


def heldout_rows(params: Params, run: RunDir) -> list[dict[str, Any]]:
    """The integrals 09 evaluates: the user's competition file, else 06's held-out set, capped by ``ttrl.problems``."""
    if params.evaluation.integrals_path is not None:
        from ladderlib.tasks.competition import read_competition_file

        rows = read_competition_file(params.evaluation.integrals_path)
    else:
        from ladderlib.data import read_dataset
        from ladderlib.ladder.ablation import ablation_data
        from ladderlib.ladder.variants.dataset import load_dataset

        rows = ablation_data(load_dataset(run.variant_dataset), read_dataset(run.path, "integrals_train"),
                             read_dataset(run.path, "integrals_dev"), read_dataset(run.path, "integrals_test"),
                             params.grpo)["heldout"]
    rows = [{**r, "id": str(r.get("id") if r.get("id") is not None else i)} for i, r in enumerate(rows)]
    return rows[: params.ttrl.problems] if params.ttrl.problems else rows


def ladder_grpo_stack(run: RunDir) -> list[str]:
    """06's LADDER GRPO policy (the ``variants`` arm) as the adapters to merge, in order."""
    summary = run.grpo_dir("variants") / "summary.json"
    if not summary.is_file():
        raise FileNotFoundError(f"{summary} is missing: run 06_grpo_ppo (LADDER GRPO) before TTRL")
    stack = json.loads(summary.read_text()).get("adapter_stack") or [str(run.grpo_dir("variants") / "adapter")]
    return [str(a) for a in stack]


def _row(model: str, n: int, correct: int, wall_s: float, gen_tokens: int) -> dict[str, Any]:
    from ladderlib.evaluate.stats import wilson_interval

    lo, hi = wilson_interval(correct, n)
    return {"system": "ladder", "model": model, "task": "integrals", "n": n, "correct": correct,
            "accuracy": correct / n if n else None, "ci_low": lo, "ci_high": hi, "wall_s": round(wall_s, 2),
            "gen_tokens": int(gen_tokens)}


def _greedy(params: Params, stack: list[str], rows: list[dict[str, Any]], name: str) -> tuple[dict[str, Any], Any]:
    """Greedy accuracy of the policy ``stack`` rebuilds on ``rows``; the row and the engine (reused for variants)."""
    from ladderlib.evaluate.run import evaluate_task
    from ladderlib.models.generation import Engine, Sampling
    from ladderlib.models.loader import load_model, load_with_adapters
    from ladderlib.tasks.integrals import IntegralsTask

    t0 = time.perf_counter()
    engine = Engine(*(load_with_adapters(params.model, stack) if stack else load_model(params.model)),
                    batch_size=params.evaluation.batch_size)
    ev = evaluate_task(IntegralsTask(), engine, rows, Sampling(max_new_tokens=params.ttrl.answer_max_new_tokens),
                       name=name)
    tokens = (ev.mean_new_tokens or 0) * ev.n
    return _row(name, ev.n, ev.correct, time.perf_counter() - t0, round(tokens)), engine


def run_ttrl(params: Params, run: RunDir) -> TTRLStage:
    """Evaluate base, LADDER GRPO and LADDER GRPO + TTRL on the held-out integrals; writes ``run.ttrl_results``
    and ``run.ttrl_summary`` and records ``metrics.json['ttrl']``."""
    from ladderlib.io import atomic_write_json
    from ladderlib.ladder.ttrl import cache_stats, problem_row, run_set, variant_settings
    from ladderlib.ladder.ttrl_cache import AdapterCache, base_id, minilm_embedder

    settings = params.ttrl
    rows = heldout_rows(params, run)
    stack = ladder_grpo_stack(run)
    base, _ = _greedy(params, [], rows, "base")
    ladder, engine = _greedy(params, stack, rows, "ladder_grpo")
    vsettings = variant_settings(params.variants, settings)
    plain = run_set([problem_row(r) for r in rows], params.model, settings, vsettings, run.ttrl_dir / "plain",
                    start_stack=stack, generate_fn=engine, desc="TTRL")
    cached, stats = None, None
    if settings.cache:
        shutil.rmtree(run.ttrl_dir / "cache", ignore_errors=True)  # the run's own cache starts empty every time
        cache = AdapterCache(run.ttrl_dir / "cache", base_id(params.model.name, stack),
                             minilm_embedder(settings.embedding_model), settings.cache_min_similarity)
        cached = run_set(rows, params.model, settings, vsettings, run.ttrl_dir / "cached", start_stack=stack,
                         generate_fn=engine, cache=cache, reuse={p.id: p for p in plain.problems}, desc="TTRL + cache")
        stats = cache_stats(plain, cached)
    figures = plain.figures()
    totals = plain.totals()
    ttrl_row = _row("ladder_grpo+ttrl", len(plain.problems), figures["final_pass@1"]["k"], totals["wall_s"],
                    totals["gen_tokens"])
    table = [base, ladder, ttrl_row]
    summary = {"n": len(rows), "source": str(params.evaluation.integrals_path or "06 held-out set"),
               "start_adapters": stack, "figures": figures, "totals": totals, "cache": stats,
               "problems": [asdict(p) for p in plain.problems],
               "cached_problems": [asdict(p) for p in cached.problems] if cached else None}
    atomic_write_json(run.ttrl_results, table)
    atomic_write_json(run.ttrl_summary, summary)
    run.record_metrics("ttrl", {"table": table, "figures": figures, "cache": stats, "totals": totals})
    return TTRLStage(table, summary, plain, cached)
