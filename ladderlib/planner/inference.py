"""Solve new problems with a trained planner adapter and the frozen worker (seed 001's ``inference_vllm.py``).

Two engines run the same pipeline (``ladderlib.planner.pipeline``):

* ``hf``: one transformers model with the planner LoRA attached; plans are generated with the adapter on,
  the worker runs with it disabled (no second copy of the model). Works everywhere, CPU included.
* ``vllm`` (CUDA only): one ``vllm.LLM(model, enable_lora=True)`` serves both roles through
  ``ladderlib.models.vllm_engine``; plans are generated with a ``LoRARequest`` for the planner adapter, worker
  calls with no LoRA, i.e. the base model. The model is vLLM's own full-precision load of ``model.name``.

``engine="auto"`` picks vLLM when a CUDA GPU is present and vLLM is importable, else ``hf``. Greedy decoding by
default, so results are reproducible. An unparsable plan falls back to solving the problem directly.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from ladderlib.config.model import ModelSettings
from ladderlib.planner.pipeline import PipelineResult, execute_plans
from ladderlib.config.planner import PLANNER_SYSTEM_PROMPT
from ladderlib.models.generation import Sampling
from ladderlib.planner.prompts import WORKER_SYSTEM_PROMPT
from ladderlib.planner.worker import FrozenWorker

__all__ = ["EngineName", "resolve_engine", "solve"]

EngineName = Literal["auto", "hf", "vllm"]


def resolve_engine(engine: EngineName = "auto") -> str:
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
    engine: EngineName = "auto",
    max_plan_tokens: int = 256,
    worker_max_new_tokens: int = 256,
    max_subproblems: int = 4,
    temperature: float = 0.0,
    system_prompt: str = PLANNER_SYSTEM_PROMPT,
    embedding_model: str | None = "embedded",
    batch_size: int = 8,
    model: Any = None,
    tokenizer: Any = None,
    base_url: str | None = None,
    served_model: str | None = None,
    planner_name: str = "planner",
) -> list[PipelineResult]:
    """Plan with the adapter, execute with the frozen worker; one ``PipelineResult`` per problem.

    ``golds`` (bare answers or GSM8K answer fields) fill ``correct``; ``embedding_model`` None skips independence.
    An already loaded ``model`` (a PEFT model carrying the planner adapter) and ``tokenizer`` may be passed
    instead of ``adapter_path`` (hf engine only). ``base_url`` sends both through an OpenAI-compatible server
    (``ladder serve``): plans to the served adapter ``planner_name``, worker answers to the base
    ``served_model``; ``tokenizer`` (optional) counts plan tokens locally.
    """
    settings = model_settings or ModelSettings()
    questions = [str(p) for p in problems]
    if not questions:
        return []
    scorer = None if embedding_model is None else _scorer(embedding_model)
    if base_url is not None:
        from ladderlib.models.openai_engine import OpenAIEngine

        planner: Any = OpenAIEngine(base_url, planner_name, system=system_prompt, tokenizer=tokenizer)
        worker = FrozenWorker(OpenAIEngine(base_url, served_model or settings.name, system=WORKER_SYSTEM_PROMPT,
                                           tokenizer=tokenizer), max_new_tokens=worker_max_new_tokens)
        return _plan_and_execute(planner, worker, questions, golds, max_plan_tokens, temperature, max_subproblems, scorer)
    if model is None and adapter_path is None:
        raise ValueError("solve needs adapter_path (the trained planner LoRA) or a loaded model carrying it")
    chosen = resolve_engine(engine) if model is None else "hf"
    if chosen == "vllm":
        from ladderlib.models.vllm_engine import VLLMEngine, vllm_llm

        adapter = _check_adapter(adapter_path)
        llm = vllm_llm(settings, adapter)
        planner = VLLMEngine(llm, system=system_prompt, adapter=adapter, adapter_name="planner")
        worker = FrozenWorker(VLLMEngine(llm, system=WORKER_SYSTEM_PROMPT), max_new_tokens=worker_max_new_tokens)
    else:
        from ladderlib.models.generation import Engine as HFEngine

        if model is None:
            from ladderlib.models import load_model

            model, tokenizer = load_model(settings, adapter_path=_check_adapter(adapter_path))
        planner = HFEngine(model, tokenizer, batch_size=batch_size, system=system_prompt)
        worker = FrozenWorker.from_model(model, tokenizer, max_new_tokens=worker_max_new_tokens, batch_size=batch_size)
    return _plan_and_execute(planner, worker, questions, golds, max_plan_tokens, temperature, max_subproblems, scorer)


def _plan_and_execute(planner: Any, worker: Any, questions: list[str], golds: Sequence[str | None] | None,
                      max_plan_tokens: int, temperature: float, max_subproblems: int,
                      scorer: Any) -> list[PipelineResult]:
    """Plans from ``planner``, executed by ``worker`` (any engines with ``complete``/``count_tokens``)."""
    plans = planner.complete(questions, Sampling(max_new_tokens=max_plan_tokens, temperature=temperature))
    planner_out = [(c.text, c.n_tokens) for c in plans]
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
