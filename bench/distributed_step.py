"""Step time of 2-process data parallel (accelerate, gloo on CPU) against 1 process, side by side in one run.

Runs tests/dist_worker.py (2 SFT + 2 GRPO steps on the embedded model, 1 torch thread per process, the same
per-device batch) once as a plain process and once under ``accelerate launch`` with 2 processes; the 2-process
run handles twice the examples per step. Reports seconds per step (wall, from the trainers) and the CPU time
of each whole run (children included), as JSON: ``python bench/distributed_step.py [--out FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine_info  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def run(launcher: list[str], out: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE",
           "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([*launcher, str(REPO / "tests" / "dist_worker.py"), str(out)], env=env, cwd=REPO, check=True,
                   capture_output=True, timeout=900)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    trace = json.loads((out / "trace" / "rank-0.json").read_text())
    return {"processes": trace["world"], "wall_s": round(time.perf_counter() - t0, 1),
            "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
            "grpo_s_per_step": trace["grpo_step_time_s"], "sft_train_s_per_step": trace["sft_train_s_per_step"],
            "completions_per_grpo_step": 4 * trace["world"], "sft_examples_per_step": trace["world"]}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=str(REPO / "bench" / "distributed_step.json"))
    args = p.parse_args()
    accelerate = str(Path(sys.executable).with_name("accelerate"))
    with tempfile.TemporaryDirectory() as tmp:
        one = run([sys.executable], Path(tmp) / "one")
        two = run([accelerate, "launch", "--config_file", str(REPO / "configs/accelerate/cpu_2proc.yaml")],
                  Path(tmp) / "two")
    result = {"one_process": one, "two_processes": two,
              "grpo_step_ratio_2v1": round(two["grpo_s_per_step"] / one["grpo_s_per_step"], 2),
              "sft_step_ratio_2v1": round(two["sft_train_s_per_step"] / one["sft_train_s_per_step"], 2),
              "machine": machine_info()}
    Path(args.out).write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
