"""Does Coconut learn the procedural multi-hop task better than no-CoT, with fewer tokens than CoT? (issue 11)

All five methods of ``ladderlib.latent`` (no_cot, cot, pause, coconut, coconut_no_curriculum) are trained and
scored in one ``run_experiment`` call on the embedded SmolLM2-135M (a fresh LoRA adapter per method, LoRA shape
from ``ModelSettings``), on a seeded procedural task (``ladderlib.latent.data``: ``--kind arithmetic``, chains of
operations mod 10, or ``--kind links``, ProsQA-style pointer chasing among distractor links). Every method gets the
same number of optimizer steps: ``--steps-per-stage`` caps each stage's worth of epochs (``--stage0-epochs`` gives
the language stage 0 more, as the reference starts Coconut from a CoT checkpoint), and a one-phase method gets the
sum. Held-out accuracy is greedy with Wilson 95% CIs; Coconut is compared with
every baseline on the same items (exact McNemar and a paired bootstrap of the accuracy gap,
``ladderlib.workbook.latent.paired_rows``); the per-stage curve is Coconut scored after each curriculum stage on
the first ``--curve-examples`` held-out items, with the paper's reading of the thoughts: after stage k, how often the
thought standing for step j <= k decodes through the LM head to that step's result (``thought_probe``).

The target (issue 11): Coconut beats no-CoT by >= 10 points with McNemar p < 0.05 while generating at most half
of CoT's tokens per answer. The JSON says whether it was met. Settings are fixed up front (``tuning`` in the JSON
lists any dev-split runs; ``--dev`` scores on held-back problems of another generator seed instead of the test
split, for tuning without looking at test numbers).

Each finished method is saved under ``--work`` (results only, not the adapter), so a killed run resumes after
the last finished method when rerun with the same settings.

    OMP_NUM_THREADS=1 python bench/latent_learning.py [--kind links] [--steps-per-stage 10] [--n-test 200]
                      [--seed 0] [--dev] [--tuning DEV_JSON ...] [--out bench/latent_learning.json]
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
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from bench.common import machine_info  # noqa: E402

DEV_SEED_OFFSET = 1000  # --dev: the generator seed of the dev problems (never the test split's seed)
TARGET = {"min_gain_vs_no_cot": 0.10, "max_p": 0.05, "max_token_ratio_vs_cot": 0.5}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).with_suffix(".json")), help="JSON result file (PNG next to it)")
    ap.add_argument("--work", default=str(Path(__file__).parent / "results" / "latent_learning"),
                    help="per-method results for resuming (git-ignored)")
    ap.add_argument("--seed", type=int, default=0, help="LoRA init, example order (LatentSettings.seed)")
    ap.add_argument("--data-seed", type=int, default=0, help="procedural generator seed (test split)")
    ap.add_argument("--dev", action="store_true", help="score on a dev split (generator seed data-seed + 1000) "
                                                       "instead of the test split: for tuning")
    ap.add_argument("--n-train", type=int, default=2000, help="training problems")
    ap.add_argument("--n-test", type=int, default=200, help="held-out problems scored per method")
    ap.add_argument("--kind", default="arithmetic", choices=["arithmetic", "links"], help="procedural task")
    ap.add_argument("--nodes", type=int, default=8, help="links: letters per problem")
    ap.add_argument("--min-hops", type=int, default=2)
    ap.add_argument("--max-hops", type=int, default=3)
    ap.add_argument("--c-thought", type=int, default=1, help="continuous thoughts per replaced step")
    ap.add_argument("--max-latent-stage", type=int, default=3)
    ap.add_argument("--steps-per-stage", type=int, default=10, help="optimizer steps per stage's worth of epochs")
    ap.add_argument("--stage0-epochs", type=int, default=None,
                    help="stage 0 (language CoT, from which the latent stages start) gets this many stages' worth "
                         "of steps; default: one")
    ap.add_argument("--final-stage-epochs", type=int, default=None,
                    help="the last stage (thoughts only) gets this many stages' worth of steps, as the reference's "
                         "ProsQA schedule gives it 20 of 50 epochs; default: one")
    ap.add_argument("--uniform-prob", type=float, default=0.0,
                    help="probability that a curriculum example is built at a random earlier stage (the paper's mix)")
    ap.add_argument("--no-reset-optimizer", action="store_true",
                    help="keep one AdamW state across stages (the reference resets it at every stage)")
    ap.add_argument("--thought-norm", action="store_true",
                    help="rescale continuous thoughts to the token embeddings' mean norm (LatentSettings.thought_norm;"
                         " a departure from the paper)")
    ap.add_argument("--thought-input", default="hidden", choices=["hidden", "soft_embedding"],
                    help="what fills a latent slot (LatentSettings.thought_input; soft_embedding is a departure)")
    ap.add_argument("--finetune", default="lora", choices=["lora", "full"],
                    help="LatentSettings.finetune: a LoRA adapter or every weight (the paper)")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--lora-r", type=int, default=16)
    ap.add_argument("--lora-alpha", type=int, default=32)
    ap.add_argument("--max-new-tokens", type=int, default=24)
    ap.add_argument("--generation-batch-size", type=int, default=20)
    ap.add_argument("--curve-examples", type=int, default=100, help="held-out items scored after each Coconut stage")
    ap.add_argument("--dtype", default="float32", choices=["float32", "bfloat16"])
    ap.add_argument("--methods", nargs="+", default=["no_cot", "cot", "pause", "coconut", "coconut_no_curriculum"])
    ap.add_argument("--tuning", nargs="*", default=[], metavar="DEV_JSON",
                    help="earlier --dev results whose settings and dev numbers are recorded in this run's JSON "
                         "(what the settings were chosen from)")
    return ap.parse_args(argv)


def settings(args: argparse.Namespace) -> tuple[Any, Any]:
    """(ModelSettings, LatentSettings) from the arguments."""
    from ladderlib.config.latent import LatentSettings, ProceduralSettings
    from ladderlib.config.model import LoraSettings, ModelSettings

    ms = ModelSettings(name="embedded", device="cpu", dtype=args.dtype,
                       lora=LoraSettings(r=args.lora_r, alpha=args.lora_alpha))
    ls = LatentSettings(
        methods=args.methods, tasks=["procedural"], c_thought=args.c_thought, max_latent_stage=args.max_latent_stage,
        epochs_per_stage=1, stage0_epochs=args.stage0_epochs, final_stage_epochs=args.final_stage_epochs,
        max_steps_per_stage=args.steps_per_stage, learning_rate=args.lr,
        uniform_prob=args.uniform_prob, reset_optimizer=not args.no_reset_optimizer, thought_norm=args.thought_norm,
        thought_input=args.thought_input, finetune=args.finetune,
        batch_size=args.batch_size, eval_examples=args.n_test, curve_examples=args.curve_examples,
        max_new_tokens=args.max_new_tokens, generation_batch_size=args.generation_batch_size, textbook_eval=False,
        procedural=ProceduralSettings(kind=args.kind, nodes=args.nodes, n_train=args.n_train, n_test=args.n_test, min_hops=args.min_hops,
                                      max_hops=args.max_hops,
                                      seed=args.data_seed + (DEV_SEED_OFFSET if args.dev else 0)),
        seed=args.seed)
    return ms, ls


THOUGHTLESS = ("no_cot", "cot", "pause")  # no continuous thoughts: how thoughts are made cannot change them


def settings_key(ms: Any, ls: Any, method: str) -> str:
    """What ``method``'s result depends on: every setting but the list of methods (each method trains a fresh
    adapter from the same seed) and, for a method without continuous thoughts, how thoughts are made. So methods
    run in separate processes on one ``--work`` folder add up, and runs that differ only in the thoughts share
    their baselines."""
    exclude = {"methods"} | ({"thought_input", "thought_norm"} if method in THOUGHTLESS else set())
    latent = ls.model_dump(mode="json", exclude=exclude)
    blob = json.dumps({"model": ms.model_dump(mode="json"), "latent": latent}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def finished_methods(work: Path, ms: Any, ls: Any) -> dict[str, Any]:
    """Saved results of an earlier attempt with the same settings for their method, as ``run_experiment``'s
    ``finished``."""
    from ladderlib.latent.experiment import MethodResult

    out = {}
    for path in sorted(work.glob("*.json")):
        saved = json.loads(path.read_text())
        if saved.get("method") and saved.get("settings_key") == settings_key(ms, ls, saved["method"]):
            m = MethodResult(**{k: saved[k] for k in ("task", "method", "rows", "stages", "steps", "records")})
            out[m.key] = m
    return out


def verdict(rows: dict[str, dict[str, Any]], paired: list[dict[str, Any]]) -> dict[str, Any]:
    """Whether Coconut met issue 11's target, with the numbers it was judged on."""
    if not {"coconut", "no_cot", "cot"} <= set(rows):
        return {"met": None, "why": "needs coconut, no_cot and cot"}
    vs = next(p for p in paired if p["baseline"] == "no_cot")
    gain = rows["coconut"]["accuracy"] - rows["no_cot"]["accuracy"]
    ratio = rows["coconut"]["mean_gen_tokens"] / max(1e-9, rows["cot"]["mean_gen_tokens"])
    checks = {"gain_vs_no_cot": gain, "gain_ok": gain >= TARGET["min_gain_vs_no_cot"],
              "mcnemar_p_vs_no_cot": vs["p_value"], "p_ok": vs["p_value"] < TARGET["max_p"],
              "token_ratio_vs_cot": ratio, "tokens_ok": ratio <= TARGET["max_token_ratio_vs_cot"]}
    return {"met": checks["gain_ok"] and checks["p_ok"] and checks["tokens_ok"], **checks}


