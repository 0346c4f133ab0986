"""GPU-path checks for a lent CUDA machine (not part of CI): QLoRA loading and training, fp16 and bf16 SFT,
GRPO (LADDER rewards) and planner GRPO on CUDA, with a tiny randomly initialised Llama-architecture model that
uses SmolLM2's tokenizer (the real model is too large to carry). Writes one JSON report.

    python tools/gpu_check.py --model DIR --out report.json        # on the GPU machine
    python tools/gpu_check.py --make-model DIR                      # here: build the tiny model once
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def make_model(path: Path) -> None:
    """A 2-layer, 64-wide Llama with SmolLM2's tokenizer and chat template, saved in bf16."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from ladderlib.models.embedded import ensure_converted

    src = ensure_converted()
    tok = AutoTokenizer.from_pretrained(src)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                      tie_word_embeddings=True, bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                      pad_token_id=tok.pad_token_id)
    torch.manual_seed(0)
    LlamaForCausalLM(cfg).to(torch.bfloat16).save_pretrained(path)
    tok.save_pretrained(path)


def check(name: str, report: dict, fn) -> None:
    t0 = time.perf_counter()
    try:
        report[name] = {"ok": True, **(fn() or {})}
    except Exception as exc:  # report every failure, keep going
        report[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}", "trace": traceback.format_exc()[-3000:]}
    report[name]["seconds"] = round(time.perf_counter() - t0, 2)
    print(name, json.dumps({k: v for k, v in report[name].items() if k != "trace"})[:600], flush=True)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--model")
    p.add_argument("--out", default="gpu_check.json")
    p.add_argument("--make-model")
    args = p.parse_args()
    if args.make_model:
        make_model(Path(args.make_model))
        return 0

    import torch

    from ladderlib.config.ladder import LadderGRPOSettings
    from ladderlib.config.model import LoraSettings, ModelSettings
    from ladderlib.config.sft import SFTSettings
    from ladderlib.ladder.grpo import train_ladder_grpo
    from ladderlib.train.sft import precision_plan, train_adapter

    work = Path(os.environ.get("OUT", ".")) / "work"
    lora = LoraSettings(r=8, alpha=16, dropout=0.0, target_modules="all-linear")
    report: dict = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
                    "cuda": torch.version.cuda, "bf16_supported": torch.cuda.is_bf16_supported()}
    for mod in ("transformers", "trl", "peft", "bitsandbytes", "accelerate"):
        try:
            report[mod] = __import__(mod).__version__
        except Exception as exc:
            report[mod] = f"missing: {exc}"
    ms = {
        "bf16": ModelSettings(name=args.model, device="cuda", dtype="bfloat16", lora=lora),
        "qlora_bf16": ModelSettings(name=args.model, device="cuda", dtype="bfloat16", quantization="4bit", lora=lora),
        "qlora_fp16": ModelSettings(name=args.model, device="cuda", dtype="float16", quantization="4bit", lora=lora),
    }
    rows = [{"question": "Tom has 3 apples and buys 2 more. How many apples?", "answer": "3+2=5\n#### 5",
             "solution": "3+2=5", "id": str(i)} for i in range(8)]
    sft_examples = [{"prompt": [{"role": "user", "content": "What is 2+3?"}],
                     "completion": [{"role": "assistant", "content": "#### 5"}]}] * 8

    def load_4bit():
        import bitsandbytes as bnb

        from ladderlib.models import Engine, Sampling, load_model

        model, tok = load_model(ms["qlora_bf16"])
        n4 = sum(isinstance(m, bnb.nn.Linear4bit) for m in model.modules())
        assert n4 > 0, "no 4-bit layers after loading with quantization: 4bit"
        out = Engine(model, tok)(["Integrate 2*x."], Sampling(max_new_tokens=8))
        mem = torch.cuda.max_memory_allocated() / 2**20
        return {"linear4bit_layers": n4, "device": str(next(model.parameters()).device), "sample": out[0][:40],
                "max_mem_mib": round(mem, 1)}

    def sft(kind):
        def run():
            s = SFTSettings(lora=lora, max_steps=3, per_device_train_batch_size=2, gradient_accumulation_steps=1,
                            logging_steps=1, learning_rate=1e-3)
            plan = precision_plan(ms[kind], s)
            m = train_adapter(ms[kind], s, sft_examples, work / f"sft_{kind}")
            losses = [p["loss"] for p in m["loss_curve"]]
            assert all(l == l and l < 1e6 for l in losses), losses  # finite
            return {"plan": plan, "steps": m["steps"], "losses": losses}
        return run

    def grpo(kind):
        def run():
            s = LadderGRPOSettings(num_generations=4, per_device_train_batch_size=4, max_completion_length=16, max_steps=2,
                             save_steps=1, learning_rate=1e-4, warmup_sft_steps=2, warmup_batch_size=2, eval_max_new_tokens=8)
            data = [{"integrand": "2*x", "difficulty": 1.0, "antiderivative": "x**2"},
                    {"integrand": "cos(x)", "difficulty": 2.0, "antiderivative": "sin(x)"}]
            summ = train_ladder_grpo(ms[kind], s, data, work / f"grpo_{kind}", eval_rows=[{"integrand": "3*x**2"}])
            return {k: summ[k] for k in ("steps", "train_runtime_s", "heldout_after")}
        return run

    def planner():
        from ladderlib.config.planner import PlannerGRPOSettings
        from ladderlib.planner.grpo import train_planner_grpo

        s = PlannerGRPOSettings(max_steps=1, num_generations=2, per_device_train_batch_size=2, max_completion_length=32,
                                worker_max_new_tokens=8, independence_weight=0.0, save_steps=1)
        summ = train_planner_grpo(ms["bf16"], s, rows, work / "planner")
        return {k: summ[k] for k in ("steps", "completions_scored", "unparsable_plans", "step_time_s")}

    check("load_4bit", report, load_4bit)
    check("sft_qlora_bf16_paged_adamw_8bit", report, sft("qlora_bf16"))
    check("sft_qlora_fp16", report, sft("qlora_fp16"))
    check("grpo_bf16", report, grpo("bf16"))
    check("grpo_qlora", report, grpo("qlora_bf16"))
    check("planner_grpo_bf16", report, planner)
    Path(args.out).write_text(json.dumps(report, indent=1))
    return 0 if all(v.get("ok") for v in report.values() if isinstance(v, dict)) else 1


if __name__ == "__main__":
    sys.exit(main())
