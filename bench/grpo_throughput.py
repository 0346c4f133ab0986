"""GRPO throughput on this CPU: completions/s and tokens/s of one GRPO configuration across the options that matter.

The same job (embedded SmolLM2-135M, LoRA r=16 on all linear layers, integration prompts from the variant
curriculum, verifier rewards) runs under each option for ``--steps`` optimizer steps; the first step is warm-up
and not counted. Options are run round-robin (``--rounds`` rounds, the median step time per option is kept), so
a load change on a shared machine hits every option alike. Options:

* ``baseline``     — today's default: fp32, KL coefficient 0.001 (a reference pass per step), 4 completions per step
  (1 prompt x 4), 48 tokens;
* ``beta0``        — KL coefficient 0 (TRL then loads no reference model and skips its forward pass);
* ``batch16``      — 16 completions per step (4 prompts x 4): generation runs in batches four times larger;
* ``batch16_beta0`` — both;
* ``batch16_beta0_1thread`` — the same on one torch thread (the other core free for the verifier and tokenizer);
* ``batch16_beta0_len32`` — the same with 32-token completions;
* ``bf16_beta0``   — bf16 autocast (the CPU's bf16 path) with beta 0, 4 completions per step.

Departures from the paper are recorded in the JSON: beta 0 drops the KL anchor (as DAPO and Dr. GRPO do).

    python bench/grpo_throughput.py [--steps 4] [--rounds 2] [--out bench/results/grpo_throughput.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from common import machine_info  # noqa: E402
from transformers import TrainerCallback  # noqa: E402

OPTIONS: dict[str, dict] = {
    "baseline": {"beta": 0.001, "per_device_train_batch_size": 4},
    "beta0": {"beta": 0.0, "per_device_train_batch_size": 4},
    "batch16": {"beta": 0.001, "per_device_train_batch_size": 16},
    "batch16_beta0": {"beta": 0.0, "per_device_train_batch_size": 16},
    "batch16_beta0_1thread": {"beta": 0.0, "per_device_train_batch_size": 16, "torch_threads": 1},
    "batch16_beta0_len32": {"beta": 0.0, "per_device_train_batch_size": 16, "max_completion_length": 32},
    "bf16_beta0": {"beta": 0.0, "bf16": True, "per_device_train_batch_size": 4},
}


def rows() -> list[dict]:
    """Integration problems of mixed difficulty: symbolic variants of the packaged hard roots (seeded)."""
    from ladderlib.config.variants import VariantSettings
    from ladderlib.data.integrals import ROOT_INTEGRALS
    from ladderlib.ladder.variants.dataset import build_dataset
    from ladderlib.ladder.variants.generate import generate_forest

    trees = generate_forest(list(ROOT_INTEGRALS)[:8], settings=VariantSettings(
        variant_source="symbolic", max_depth=2, breadth=3, max_nodes_per_tree=10, difficulty_timeout_s=0))
    return build_dataset(trees, antiderivatives=False)


class StepCPU(TrainerCallback):
    """This process's CPU seconds (user + system, all threads) per optimizer step.

    Wall-clock step times on a machine shared with other jobs move with their load; CPU seconds per step move
    much less, so the table reports both and gives the speed-ups on each."""

    def __init__(self) -> None:
        self.seconds: list[float] = []
        self._t = 0.0

    def on_step_begin(self, args, state, control, **kwargs):  # noqa: ANN001, ARG002
        self._t = time.process_time()

    def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001, ARG002
        self.seconds.append(time.process_time() - self._t)


def run_option(name: str, option: dict, data: list[dict], steps: int, work: Path) -> dict:
    """One GRPO job under ``option``; per-step times (TRL's ``step_time``) and completion lengths."""
    from ladderlib.config.ladder import LadderGRPOSettings
    from ladderlib.config.model import LoraSettings, ModelSettings
    from ladderlib.ladder.grpo import train_ladder_grpo

    model = ModelSettings(device="cpu", dtype="float32", lora=LoraSettings(r=16, alpha=32, dropout=0.0))
    base = {"num_generations": 4, "max_completion_length": 48, "max_steps": steps, "save_steps": 10_000,
            "learning_rate": 1e-5, "curriculum": "mixed", "seed": 0, "resume": False}
    settings = LadderGRPOSettings(**{**base, **option})
    out = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=work))
    cpu = StepCPU()
    t0 = time.perf_counter()
    train_ladder_grpo(model, settings, data, out, resume=False, callbacks=[cpu])
    wall = time.perf_counter() - t0
    logs = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    train = [r for r in logs if "step_time" in r]
    return {"step_times": [r["step_time"] for r in train], "step_cpu_s": cpu.seconds, "lengths": [r.get("completions/mean_length") for r in train],
            "completions_per_step": settings.per_device_train_batch_size * settings.gradient_accumulation_steps,
            "rewards": [r.get("reward") for r in train], "kl": [r.get("kl") for r in train], "wall_s": round(wall, 1)}


