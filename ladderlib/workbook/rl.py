"""Stage 06_grpo_ppo: PPO on Regime W rollouts, base vs SFT vs PPO on GSM8K test, LADDER GRPO on the variant
curriculum against the original problems, and planner/worker GRPO."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ladderlib.config.params import Params
from ladderlib.pipeline.rundir import RunDir


@dataclass
class RLStage:
    """Every result of 06: PPO summary, the GSM8K table, the GRPO arms with their curves, the planner summary."""

    ppo: dict[str, Any]
    gsm8k: list[dict[str, Any]]
    grpo: dict[str, Any]
    grpo_curves: dict[str, dict[str, list[dict[str, Any]]]]
    planner: dict[str, Any]

    def grpo_rows(self) -> list[dict[str, Any]]:
        """One table row per GRPO arm: training rows, steps, held-out correct/n before and after, minutes."""
        def frac(r: dict[str, Any] | None) -> str | None:
            return None if not r else f"{r['correct']}/{r['n']}"

        return [{"arm": arm, "rows": r["rows"], "steps": r["steps"], "before": frac(r.get("heldout_before")),
                 "after": frac(r.get("heldout_after")), "minutes": (r.get("train_runtime_s") or 0) / 60}
                for arm, r in self.grpo.items() if arm not in ("heldout", "warmup")]


def run_ppo(params: Params, run: RunDir) -> dict[str, Any]:
    """PPO on ``run.rollouts`` from the SFT policy into ``run.ppo_dir``; records ``metrics.json['ppo_regime_w']``."""
    from ladderlib.regime_w.ppo import train_ppo_on_rollouts
    from ladderlib.regime_w.store import read_rollouts

    ppo = train_ppo_on_rollouts(params.model, params.ppo, read_rollouts(run.rollouts), run.ppo_dir,
                                n_steps=params.ppo.steps, sft_adapter=run.adapter_or_none(run.sft_adapter))
    run.record_metrics("ppo_regime_w", {k: v for k, v in ppo.items() if k != "stats"})
    return ppo


def run_gsm8k_comparison(params: Params, run: RunDir, ppo_adapter: str) -> list[dict[str, Any]]:
    """Base vs SFT vs PPO, greedy, on the GSM8K test split; records ``metrics.json['gsm8k_test']``."""
    from ladderlib.data import read_dataset
    from ladderlib.evaluate.compare import compare_models
    from ladderlib.models.generation import Sampling
    from ladderlib.regime_w.ppo import ppo_adapter_stack
    from ladderlib.tasks.gsm8k import GSM8KTask

    e = params.evaluation
    variants: dict[str, list[Any]] = {"base": []}
    if run.has_adapter(run.sft_adapter):
        variants["sft"] = [run.sft_adapter]
    variants["ppo"] = ppo_adapter_stack(ppo_adapter)
    test = read_dataset(run.path, "gsm8k_test")[: e.test_examples]
    _, table = compare_models(params.model, variants, GSM8KTask(system_prompt=params.sft.system_prompt), test,
                              Sampling(max_new_tokens=e.max_new_tokens), batch_size=e.batch_size,
                              out_dir=run.gsm8k_test_eval_dir)
    run.record_metrics("gsm8k_test", {"table": table})
    return table


def run_ladder_grpo(params: Params, run: RunDir) -> dict[str, Any]:
    """LADDER GRPO arms (variants; originals unless ``grpo.run_ablation`` is off), after one shared warm-up when
    ``grpo.warmup_sft_steps`` > 0, on held-out test problems of the roots' families that no arm trains on (the dev
    split is what training watches); records ``metrics.json['grpo']``."""
    from ladderlib.data import read_dataset
    from ladderlib.ladder.ablation import ablation_data, train_arms
    from ladderlib.ladder.variants.dataset import load_dataset

    settings = params.grpo
    data = ablation_data(load_dataset(run.variant_dataset), read_dataset(run.path, "integrals_train"),
                         read_dataset(run.path, "integrals_dev"), read_dataset(run.path, "integrals_test"), settings)
    if not settings.run_ablation:
        data["arms"].pop("originals")
    results: dict[str, Any] = {"heldout": {"n": len(data["heldout"]), "selection": data["counts"]}}
    results.update(train_arms(params.model, settings, data, run.grpo_dir))
    run.record_metrics("grpo", results)
    return results


def run_planner_grpo(params: Params, run: RunDir) -> dict[str, Any]:
    """Planner GRPO on ``gsm8k_train`` into ``run.planner_grpo_dir``, continuing ``run.planner_sft_adapter``
    when ``planner_grpo.start_from_sft`` and it exists; records ``metrics.json['planner_grpo']``."""
    from ladderlib.data import read_dataset
    from ladderlib.planner.grpo import train_planner_grpo

    settings = params.planner_grpo
    start = run.adapter_or_none(run.planner_sft_adapter) if settings.start_from_sft else None
    summary = train_planner_grpo(params.model, settings, read_dataset(run.path, "gsm8k_train"),
                                 run.planner_grpo_dir, start)
    run.record_metrics("planner_grpo", summary)
    return summary


def run_planner_eval(params: Params, run: RunDir) -> dict[str, Any]:
    """The trained planner with the frozen worker, greedy, on the same GSM8K test rows as base/SFT/PPO (an
    unparsable plan is solved directly); records ``metrics.json['planner_worker_test']`` for 09's final table."""
    import time

    from ladderlib.data import read_dataset
    from ladderlib.evaluate.stats import wilson_interval
    from ladderlib.planner.inference import solve

    s, e = params.planner_grpo, params.evaluation
    test = read_dataset(run.path, "gsm8k_test")[: e.test_examples]
    t0 = time.perf_counter()
    results = solve([r["question"] for r in test], params.model, run.planner_grpo_dir / "adapter",
                    golds=[r["answer"] for r in test], engine="hf", max_plan_tokens=s.max_completion_length,
                    worker_max_new_tokens=s.worker_max_new_tokens, max_subproblems=s.max_subproblems,
                    embedding_model=None, batch_size=e.batch_size)
    k, n = sum(bool(r.correct) for r in results), len(results)
    lo, hi = wilson_interval(k, n)
    row = {"model": "planner_worker", "n": n, "correct": k, "accuracy": k / n if n else 0.0, "ci_low": lo,
           "ci_high": hi, "wall_s": round(time.perf_counter() - t0, 2), "gen_tokens": sum(r.tokens for r in results),
           "parsable": sum(r.parse_ok for r in results) / n if n else 0.0,
           "decomposed": sum(r.decomposed for r in results)}
    run.record_metrics("planner_worker_test", {"table": [row]})
    return row


def run_rl(params: Params, run: RunDir) -> RLStage:
    """Everything 06 trains and measures, in order (each part resumes on a rerun)."""
    from ladderlib.train.grpo import grpo_curves

    ppo = run_ppo(params, run)
    table = run_gsm8k_comparison(params, run, ppo["adapter"])
    grpo = run_ladder_grpo(params, run)
    curves = {arm: grpo_curves(run.grpo_dir(arm) / "metrics.jsonl") for arm in grpo if arm not in ("heldout", "warmup")}
    planner = run_planner_grpo(params, run)
    planner["gsm8k_test"] = run_planner_eval(params, run)
    return RLStage(ppo, table, grpo, curves, planner)
