"""Does GRPO on the LADDER variant curriculum teach the embedded model to integrate? (issue 5's proof.)

Two arms, identical method and settings, differing only in the training problems:

* ``variants``  — the variant trees grown from the 24 hard root integrals (symbolic source, seeded), easiest first;
* ``originals`` — the 24 root integrals themselves (the paper's "no variants" ablation).

Each arm: an SFT warm-up on its own verified solutions (sympy antiderivatives accepted by our verifier), then
TRL GRPO with verifier rewards, for the same number of steps. Accuracy is measured by greedy decoding on a
held-out set of easy Rubi textbook integrals that appear in neither arm's training data (canonical match),
before training, after the warm-up, every ``--eval-every`` GRPO steps and at the end, with Wilson 95% CIs.

Writes ``bench/results/learning_ladder.json`` (numbers, curves, machine info) and ``learning_ladder.png``.
Re-running resumes each arm from its last checkpoint.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for name in ("torch", "transformers", "trl", "peft", "datasets", "sympy", "ladderlib"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def variant_rows(out: Path, seed: int, depth: int, breadth: int, nodes: int) -> tuple[list[dict], dict]:
    """The variants arm's training rows (cached in ``out/variants.json``)."""
    from ladderlib.data.integrals import ROOT_INTEGRALS
    from ladderlib.config.variants import VariantSettings
    from ladderlib.ladder.variants.dataset import build_dataset, load_dataset, save_dataset
    from ladderlib.ladder.variants.generate import generate_forest, summarize_stats

    path = out / "variants.json"
    if path.is_file():
        return load_dataset(path), json.loads(path.read_text()).get("summary", {})
    t0 = time.perf_counter()
    settings = VariantSettings(variant_source="symbolic", max_depth=depth, breadth=breadth, max_nodes_per_tree=nodes,
                               drop_monomials=False, seed=seed)
    trees = generate_forest(list(ROOT_INTEGRALS), settings=settings)
    rows = build_dataset(trees)
    summary = {"trees": len(trees), "rows": len(rows), "with_antiderivative": sum(r["antiderivative"] is not None for r in rows),
               "drops": summarize_stats(trees), "seconds": round(time.perf_counter() - t0, 1),
               "settings": settings.model_dump(mode="json")}
    save_dataset(path, rows, summary)
    return rows, summary


def base_accuracy(model_settings, heldout: list[dict], out: Path, max_new_tokens: int) -> dict:
    """Held-out accuracy of the untrained model (cached)."""
    from ladderlib.evaluate.run import evaluate_task
    from ladderlib.io import atomic_write_json
    from ladderlib.models import Engine, Sampling, load_model
    from ladderlib.tasks import IntegralsTask

    path = out / "base_eval.json"
    if path.is_file():
        return json.loads(path.read_text())
    model, tok = load_model(model_settings)
    t0 = time.perf_counter()
    res = evaluate_task(IntegralsTask(), Engine(model, tok, batch_size=16), heldout,
                        Sampling(max_new_tokens=max_new_tokens)).summary()
    res["seconds"] = round(time.perf_counter() - t0, 1)
    atomic_write_json(path, res)
    return res


def arm_report(summary: dict, metrics_path: Path, base: dict) -> dict:
    """Curves, final accuracy and training time of one arm."""
    from ladderlib.evaluate.stats import wilson_interval
    from ladderlib.train.metrics import read_metrics

    rows = read_metrics(metrics_path)
    held = [{"step": r["step"], "accuracy": r["heldout_accuracy"], "correct": r["heldout_correct"], "n": r["heldout_n"],
             "ci": list(wilson_interval(r["heldout_correct"], r["heldout_n"]))} for r in rows if "heldout_accuracy" in r]
    train = [{"step": r["step"], "reward": r.get("reward"), "correctness": r.get("rewards/integral_correctness_reward/mean"),
              "kl": r.get("kl"), "frac_reward_zero_std": r.get("frac_reward_zero_std"),
              "completion_length": r.get("completions/mean_length")} for r in rows if "reward" in r]
    eval_s = sum(r.get("heldout_seconds", 0.0) for r in rows if "heldout_seconds" in r)
    warm_s = (summary.get("warmup") or {}).get("runtime_s", 0.0)
    grpo_s = summary["train_runtime_s"] - eval_s
    final = summary["heldout_after"]
    return {
        "training_rows": summary["rows"],
        "steps": summary["steps"],
        "warmup": summary.get("warmup"),
        "training_minutes": round((warm_s + grpo_s) / 60, 2),
        "warmup_minutes": round(warm_s / 60, 2),
        "grpo_minutes": round(grpo_s / 60, 2),
        "heldout_eval_minutes_inside_training": round(eval_s / 60, 2),
        "after_warmup": summary["heldout_before"],
        "final": {**final, "ci": [final["ci_low"], final["ci_high"]]},
        "gain_over_untrained_points": round(100 * (final["accuracy"] - base["accuracy"]), 1),
        "heldout_curve": held,
        "train_curve": train,
    }


