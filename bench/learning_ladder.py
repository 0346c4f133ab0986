"""Does GRPO on LADDER's variant curriculum teach the embedded model to integrate, beyond what SFT and GRPO on
the hard problems alone do? (issue 12's learning benchmark; the data rules are ``ladderlib.ladder.experiment``.)

One shared design, three arms with identical settings and steps after one shared SFT warm-up:

* ``warmup``    — the warm-up only (SFT on verified train-split problems, plus ``--warmup-table`` table-rule
  problems, all disjoint from everything below): the "SFT only" control;
* ``roots``     — warm-up, then GRPO on the roots (hard train-split problems, a few per function family);
* ``variants``  — warm-up, then GRPO on the roots' variant forest (deduplicated across the forest, no monomials
  or stacked scalings, short known answers), kept where the warmed-up model solves a variant sometimes
  (``--filter-samples``), in difficulty bands shuffled within each band, several prompts per step.

Held-out: test-split problems of 01's split in the roots' families with short elementary answers, matching no
training row of any arm or the warm-up (fingerprint or near-copy), frozen to ``--heldout`` (committed as
``bench/learning_ladder_heldout.jsonl``, so every machine and attempt measures the same 87 problems; its sha256
is in the JSON). The dev split (01's ``dev``) is what training watches. Accuracy is greedy, graded by
the verifier, with Wilson 95% CIs; arms are compared on the same items with the exact McNemar test and a paired
bootstrap interval. ``--seeds 0,1`` repeats the arms with other GRPO seeds (data and warm-up are shared).

Writes ``bench/results/learning_ladder.json`` and ``learning_ladder.png``; rerunning reuses everything already
computed with the same inputs (each cache records what made it) and resumes a killed arm.

    python bench/learning_ladder.py [--seeds 0] [--grpo-steps 100] [--work bench/results/learning_ladder]

The committed ``bench/learning_ladder.json``: ``--seeds 0 --nodes 24 --grpo-steps 30 --eval-every 10
--warmup-table 400 --warmup-steps 100 --warmup-lr 3e-4 --lr 1e-4 --out bench/learning_ladder.json``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import machine_info  # noqa: E402


def cached(path: Path, key: dict[str, Any], make: Any) -> Any:
    """``make()``'s JSON result, stored in ``path`` with the ``key`` that produced it (recomputed when it differs)."""
    from ladderlib.io import atomic_write_json

    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()
    if path.is_file() and (stored := json.loads(path.read_text())).get("key") == digest:
        return stored["value"]
    value = make()
    atomic_write_json(path, {"key": digest, "inputs": key, "value": value})
    return value