def summarize(name: str, runs: list[dict]) -> dict:
    """Median over rounds of the per-round mean step time (warm-up step dropped) -> completions/s, tokens/s."""
    per_round = [statistics.mean(r["step_times"][1:]) for r in runs if len(r["step_times"]) > 1]
    cpu_round = [statistics.mean(r["step_cpu_s"][1:]) for r in runs if len(r["step_cpu_s"]) > 1]
    step = statistics.median(per_round)
    cpu = statistics.median(cpu_round)
    n = runs[0]["completions_per_step"]
    length = statistics.mean(x for r in runs for x in r["lengths"][1:] if x is not None)
    kls = [x for r in runs for x in r["kl"] if x is not None]
    return {"option": name, "settings": OPTIONS[name], "median_step_s": round(step, 3),
            "completions_per_s": round(n / step, 3), "tokens_per_s": round(n * length / step, 1),
            "median_step_cpu_s": round(cpu, 3), "completions_per_cpu_s": round(n / cpu, 4),
            "mean_completion_length": round(length, 1), "rounds": [round(x, 3) for x in per_round],
            "rounds_cpu_s": [round(x, 3) for x in cpu_round], "mean_kl": statistics.mean(kls) if kls else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--options", default=",".join(OPTIONS))
    ap.add_argument("--out", default="bench/results/grpo_throughput.json")
    args = ap.parse_args()
    chosen = args.options.split(",")
    data = rows()
    work = Path(tempfile.mkdtemp(prefix="grpo-throughput-"))
    raw: dict[str, list[dict]] = {n: [] for n in chosen}
    partial = Path(args.out).with_suffix(".partial.json")
    partial.parent.mkdir(parents=True, exist_ok=True)
    for r in range(args.rounds):
        for name in chosen:
            raw[name].append(run_option(name, OPTIONS[name], data, args.steps, work))
            print(f"round {r + 1} {name}: steps {raw[name][-1]['step_times']} cpu {raw[name][-1]['step_cpu_s']}",
                  file=sys.stderr)
            partial.write_text(json.dumps(raw))  # a crash later keeps what was measured
    table = [summarize(n, raw[n]) for n in chosen]
    base = next(t for t in table if t["option"] == "baseline")["completions_per_s"] if "baseline" in chosen else None
    base_cpu = next(t for t in table if t["option"] == "baseline")["completions_per_cpu_s"] if base else None
    for t in table:
        t["speedup_vs_baseline"] = round(t["completions_per_s"] / base, 3) if base else None
        t["cpu_speedup_vs_baseline"] = round(t["completions_per_cpu_s"] / base_cpu, 3) if base_cpu else None
    result = {"benchmark": "grpo_throughput", "steps": args.steps, "rounds": args.rounds, "rows": len(data),
              "table": table, "raw": raw, "machine": machine_info(),
              "departures_from_paper": {"beta": "beta 0 (no KL anchor) in the *beta0* options; the paper uses 0.001"}}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1))
    for t in table:
        print(f"{t['option']:24s} {t['completions_per_s']:7.3f} completions/s {t['tokens_per_s']:7.1f} tok/s "
              f"x{t['speedup_vs_baseline']} (CPU time: {t['completions_per_cpu_s']:.4f}/cpu-s x{t['cpu_speedup_vs_baseline']})")
    partial.unlink(missing_ok=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
