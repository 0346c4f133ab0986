"""``ladder serve``: an OpenAI-compatible server for a base model and a trained LoRA adapter (seed 001's vLLM
serving), by running ``vllm serve`` (or ``trl vllm-serve``, the generation server of TRL's GRPO server mode).

    ladder serve --model Qwen/Qwen2.5-1.5B-Instruct --adapter runs/x/planner_adapter [--name planner] [--port 8000]
    ladder serve --trl --model Qwen/Qwen2.5-1.5B-Instruct        # then GRPO with use_vllm, vllm_mode=server
    ladder serve ... --print                                      # show the command, start nothing

Clients then use ``--base-url http://HOST:PORT/v1`` (``ladder plan-solve``) and address the adapter by its
``--name``. vLLM needs a CUDA GPU and is not a dependency of this project; without it the command exits 2
saying so (``--print`` still works).
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)  # the max_lora_rank values vLLM accepts


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``serve`` sub-command."""
    p = sub.add_parser("serve", help="OpenAI-compatible vLLM server for a model + LoRA adapter (GPU)")
    p.add_argument("--model", required=True, help="base model: a hub id or a local folder")
    p.add_argument("--adapter", action="append", default=[], help="LoRA adapter folder (repeatable)")
    p.add_argument("--name", action="append", default=[], help="served name of each --adapter (default: planner, adapter2, ...)")
    p.add_argument("--host", default="0.0.0.0")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--trl", action="store_true", help="run `trl vllm-serve` (GRPO server mode) instead of `vllm serve`")
    p.add_argument("--tensor-parallel-size", type=int, default=1)
    p.add_argument("--gpu-memory-utilization", type=float, default=0.9)
    p.add_argument("--max-model-len", type=int)
    p.add_argument("--print", dest="print_only", action="store_true", help="print the command and exit")
    p.set_defaults(func=run)


def adapter_rank(adapter: str | Path) -> int:
    """The LoRA rank ``r`` of an adapter folder."""
    config = Path(adapter) / "adapter_config.json"
    if not config.is_file():
        raise ValueError(f"no LoRA adapter at {adapter} (adapter_config.json missing)")
    return int(json.loads(config.read_text()).get("r", 16))


def serve_command(args: argparse.Namespace) -> list[str]:
    """The server command line for these arguments."""
    if args.trl:
        if args.adapter:
            raise ValueError("--trl serves the base model for GRPO training (TRL syncs the weights); drop --adapter")
        cmd = ["trl", "vllm-serve", "--model", args.model, "--host", args.host, "--port", str(args.port),
               "--tensor_parallel_size", str(args.tensor_parallel_size),
               "--gpu_memory_utilization", str(args.gpu_memory_utilization)]
        return cmd + (["--max_model_len", str(args.max_model_len)] if args.max_model_len else [])
    cmd = ["vllm", "serve", args.model, "--host", args.host, "--port", str(args.port),
           "--tensor-parallel-size", str(args.tensor_parallel_size),
           "--gpu-memory-utilization", str(args.gpu_memory_utilization)]
    if args.max_model_len:
        cmd += ["--max-model-len", str(args.max_model_len)]
    if args.adapter:
        names = list(args.name) + ["planner" if i == 0 else f"adapter{i + 1}" for i in range(len(args.name), len(args.adapter))]
        rank = max(adapter_rank(a) for a in args.adapter)
        cmd += ["--enable-lora", "--max-loras", str(len(args.adapter)),
                "--max-lora-rank", str(next((r for r in LORA_RANKS if r >= rank), rank)),
                "--lora-modules", *[f"{n}={Path(a).resolve()}" for n, a in zip(names, args.adapter)]]
    return cmd


def run(args: argparse.Namespace) -> int:
    """Start the server (blocking) or, with ``--print``, print its command; exit 2 on unusable input or no vLLM."""
    try:
        if len(args.name) > len(args.adapter):
            raise ValueError(f"{len(args.name)} --name for {len(args.adapter)} --adapter")
        cmd = serve_command(args)
    except ValueError as exc:
        print(f"ladder serve: {exc}", file=sys.stderr)
        return 2
    if args.print_only:
        print(shlex.join(cmd))
        return 0
    if shutil.which(cmd[0]) is None:
        print(f"ladder serve: `{cmd[0]}` is not installed here; vLLM needs a CUDA GPU (pip install vllm"
              f"{' trl' if args.trl else ''} on the GPU machine). The command would be:\n  {shlex.join(cmd)}",
              file=sys.stderr)
        return 2
    return subprocess.call(cmd)