def departures(args: argparse.Namespace) -> dict[str, str]:
    """How this run's recipe differs from the paper's (Hao et al. 2024, ProsQA: GPT-2, full fine-tuning, c=1,
    6 stages of 5 epochs, lr 1e-4, batch 128, optimizer reset per stage)."""
    full = args.finetune == "full"
    out = {"model": ("SmolLM2-135M-Instruct, every weight fine-tuned (the paper: GPT-2, fully)" if full else
                     "SmolLM2-135M-Instruct with LoRA (the paper fine-tunes all of GPT-2)"),
           "budget": f"{args.steps_per_stage} optimizer steps of batch {args.batch_size} per stage (the paper: 5 "
                     f"epochs of ~17k examples, batch 128), lr {args.lr:g} for {'full fine-tuning' if full else 'LoRA'}"
                     f" (the paper: 1e-4)",
           "schedule": f"stage 0 gets {args.stage0_epochs or 1}, stages 1-{args.max_latent_stage - 1} one and the "
                       f"last stage {args.final_stage_epochs or 1} stage's worth of steps (the paper: 5 epochs per "
                       f"stage, the last stage trained from epoch 30 to 50)"}
    if args.thought_norm:
        out["thought_norm"] = ("each continuous thought is rescaled to the mean norm of the token embeddings; the "
                               "paper feeds the last hidden state as it is")
    if args.thought_input == "soft_embedding":
        out["thought_input"] = ("each continuous thought is the LM head's distribution at the position before the "
                                "slot times the embedding matrix (a probability-weighted token embedding, as in Soft "
                                "Thinking, Zhang et al. 2025); the paper feeds the last hidden state")
    if args.no_reset_optimizer:
        out["optimizer"] = "one AdamW state across stages (the paper resets it at every stage)"
    return out


