"""Solve new problems with a trained planner adapter and the frozen worker (seed 001's ``inference_vllm.py``).

Two engines run the same pipeline (``ladderlib.planner.pipeline``):

* ``hf``: one transformers model with the planner LoRA attached; plans are generated with the adapter on,
  the worker runs with it disabled (no second copy of the model). Works everywhere, CPU included.
* ``vllm`` (CUDA only): ``vllm.LLM(model, enable_lora=True)`` serves both roles; plans are generated with a
  ``LoRARequest`` for the planner adapter, worker calls with no LoRA, i.e. the base model. vLLM is not a
  dependency of this project: it is imported only on this path, and asking for it without vLLM installed fails
  with a message saying so. The model is vLLM's own full-precision load of ``model.name`` (no 4-bit, no Unsloth).

``engine="auto"`` picks vLLM when a CUDA GPU is present and vLLM is importable, else ``hf``. Greedy decoding by
default, so results are reproducible. An unparsable plan falls back to solving the problem directly.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from ladderlib.config.schema import ModelSettings
from ladderlib.planner.pipeline import PipelineResult, execute_plans
from ladderlib.planner.worker import FrozenWorker, WorkerOutput
from ladderlib.train.config import PLANNER_SYSTEM_PROMPT

__all__ = ["Engine", "resolve_engine", "solve"]

Engine = Literal["auto", "hf", "vllm"]
_VLLM_LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)


def resolve_engine(engine: Engine = "auto") -> str:
    """``hf`` or ``vllm``: ``auto`` means vLLM on a CUDA machine that has it; ``vllm`` without it is an error."""
    has_vllm = importlib.util.find_spec("vllm") is not None
    if engine == "vllm":
        if not has_vllm:
            raise RuntimeError(
                "engine 'vllm' needs the vllm package, which is not installed (pip install vllm, on a CUDA GPU); "
                "use engine 'hf' for transformers generation"
            )
        return "vllm"
    if engine == "auto":
        import torch

        return "vllm" if has_vllm and torch.cuda.is_available() else "hf"
    if engine != "hf":
        raise ValueError(f"unknown engine {engine!r}: use 'auto', 'hf' or 'vllm'")
    return "hf"


def _check_adapter(adapter_path: str | Path) -> Path:
    """The adapter folder, or a clear error when it holds no LoRA adapter."""
    path = Path(adapter_path).expanduser()
    if not (path / "adapter_config.json").is_file():
        raise FileNotFoundError(f"no LoRA adapter at {path} (adapter_config.json missing): train the planner first")
    return path


def solve(
    problems: Sequence[str],
    model_settings: ModelSettings | None = None,
    adapter_path: str | Path | None = None,
    *,
    golds: Sequence[str | None] | None = None,
    engine: Engine = "auto",
    max_plan_tokens: int = 256,
    worker_max_new_tokens: int = 256,
    max_subproblems: int = 4,
    temperature: float = 0.0,
    system_prompt: str = PLANNER_SYSTEM_PROMPT,
    embedding_model: str | None = "embedded",
    batch_size: int = 8,
    model: Any = None,
    tokenizer: Any = None,
) -> list[PipelineResult]:
    """Plan with the adapter, execute with the frozen worker; one ``PipelineResult`` per problem.

    ``golds`` (bare answers or GSM8K answer fields) fill ``correct``; ``embedding_model`` None skips independence.
    An already loaded ``model`` (a PEFT model carrying the planner adapter) and ``tokenizer`` may be passed
    instead of ``adapter_path`` (hf engine only).
    """
    settings = model_settings or ModelSettings()
    questions = [str(p) for p in problems]
    if not questions:
        return []
    scorer = None if embedding_model is None else _scorer(embedding_model)
    if model is None and adapter_path is None:
        raise ValueError("solve needs adapter_path (the trained planner LoRA) or a loaded model carrying it")
    chosen = resolve_engine(engine) if model is None else "hf"
    if chosen == "vllm":
        planner_out, worker = _vllm_plans(settings, _check_adapter(adapter_path), questions, system_prompt,
                                          max_plan_tokens, temperature, worker_max_new_tokens)
    else:
        if model is None:
            from ladderlib.models import load_model

            model, tokenizer = load_model(settings, adapter_path=_check_adapter(adapter_path))
        from ladderlib.models.generation import generate

        texts = generate(model, tokenizer, questions, max_new_tokens=max_plan_tokens, temperature=temperature,
                         batch_size=batch_size, system=system_prompt)
        worker = FrozenWorker(model, tokenizer, max_new_tokens=worker_max_new_tokens, batch_size=batch_size)
        planner_out = [(t, worker.count_tokens(t)) for t in texts]
    return execute_plans(
        worker,
        questions,
        [t for t, _ in planner_out],
        None if golds is None else list(golds),
        [n for _, n in planner_out],
        max_subproblems=max_subproblems,
        independence_fn=scorer,
        on_unparsable="direct",
    )


def _scorer(embedding_model: str) -> Any:
    """Independence scorer bound to one embedding model (loaded on first use)."""
    from ladderlib.planner.independence import independence

    return functools.partial(independence, model=embedding_model)


# --- vLLM ---------------------------------------------------------------------------------------------------


class _VLLMWorker(FrozenWorker):
    """The frozen worker on a ``vllm.LLM``: chat requests with no LoRA (the base model); exact token counts."""

    def __init__(self, llm: Any, max_new_tokens: int) -> None:
        super().__init__(None, llm.get_tokenizer(), max_new_tokens=max_new_tokens)
        self.llm = llm

    def complete(self, messages: Sequence[str]) -> list[WorkerOutput]:
        from vllm import SamplingParams

        from ladderlib.evaluate.answers import extract_answer

        if not messages:
            return []
        chats = [[{"role": "system", "content": self.system}, {"role": "user", "content": m}] for m in messages]
        outs = self.llm.chat(chats, SamplingParams(temperature=0.0, max_tokens=self.max_new_tokens), use_tqdm=False)
        firsts = [o.outputs[0] for o in outs]
        return [WorkerOutput(c.text, len(c.token_ids), extract_answer(c.text)) for c in firsts]


def _vllm_plans(
    settings: ModelSettings,
    adapter: Path,
    questions: Sequence[str],
    system_prompt: str,
    max_plan_tokens: int,
    temperature: float,
    worker_max_new_tokens: int,
) -> tuple[list[tuple[str, int]], FrozenWorker]:
    """Plans from vLLM with the planner LoRA, and a vLLM-backed worker on the same engine."""
    try:
        from vllm import LLM, SamplingParams
        from vllm.lora.request import LoRARequest
    except ImportError as exc:  # find_spec said yes but the import failed (CUDA/driver mismatch, ...)
        raise RuntimeError(f"vllm is installed but could not be imported: {exc}") from exc
    from ladderlib.models.loader import resolve_source

    source, _ = resolve_source(settings.name)
    rank = int(json.loads((adapter / "adapter_config.json").read_text()).get("r", 16))
    max_rank = next((r for r in _VLLM_LORA_RANKS if r >= rank), rank)
    dtype = "auto" if settings.dtype == "auto" else settings.dtype
    llm = LLM(model=source, enable_lora=True, max_lora_rank=max_rank, max_loras=1, dtype=dtype,
              max_model_len=settings.max_seq_length, revision=settings.revision)
    chats = [[{"role": "system", "content": system_prompt}, {"role": "user", "content": q.strip()}] for q in questions]
    outs = llm.chat(chats, SamplingParams(temperature=temperature, max_tokens=max_plan_tokens),
                    lora_request=LoRARequest("planner", 1, str(adapter)), use_tqdm=False)
    plans = [(o.outputs[0].text, len(o.outputs[0].token_ids)) for o in outs]
    return plans, _VLLMWorker(llm, worker_max_new_tokens)
