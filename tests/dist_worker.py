"""One process of the distributed test (``accelerate launch --num_processes 2 --cpu tests/dist_worker.py OUT``,
or plain ``python`` for one process): 2 SFT steps and 2 GRPO steps on the embedded model through the library,
with a trace of what this rank saw (the GRPO rows its reward graded, a checksum of its LoRA weights after every
step) written to ``OUT/trace/rank-N.json``. Not a test module: tests/test_distributed.py launches it."""

from __future__ import annotations

import hashlib
import json
import random
import sys
import time
from pathlib import Path

from transformers import TrainerCallback

from ladderlib.config.ladder import LadderGRPOSettings
from ladderlib.config.model import LoraSettings, ModelSettings
from ladderlib.config.sft import SFTSettings
from ladderlib.models.loader import load_model
from ladderlib.tasks import IntegralsTask
from ladderlib.train.distributed import rank, world_size
from ladderlib.train.grpo import TaskRewards, task_dataset, train_grpo
from ladderlib.train.sft import task_examples, train_adapter

MODEL = ModelSettings(name="embedded", device="cpu", dtype="float32",
                      lora=LoraSettings(r=4, alpha=8, target_modules=["q_proj", "v_proj"]))
ROWS = [{"integrand": i, "antiderivative": a} for i, a in
        [("2*x", "x**2"), ("cos(x)", "sin(x)"), ("exp(x)", "exp(x)"), ("3*x**2", "x**3"),
         ("sin(x)", "-cos(x)"), ("4*x**3", "x**4"), ("1/x", "log(x)"), ("2*exp(2*x)", "exp(2*x)")]]


class WeightTrace(TrainerCallback):
    """Checksums of the trainable (LoRA) weights after each optimizer step."""

    def __init__(self, sink: list) -> None:
        self.sink = sink

    def on_step_end(self, args, state, control, model=None, **kw):  # noqa: ANN001
        h = hashlib.sha256()
        for name, p in sorted(model.named_parameters()):
            if p.requires_grad:
                h.update(name.encode())
                h.update(p.detach().cpu().numpy().tobytes())
        self.sink.append({"step": int(state.global_step), "sha": h.hexdigest()})
        return control


def main(out: Path, grpo_steps: int = 2) -> None:
    task = IntegralsTask()
    trace = {"rank": rank(), "world": world_size(), "sft": [], "grpo": [], "graded": []}
    sft = SFTSettings(max_steps=2, per_device_train_batch_size=1, gradient_accumulation_steps=1, max_length=128,
                      logging_steps=1, lora=LoraSettings(r=4, alpha=8, target_modules=["q_proj", "v_proj"]))
    t0 = time.perf_counter()
    s = train_adapter(MODEL, sft, task_examples(task, ROWS), out / "sft_adapter", callbacks=[WeightTrace(trace["sft"])])
    trace["sft_s_per_step"] = (time.perf_counter() - t0) / s["steps"]
    trace["sft_train_s_per_step"] = s["train_runtime_s"] / s["steps"]

    correctness = TaskRewards(task).functions()[0]

    def recorded(prompts, completions, row, **kw):  # noqa: ANN001
        trace["graded"] += [json.loads(r)["integrand"] for r in row]
        return correctness(prompts, completions, row, **kw)

    recorded.__name__ = correctness.__name__
    noise = random.Random(1000 + rank())  # a different reward on each rank: identical weights need a real all-reduce

    def rank_noise(prompts, completions, **kw):  # noqa: ANN001
        return [noise.random() for _ in completions]

    settings = LadderGRPOSettings(num_generations=2, per_device_train_batch_size=2, max_completion_length=8,
                                  max_steps=grpo_steps, save_steps=1, logging_steps=1, torch_threads=1)
    summary = train_grpo(MODEL, settings, task_dataset(task, ROWS), [recorded, rank_noise], out / "grpo",
                         fingerprint={"test": "distributed"}, load_policy=lambda: load_model(MODEL),
                         callbacks=[WeightTrace(trace["grpo"])])
    trace["grpo_step_time_s"] = summary["step_time_s"]
    trace["grpo_resumed_from"] = summary["resumed_from"]
    (out / "trace").mkdir(parents=True, exist_ok=True)
    (out / "trace" / f"rank-{rank()}.json").write_text(json.dumps(trace))


if __name__ == "__main__":
    main(Path(sys.argv[1]), *(int(a) for a in sys.argv[2:3]))
