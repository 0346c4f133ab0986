"""Benchmark of batched generation with latent thoughts (ladderlib.latent.coconut.Coconut.generate).

The reference (facebookresearch/coconut) generates one example at a time. Here the same model (the embedded
SmolLM2-135M with the latent tokens and a fresh LoRA adapter, as ``ladderlib.latent.evaluate`` runs it) answers the
same procedural questions after the same number of continuous thoughts, with the same ``max_new_tokens``, once in a
batch-1 loop and once per batch size (8, 16) with left padding. The token ids must be identical (greedy); the JSON
records generated tokens/s, examples/s, wall and CPU seconds (``time.process_time``) and the ratios to batch 1.

Every comparison is repeated at each torch thread count (default: 1 and every core of the machine), batch 1 and the
batches under the same count, so each ratio compares like with like. The issue's target (batch 8 >= 4x batch 1) is
judged on the whole machine (``target_threads``, every core), where a user runs it; one thread is reported beside it.

    python bench/latent_bench.py [--n 32] [--thoughts 6] [--max-new-tokens 16] [--batch-sizes 8 16]
                                 [--threads 1 2] [--out bench/latent_bench.json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import machine_info  # noqa: E402


def timed(fn: Callable[[], list[list[int]]]) -> tuple[list[list[int]], float, float]:
    """(result, wall seconds, CPU seconds of this process)."""
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=32, help="prompts (procedural test questions)")
    ap.add_argument("--thoughts", type=int, default=6, help="continuous thoughts per prompt")
    ap.add_argument("--max-new-tokens", type=int, default=16, help="greedy tokens after the thoughts")
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[8, 16], help="batched runs to compare")
    ap.add_argument("--threads", type=int, nargs="+", default=sorted({1, os.cpu_count() or 1}),
                    help="torch thread counts, each measured on its own (batch 1 and every batch size)")
    ap.add_argument("--out", default=str(Path(__file__).with_suffix(".json")), help="JSON result file")
    args = ap.parse_args()

    import torch

    from ladderlib.config.model import ModelSettings
    from ladderlib.latent.data import procedural_examples, tokenize
    from ladderlib.latent.train import build

    coconut = build(ModelSettings(name="embedded", device="cpu", dtype="float32"), "coconut", seed=0)
    coconut.model.eval()
    tok = coconut.tokenizer
    _, test = procedural_examples(1, args.n, 3, 6, seed=0)
    prompts = [coconut.prompt_ids(tokenize(tok, e).question, args.thoughts) for e in test]
    gen = lambda ps: coconut.generate(ps, args.max_new_tokens)  # noqa: E731

    def compare() -> tuple[dict[str, Any], dict[str, int]]:
        """Batch 1 then every batch size at the current thread count: the runs and the identical-output counts."""
        gen(prompts[:2])  # warm-up (first-call allocations)
        ref, ref_wall, ref_cpu = timed(lambda: [gen([p])[0] for p in prompts])  # the reference's way
        n_tokens = sum(map(len, ref))
        runs: dict[str, Any] = {"1": {"wall_s": ref_wall, "cpu_s": ref_cpu, "tokens_per_s": n_tokens / ref_wall,
                                      "examples_per_s": len(prompts) / ref_wall,
                                      "tokens_per_cpu_s": n_tokens / ref_cpu, "generated_tokens": n_tokens}}
        identical = {}
        for bs in args.batch_sizes:
            out, wall, cpu = timed(lambda: [t for i in range(0, len(prompts), bs) for t in gen(prompts[i:i + bs])])
            identical[str(bs)] = sum(a == b for a, b in zip(out, ref))
            toks = sum(map(len, out))
            runs[str(bs)] = {"wall_s": wall, "cpu_s": cpu, "tokens_per_s": toks / wall,
                             "examples_per_s": len(prompts) / wall, "tokens_per_cpu_s": toks / cpu,
                             "speedup_tokens_per_s": (toks / wall) / runs["1"]["tokens_per_s"],
                             "speedup_examples_per_s": (len(prompts) / wall) / runs["1"]["examples_per_s"],
                             "speedup_per_cpu_s": (toks / cpu) / runs["1"]["tokens_per_cpu_s"],
                             "identical_outputs": identical[str(bs)]}
        return runs, identical

    by_threads: dict[str, Any] = {}
    identical: dict[str, int] = {}
    for threads in args.threads:
        torch.set_num_threads(threads)
        by_threads[str(threads)], same = compare()
        identical.update({f"{threads}:{bs}": n for bs, n in same.items()})
    target_threads = str(max(args.threads))
    target_batch = "8" if "8" in by_threads[target_threads] else None
    ratio = by_threads[target_threads][target_batch]["speedup_tokens_per_s"] if target_batch else None
    result = {
        "benchmark": "latent_bench: Coconut generation, batch-1 loop vs batched (left padding)",
        "model": "embedded SmolLM2-135M, fp32, CPU, latent tokens + fresh LoRA adapter (unmerged)",
        "threads": args.threads, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "n_prompts": len(prompts), "thoughts": args.thoughts, "max_new_tokens": args.max_new_tokens,
        "prompt_tokens": [min(map(len, prompts)), max(map(len, prompts))],
        "runs_by_threads": by_threads,
        "target": {"batch_8_over_batch_1_tokens_per_s": 4.0, "threads": int(target_threads),
                   "measured": ratio, "met": ratio is not None and ratio >= 4.0},
        "all_identical": all(v == len(prompts) for v in identical.values()),
        "example_output": tok.decode(gen(prompts[:1])[0]),
        "machine": machine_info(),
    }
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    for threads, runs in by_threads.items():
        for bs, r in runs.items():
            print(f"threads {threads} batch {bs:>2}: {r['tokens_per_s']:7.1f} tok/s {r['examples_per_s']:6.2f} ex/s "
                  f"wall {r['wall_s']:6.1f}s cpu {r['cpu_s']:6.1f}s"
                  + (f"  x{r['speedup_tokens_per_s']:.2f}  identical {r['identical_outputs']}/{len(prompts)}"
                     if bs != "1" else ""))
    if not result["all_identical"]:
        print("batched outputs differ from batch-1 outputs", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