def tuning_row(path: Path) -> dict[str, Any]:
    """What a ``--dev`` run tried and measured: its arguments, dev accuracy per method and Coconut's curve."""
    r = json.loads(path.read_text())
    if not r.get("dev"):
        raise ValueError(f"{path} is not a --dev run: test-split numbers cannot be used for tuning")
    return {"file": path.name, "args": {k: v for k, v in r["args"].items() if k not in ("out", "work", "tuning")},
            "dev_accuracy": {m: v["accuracy"] for m, v in r["methods"].items()},
            "coconut_curve": [(c["stage"], c["accuracy"]) for c in r.get("coconut_curve", [])]}


def plot(result: dict[str, Any], path: Path) -> None:
    """Accuracy with CIs and tokens per answer per method, and Coconut's per-stage curve."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result["methods"]
    names = list(rows)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    acc = [rows[m]["accuracy"] for m in names]
    # max(0, .): a Wilson bound rounded to 4 places can fall a hair below an accuracy of 0 or 1
    err = [[max(0.0, a - rows[m]["ci_low"]) for m, a in zip(names, acc)],
           [max(0.0, rows[m]["ci_high"] - a) for m, a in zip(names, acc)]]
    axes[0].bar(names, acc, yerr=err, capsize=4, color="tab:blue")
    proc = result["settings"]["latent"]["procedural"]
    chance = 10 if proc.get("kind", "arithmetic") == "arithmetic" else proc["nodes"]
    axes[0].axhline(1 / chance, ls="--", c="grey", lw=1, label=f"chance (1/{chance})")
    axes[0].set_ylabel(f"held-out accuracy (n={result['n_test']}, Wilson 95%)")
    axes[0].legend()
    axes[1].bar(names, [rows[m]["mean_gen_tokens"] for m in names], color="tab:orange")
    axes[1].set_ylabel("mean generated tokens per answer")
    for ax in axes[:2]:
        ax.tick_params(axis="x", rotation=30)
    curve = result["coconut_curve"]
    if curve:
        x = [c["stage"] for c in curve]
        y = [c["accuracy"] for c in curve]
        axes[2].errorbar(x, y, yerr=[[max(0.0, a - c["ci_low"]) for a, c in zip(y, curve)],
                                     [max(0.0, c["ci_high"] - a) for a, c in zip(y, curve)]], marker="o", capsize=4,
                         label="answer accuracy")
        from ladderlib.plots.latent import probe_lines

        probes = probe_lines(curve)
        for j, pts in sorted(probes.items()):
            axes[2].plot(*zip(*pts), ls="--", marker=".", label=f"thought for step {j} decodes to its result (top 5)")
        if probes:
            axes[2].legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
        axes[2].set_xticks(x)
    axes[2].set_xlabel("Coconut curriculum stage (thoughts = stage x c)")
    axes[2].set_ylabel(f"accuracy, decode rate (first {result['settings']['latent']['curve_examples']} items)")
    v = result["target"]
    fig.suptitle(f"latent_learning, {proc.get('kind', 'arithmetic')} task ({'dev' if result['dev'] else 'test'} split): target "
                 f"{'MET' if v.get('met') else 'NOT met'}; {result['steps_per_method']} steps per method")
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch

    from ladderlib.latent.experiment import run_experiment
    from ladderlib.workbook.latent import paired_rows

    t0 = time.perf_counter()
    ms, ls = settings(args)
    keys = {m: settings_key(ms, ls, m) for m in ls.methods}
    work = Path(args.work) / ("dev" if args.dev else "test")
    work.mkdir(parents=True, exist_ok=True)
    finished = finished_methods(work, ms, ls)
    wall: dict[str, float] = {}
    last = [time.perf_counter()]

    def save(m: Any) -> None:
        now = time.perf_counter()
        wall[m.method] = round(now - last[0], 1)
        last[0] = now
        (work / f"{m.method}.json").write_text(json.dumps(
            {"settings_key": keys[m.method], "task": m.task, "method": m.method, "rows": m.rows, "stages": m.stages,
             "steps": m.steps, "records": m.records, "wall_s": wall[m.method]}))

    def log(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:7.1f}s] {msg}", flush=True)

    log(f"settings {keys}; resuming {sorted(finished) or 'nothing'}; torch threads {torch.get_num_threads()}")
    run = run_experiment(ms, ls, finished=finished, on_method=save, log=log)
    records = {m.key: m.records for m in run.methods}
    paired = paired_rows(records)
    rows = {}
    for m in run.methods:
        r = m.rows[0]
        rows[m.method] = {k: r[k] for k in ("n", "correct", "accuracy", "ci_low", "ci_high", "mean_gen_tokens",
                                            "gen_tokens", "train_s")}
        rows[m.method]["eval_s"] = round(r["wall_s"], 1)
        rows[m.method]["optimizer_steps"] = sum(s["steps"] for s in m.stages)
        rows[m.method]["final_loss"] = m.steps[-1]["loss"] if m.steps else None
        saved = work / f"{m.method}.json"
        rows[m.method]["method_wall_s"] = json.loads(saved.read_text()).get("wall_s") if saved.is_file() else None
        rows[m.method]["reused"] = m.key in finished
    coconut = next((m for m in run.methods if m.method == "coconut"), None)
    curve = [{k: s.get(k) for k in ("stage", "steps", "loss", "accuracy", "ci_low", "ci_high", "mean_gen_tokens",
                                    "n", "thoughts", "thought_probe")} for s in coconut.stages] if coconut else []
    steps = {m: r["optimizer_steps"] for m, r in rows.items()}
    result = {
        "benchmark": "latent_learning", "issue": 11, "dev": args.dev,
        "split": "dev (generator seed data_seed + 1000)" if args.dev else "test (held-out problems of data_seed)",
        "n_test": args.n_test, "settings_keys": keys, "args": vars(args),
        "settings": {"model": ms.model_dump(mode="json"), "latent": ls.model_dump(mode="json")},
        "threads": {"OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"), "torch": torch.get_num_threads()},
        "steps_per_method": steps[next(iter(steps))] if len(set(steps.values())) == 1 else steps,
        "equal_steps": len(set(steps.values())) == 1,
        "methods": rows, "paired_coconut_vs": paired, "coconut_curve": curve,
        "target": {"definition": TARGET, **verdict(rows, paired)},
        "departures_from_paper": departures(args),
        "loss_curves": {m.method: [round(s["loss"], 4) for s in m.steps] for m in run.methods},
        "examples": {m.method: m.records["procedural"][:5] for m in run.methods},
        "tuning": [tuning_row(Path(t)) for t in args.tuning],
        "tuning_note": ("a dev run: its problems come from another generator seed, never the test split" if args.dev
                        else "settings chosen from the dev runs listed in tuning (problems of another generator seed, "
                        "never the test split)" if args.tuning else
                        "settings fixed before the run from issue 11's guidance and the 30-minute CPU budget; no "
                        "dev runs were made, so nothing was chosen by looking at held-out numbers"),
        "wall_s": round(time.perf_counter() - t0, 1), "machine": machine_info(),
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1) + "\n")
    plot(result, out.with_suffix(".png"))
    log(f"wrote {out} and {out.with_suffix('.png')}; target met: {result['target']['met']}")
    for m, r in rows.items():
        log(f"{m:22s} acc {r['accuracy']:.3f} [{r['ci_low']:.3f}, {r['ci_high']:.3f}] tokens "
            f"{r['mean_gen_tokens']:.1f} train {r['train_s']}s steps {r['optimizer_steps']}")
    for c in curve:
        for p in c.get("thought_probe") or []:
            log(f"stage {c['stage']}: the thought for step {p['step']} decodes to its result: top-1 {p['top1']:.2f}, "
                f"top-5 {p['top5']:.2f} (n={p['n']})")
    for p in paired:
        log(f"coconut vs {p['baseline']:22s} diff {p['diff']:+.3f} [{p['diff_ci_low']:+.3f}, {p['diff_ci_high']:+.3f}]"
            f" McNemar p {p['p_value']:.3g} ({p['coconut_only']}/{p['baseline_only']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