def plot(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    base = report["untrained"]["accuracy"]
    for name, arm in report["arms"].items():
        pts = arm["heldout_curve"]
        xs = [p["step"] for p in pts]
        axes[0].plot(xs, [p["accuracy"] for p in pts], marker="o", label=name)
        axes[0].fill_between(xs, [p["ci"][0] for p in pts], [p["ci"][1] for p in pts], alpha=0.15)
        tr = [p for p in arm["train_curve"] if p["correctness"] is not None]
        axes[1].plot([p["step"] for p in tr], [p["correctness"] for p in tr], label=name, alpha=0.8)
    axes[0].axhline(base, color="gray", ls="--", label="untrained")
    axes[0].set(title="held-out easy integrals (greedy, 95% CI)", xlabel="GRPO step (0 = after SFT warm-up)",
                ylabel="accuracy")
    axes[1].set(title="training correctness reward", xlabel="GRPO step", ylabel="mean correctness")
    for ax in axes:
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(ROOT / "bench" / "results"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", type=int, default=40, help="GRPO steps per arm")
    p.add_argument("--warmup-steps", type=int, default=60, help="SFT warm-up steps per arm (0: none)")
    p.add_argument("--eval-every", type=int, default=20)
    p.add_argument("--num-generations", type=int, default=8)
    p.add_argument("--batch", type=int, default=8, help="completions per GRPO step")
    p.add_argument("--max-completion", type=int, default=48)
    p.add_argument("--lr", type=float, default=2e-5, help="GRPO learning rate (LoRA)")
    p.add_argument("--warmup-lr", type=float, default=3e-4, help="SFT warm-up learning rate (LoRA)")
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--breadth", type=int, default=4)
    p.add_argument("--nodes", type=int, default=30)
    p.add_argument("--arms", default="variants,originals")
    args = p.parse_args(argv)

    from ladderlib.config.model import LoraSettings, ModelSettings
    from ladderlib.data.integrals import ROOT_INTEGRALS, packaged_pairs_path
    from ladderlib.io import atomic_write_json, read_jsonl
    from ladderlib.ladder.ablation import heldout_for, original_rows
    from ladderlib.config.ladder import LadderGRPOSettings
    from ladderlib.ladder.grpo import train_ladder_grpo

    out = Path(args.out)
    work = out / "learning_ladder"
    work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    t_all = time.perf_counter()
    model = ModelSettings(name="embedded", device="cpu", dtype="float32", lora=LoraSettings(r=16, alpha=32, dropout=0.0))
    variants, variant_summary = variant_rows(work, args.seed, args.depth, args.breadth, args.nodes)
    originals = original_rows(ROOT_INTEGRALS)
    heldout, held_counts = heldout_for(read_jsonl(packaged_pairs_path()), variants + originals, None, args.seed)
    print(f"variants {len(variants)} rows, originals {len(originals)}, held-out {len(heldout)} {held_counts}", flush=True)
    settings = LadderGRPOSettings(
        learning_rate=args.lr, num_generations=args.num_generations, per_device_train_batch_size=args.batch,
        max_completion_length=args.max_completion, max_steps=args.steps, save_steps=10, seed=args.seed,
        warmup_sft_steps=args.warmup_steps, warmup_learning_rate=args.warmup_lr, eval_every=args.eval_every, eval_examples=len(heldout),
        eval_max_new_tokens=args.max_completion, curriculum="easy_first",
    )
    base = base_accuracy(model, heldout, work, args.max_completion)
    print(f"untrained: {base['correct']}/{base['n']}", flush=True)
    arms = {}
    for name in args.arms.split(","):
        rows = {"variants": variants, "originals": originals}[name]
        summary = train_ladder_grpo(model, settings, rows, work / name, eval_rows=heldout)
        arms[name] = arm_report(summary, work / name / "metrics.jsonl", base)
        print(f"{name}: {arms[name]['final']['correct']}/{arms[name]['final']['n']} after "
              f"{arms[name]['training_minutes']} training minutes", flush=True)

    v, o = arms.get("variants"), arms.get("originals")
    report = {
        "benchmark": "LADDER learning proof: GRPO on variant curriculum vs original problems",
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpu_count": os.cpu_count(),
                    "device": "cpu", "load_average_before": load_before, "load_average_after": os.getloadavg(),
                    "packages": _versions()},
        "model": "SmolLM2-135M-Instruct (embedded, fp32, LoRA r=16)",
        "settings": settings.model_dump(mode="json"),
        "variants_dataset": variant_summary,
        "heldout": {"n": len(heldout), "selection": held_counts, "source": "Rubi textbook suite (packaged)",
                    "integrands": [r["integrand"] for r in heldout]},
        "untrained": {k: base[k] for k in ("n", "correct", "accuracy", "ci_low", "ci_high")},
        "arms": arms,
        "targets": {
            "variants_gain_points": v["gain_over_untrained_points"] if v else None,
            "gain_at_least_10_points": bool(v and v["gain_over_untrained_points"] >= 10),
            "variants_training_within_30_minutes": bool(v and v["training_minutes"] <= 30),
            "variants_beat_originals": bool(v and o and v["final"]["accuracy"] > o["final"]["accuracy"]),
        },
        "wall_minutes": round((time.perf_counter() - t_all) / 60, 1),
    }
    atomic_write_json(out / "learning_ladder.json", report)
    plot(report, out / "learning_ladder.png")
    print(json.dumps(report["targets"], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