def build_data(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Roots, variants, frozen held-out, dev and warm-up rows, with their selection counts."""
    from ladderlib.config.data import IntegralsSettings
    from ladderlib.config.variants import VariantSettings
    from ladderlib.data.integrals import load_integrals
    from ladderlib.ladder import experiment as X
    from ladderlib.ladder.table_integrals import table_rows

    splits, _ = load_integrals(IntegralsSettings(), args.split_seed)
    families = sorted({f for r in splits["test"] if (f := X.family(r)) and (X.answer_ops(r) or 99) <= args.max_ops})
    roots = X.select_roots(splits["train"], families, args.roots_per_family, args.split_seed)
    vsettings = VariantSettings(variant_source="symbolic", max_depth=args.depth, breadth=args.breadth,
                                max_nodes_per_tree=args.nodes, drop_monomials=True, difficulty_timeout_s=0.0,
                                seed=args.split_seed)
    forest_key = {"roots": [r["integrand"] for r in roots], "settings": vsettings.model_dump(mode="json")}
    forest = cached(work / "forest.json", forest_key, lambda: X.forest_rows(roots, vsettings))  # built once
    variants, vcounts = X.variant_rows(roots, vsettings, args.max_ops, forest=forest)
    root_families = sorted({r["family"] for r in roots})
    heldout_counts: dict[str, int] = {}

    def draw() -> list[dict[str, Any]]:
        rows, counts = X.select_heldout(splits["test"], root_families, roots + variants, args.heldout_max_ops)
        heldout_counts.update(counts)
        return rows

    heldout, sha = X.frozen(args.heldout, draw)
    variants, vcounts = X.variant_rows(roots, vsettings, args.max_ops, exclude=heldout, forest=forest)  # frozen set rules
    dev = [r for r in splits["dev"] if X.family(r) in root_families and (X.answer_ops(r) or 99) <= args.max_ops]
    warmup = X.select_warmup(splits["train"], roots + variants + heldout + dev, args.warmup_rows, args.split_seed)
    # table rules (power rule, sin/cos/exp of k*x, ...) unlike every training and test row: without them neither
    # the untrained nor the textbook-warmed model verifies any variant, so GRPO would see no reward
    table = table_rows(args.warmup_table, args.split_seed, X.keys_of(roots + variants + heldout + dev + warmup))
    return {"roots": roots, "variants": variants, "heldout": heldout, "heldout_sha256": sha, "dev": dev[: args.dev_rows],
            "warmup": warmup + table, "families": root_families,
            "counts": {"variants": vcounts, "heldout": heldout_counts or {"kept": len(heldout), "frozen": True},
                       "roots": len(roots), "warmup": len(warmup) + len(table), "warmup_textbook": len(warmup),
                       "warmup_table": len(table), "dev": min(len(dev), args.dev_rows)}}


def evaluate(name: str, model_settings: Any, adapters: list[str], rows: list[dict], max_new_tokens: int) -> dict:
    """Greedy held-out accuracy of base + ``adapters`` with per-item correctness (for paired tests)."""
    from ladderlib.evaluate.run import evaluate_task
    from ladderlib.models import Engine, Sampling, load_with_adapters
    from ladderlib.tasks import IntegralsTask

    model, tok = load_with_adapters(model_settings, adapters)
    t0 = time.perf_counter()
    res = evaluate_task(IntegralsTask(), Engine(model, tok, batch_size=16), rows, Sampling(max_new_tokens=max_new_tokens),
                        name=name)
    return {**res.summary(), "seconds": round(time.perf_counter() - t0, 1), "correct_items": [r["correct"] for r in res.records]}


def pass_rates(model_settings: Any, adapters: list[str], rows: list[dict], k: int, max_new_tokens: int) -> list[int]:
    """How many of ``k`` samples (temperature 1) of the warmed-up model each row's verifier accepts."""
    from ladderlib.models import Engine, Sampling, load_with_adapters
    from ladderlib.tasks import IntegralsTask

    task = IntegralsTask()
    model, tok = load_with_adapters(model_settings, adapters)
    prompts = [task.prompt(r) for r in rows for _ in range(k)]
    texts = Engine(model, tok, batch_size=16)(prompts, Sampling(max_new_tokens=max_new_tokens, temperature=1.0, seed=0))
    grades = task.grade_batch([r for r in rows for _ in range(k)], texts)
    return [sum(g.correct for g in grades[i * k:(i + 1) * k]) for i in range(len(rows))]


def keep_sometimes_solved(rows: list[dict], solved: list[int], k: int, minimum: int) -> tuple[list[dict], dict]:
    """Variants solved sometimes (0 < s < k); topped up to ``minimum`` with never-solved ones, easiest first."""
    some = [r for r, s in zip(rows, solved) if 0 < s < k]
    never = sorted((r for r, s in zip(rows, solved) if s == 0), key=lambda r: r.get("difficulty") or 0)
    kept = some + never[: max(0, minimum - len(some))]
    return kept, {"sometimes": len(some), "always": sum(s == k for s in solved), "never": sum(s == 0 for s in solved),
                  "kept": len(kept)}


def compare(a: dict, b: dict) -> dict:
    """Paired comparison of two evaluations on the same held-out items."""
    from ladderlib.evaluate.stats import mcnemar_exact, paired_bootstrap_diff

    return {**mcnemar_exact(a["correct_items"], b["correct_items"]),
            **{f"diff_{k}": v for k, v in paired_bootstrap_diff(a["correct_items"], b["correct_items"]).items()}}


def plot(result: dict, path: Path) -> None:
    """Held-out accuracy per model (95% CI) and the dev curves of the GRPO arms."""
    from ladderlib.plots.figure import panels, tidy

    fig, (bars, dev) = panels(2, "LADDER learning benchmark")
    seed0 = result["seeds"][0]
    evals = [result["untrained"], result["warmup"]["heldout"], *[seed0["arms"][a]["heldout"] for a in ("roots", "variants")]]
    names = ["untrained", "warm-up", "GRPO\nroots", "GRPO\nvariants"]
    acc = [e["accuracy"] for e in evals]
    bars.bar(names, acc, yerr=[[a - e["ci_low"] for a, e in zip(acc, evals)], [e["ci_high"] - a for a, e in zip(acc, evals)]],
             capsize=5, color="#4c72b0")
    for i, e in enumerate(evals):
        bars.annotate(f"{e['correct']}/{e['n']}", (i, e["ci_high"]), textcoords="offset points", xytext=(0, 4), ha="center")
    bars.set(ylabel=f"held-out accuracy (n={evals[0]['n']})", title="greedy accuracy, 95% CI")
    tidy(bars, integer_x=False, rate=True)
    for arm in ("roots", "variants"):
        pts = seed0["arms"][arm]["dev_curve"]
        dev.plot([p["step"] for p in pts], [p["accuracy"] for p in pts], marker="o", ms=3, label=arm)
    dev.set(xlabel="GRPO step", ylabel="dev accuracy", title="dev split during training")
    dev.legend(fontsize=8)
    tidy(dev, rate=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--split-seed", type=int, default=1234, help="01's split seed (the default profile's)")
    ap.add_argument("--roots-per-family", type=int, default=4)
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--breadth", type=int, default=4)
    ap.add_argument("--nodes", type=int, default=40)
    ap.add_argument("--max-ops", type=int, default=12, help="largest known answer (sympy count_ops) trained or tested")
    ap.add_argument("--heldout-max-ops", type=int, default=24,
                    help="largest known answer in the held-out set (12 left 52 problems of the roots' families, "
                         "below the 70 the design needs; 24 leaves about 80)")
    ap.add_argument("--warmup-rows", type=int, default=160)
    ap.add_argument("--warmup-steps", type=int, default=60)
    ap.add_argument("--warmup-table", type=int, default=0,
                    help="table-rule problems (ladderlib.ladder.table_integrals) added to the warm-up rows")
    ap.add_argument("--warmup-lr", type=float, default=1e-4, help="warm-up SFT learning rate (LoRA)")
    ap.add_argument("--dev-rows", type=int, default=40)
    ap.add_argument("--filter-samples", type=int, default=4, help="samples per variant for the pass-rate filter (0: off)")
    ap.add_argument("--min-variants", type=int, default=120)
    ap.add_argument("--grpo-steps", type=int, default=100)
    ap.add_argument("--prompts-per-step", type=int, default=4)
    ap.add_argument("--generations", type=int, default=4)
    ap.add_argument("--lr", type=float, default=2e-5)
    ap.add_argument("--beta", type=float, default=0.0)
    ap.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=False,
                    help="bf16 autocast in GRPO (measured slower than fp32 on this CPU: bench/grpo_throughput.py)")
    ap.add_argument("--max-new-tokens", type=int, default=48)
    ap.add_argument("--eval-every", type=int, default=25)
    ap.add_argument("--work", default="bench/results/learning_ladder")
    ap.add_argument("--heldout", default=str(Path(__file__).parent / "learning_ladder_heldout.jsonl"),
                    help="the frozen held-out set: read when it exists, else drawn by the rules above and written")
    ap.add_argument("--out", default="bench/results/learning_ladder.json")
    args = ap.parse_args()

    from ladderlib.config.ladder import LadderGRPOSettings
    from ladderlib.config.model import LoraSettings, ModelSettings
    from ladderlib.ladder.experiment import with_static_difficulty
    from ladderlib.ladder.grpo import run_warmup, train_ladder_grpo
    from ladderlib.tasks import IntegralsTask
    from ladderlib.train.grpo import grpo_curves

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    model = ModelSettings(device="cpu", dtype="float32", lora=LoraSettings(r=16, alpha=32, dropout=0.0))
    data_key = {k: getattr(args, k) for k in ("split_seed", "roots_per_family", "depth", "breadth", "nodes", "max_ops",
                                              "heldout_max_ops", "warmup_rows", "warmup_table", "dev_rows")}
    data = cached(work / "data.json", data_key, lambda: build_data(args, work))
    # what the untrained model's numbers depend on: the roots, variants and held-out set, not the warm-up rows
    forest_key = {k: v for k, v in data_key.items() if k not in ("warmup_rows", "warmup_table")}
    print(f"data: {data['counts']}", file=sys.stderr)
    heldout = data["heldout"]
    untrained = cached(work / "eval_untrained.json", {"data": forest_key, "model": model.model_dump(mode="json")},
                       lambda: evaluate("untrained", model, [], heldout, args.max_new_tokens))
    warm_settings = LadderGRPOSettings(warmup_sft_steps=args.warmup_steps, warmup_learning_rate=args.warmup_lr, warmup_batch_size=8,
                                       seed=args.split_seed)
    warmup_dir = work / "warmup_adapter"
    warm = run_warmup(model, warm_settings, IntegralsTask(), data["warmup"], warmup_dir)
    warm_key = {"data": data_key, "warmup_steps": args.warmup_steps, "warmup_lr": args.warmup_lr}
    warm_eval = cached(work / "eval_warmup.json", warm_key,
                       lambda: evaluate("warmup", model, [str(warmup_dir)], heldout, args.max_new_tokens))
    variants = data["variants"]
    filter_counts = None
    if args.filter_samples:
        solved = cached(work / "pass_rates.json", {**warm_key, "k": args.filter_samples},
                        lambda: pass_rates(model, [str(warmup_dir)], variants, args.filter_samples, args.max_new_tokens))
        # a diagnostic beside the filter: the same samples from the untrained model (does the warm-up help or hurt?)
        solved_base = cached(work / "pass_rates_untrained.json", {"data": forest_key, "k": args.filter_samples},
                             lambda: pass_rates(model, [], variants, args.filter_samples, args.max_new_tokens))
        untrained_counts = keep_sometimes_solved(variants, solved_base, args.filter_samples, args.min_variants)[1]
        variants, filter_counts = keep_sometimes_solved(variants, solved, args.filter_samples, args.min_variants)
        filter_counts = {**filter_counts, "untrained_model": {k: v for k, v in untrained_counts.items() if k != "kept"},
                         "samples_per_variant": args.filter_samples, "temperature": 1.0}
    arms_rows = {"roots": with_static_difficulty(data["roots"]), "variants": with_static_difficulty(variants)}

    seeds = []
    for seed in (int(s) for s in args.seeds.split(",")):
        settings = LadderGRPOSettings(
            learning_rate=args.lr, beta=args.beta, bf16=args.bf16, num_generations=args.generations,
            per_device_train_batch_size=args.generations * args.prompts_per_step, max_completion_length=args.max_new_tokens,
            max_steps=args.grpo_steps, save_steps=10, eval_every=args.eval_every, eval_examples=max(len(heldout), 1),
            eval_max_new_tokens=args.max_new_tokens, curriculum="banded", format_weight=0.1, seed=seed)
        arms = {}
        for arm, rows in arms_rows.items():
            out = work / f"seed{seed}" / arm
            summary = train_ladder_grpo(model, settings, rows, out,
                                        dev_rows=data["dev"], base_adapters=[str(warmup_dir)])
            held = cached(out / "eval_heldout.json", {"summary_steps": summary["steps"], "adapters": summary["adapter_stack"]},
                          lambda s=summary, a=arm: evaluate(a, model, s["adapter_stack"], heldout, args.max_new_tokens))
            dev_curve = [{"step": r["step"], "accuracy": r["dev_accuracy"]} for r in grpo_curves(out / "metrics.jsonl")["dev"]]
            arms[arm] = {"rows": len(rows), "steps": summary["steps"], "train_minutes": round(summary["train_runtime_s"] / 60, 2),
                         "heldout": held, "dev_curve": dev_curve}
        seeds.append({
            "seed": seed, "arms": arms,
            "variants_vs_warmup": compare(arms["variants"]["heldout"], warm_eval),
            "variants_vs_roots": compare(arms["variants"]["heldout"], arms["roots"]["heldout"]),
            "roots_vs_warmup": compare(arms["roots"]["heldout"], warm_eval),
            "variants_gain_vs_untrained": round(arms["variants"]["heldout"]["accuracy"] - untrained["accuracy"], 4),
        })
    s0 = seeds[0]
    targets = {
        "variants_at_least_10_points_over_untrained": s0["variants_gain_vs_untrained"] >= 0.10,
        "variants_above_warmup_paired_p_lt_0.05": s0["variants_vs_warmup"]["diff_diff"] > 0 and s0["variants_vs_warmup"]["p"] < 0.05,
        "variants_5_points_over_roots_p_lt_0.05": s0["variants_vs_roots"]["diff_diff"] >= 0.05 and s0["variants_vs_roots"]["p"] < 0.05,
        "training_at_most_30_minutes_per_arm": all(a["train_minutes"] <= 30 for a in s0["arms"].values()),
        "heldout_at_least_70_problems": len(heldout) >= 70,
    }
    strip = lambda e: {k: v for k, v in e.items() if k != "correct_items"}  # noqa: E731
    result = {
        "benchmark": "learning_ladder", "args": vars(args), "heldout_sha256": data["heldout_sha256"],
        "heldout_n": len(heldout), "families": data["families"], "data_counts": data["counts"], "variant_filter": filter_counts,
        "untrained": untrained, "warmup": {"train": warm, "heldout": warm_eval}, "seeds": seeds, "targets": targets,
        "summary": {"untrained": strip(untrained), "warmup": strip(warm_eval),
                    **{f"seed{s['seed']}_{a}": strip(v["heldout"]) for s in seeds for a, v in s["arms"].items()}},
        "departures_from_paper": {"beta": f"{args.beta} (the paper uses 0.001; 0 skips the reference pass on this CPU)",
                                  "precision": "bf16 autocast" if args.bf16 else "fp32",
                                  "warmup": "a shared SFT warm-up before GRPO (the paper starts from an instruct model)"
                                            + (f", on {args.warmup_table} table-rule problems besides the textbook "
                                               "rows: without them no variant is ever solved, so GRPO gets no reward"
                                               if args.warmup_table else ""),
                                  "model": "SmolLM2-135M (the paper: Llama 3.2 3B and a 7B DeepSeek-R1-distilled Qwen2.5)",
                                  "lora": "LoRA r=16 (the paper trains all weights); GRPO learning rate "
                                          f"{args.lr}"},
        "total_minutes": round((time.perf_counter() - t_start) / 60, 1), "machine": machine_info(),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    plot(result, out.with_suffix(".png"))
    print(json.dumps({"summary": result["summary"], "targets": targets}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
