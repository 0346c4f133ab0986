"""Regime W phase 1 (seed 002): tutor SFT on GSM8K and the base-vs-SFT dev evaluation.

The examples are the ``gsm8k`` task's own prompts and reference solutions (tutor system prompt, step-by-step
solution ending in ``#### <answer>``), so SFT trains exactly the format that PPO and the evaluation read.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ladderlib.config.model import ModelSettings
from ladderlib.config.sft import SFTSettings


def tutor_examples(rows: Sequence[dict[str, Any]], system_prompt: str) -> list[dict[str, Any]]:
    """Conversational prompt/completion examples from GSM8K rows (run-folder rows or raw ``{question, answer}``)."""
    from ladderlib.tasks.gsm8k import GSM8KTask
    from ladderlib.train.sft import task_examples

    return task_examples(GSM8KTask(system_prompt=system_prompt), rows)


def train_tutor_sft(
    model_settings: ModelSettings,
    sft: SFTSettings,
    rows: Sequence[dict[str, Any]],
    adapter_dir: str | Path,
    callbacks: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """Train the tutor LoRA on the first ``sft.max_train_examples`` rows into ``adapter_dir``; returns its metrics."""
    from ladderlib.train.sft import train_adapter

    examples = tutor_examples(list(rows)[: sft.max_train_examples], sft.system_prompt)
    return train_adapter(model_settings, sft, examples, adapter_dir, callbacks)


def dev_eval(
    model_settings: ModelSettings,
    sft: SFTSettings,
    adapter: str | Path,
    rows: Sequence[dict[str, Any]],
    out_dir: str | Path | None = None,
) -> dict[str, Any]:
    """Base vs SFT accuracy (Wilson 95% CI) on ``sft.eval_examples`` rows, greedy, in the training prompt format.

    One model is loaded with the adapter; "base" generates with the adapter switched off. Returns
    ``{table, adapter_path, runtime_s}``; per-example records go to ``out_dir`` when given.
    """
    from ladderlib.evaluate.run import evaluate_task, results_table
    from ladderlib.models.generation import Engine, Sampling
    from ladderlib.models.loader import load_model
    from ladderlib.tasks.gsm8k import GSM8KTask

    adapter = Path(adapter)
    if not (adapter / "adapter_config.json").is_file():
        raise FileNotFoundError(f"no LoRA adapter at {adapter}: run the SFT training first")
    rows = list(rows)[: sft.eval_examples]
    t0 = time.perf_counter()
    model, tokenizer = load_model(model_settings, adapter_path=adapter)
    task = GSM8KTask(system_prompt=sft.system_prompt)
    sampling = Sampling(max_new_tokens=sft.eval_max_new_tokens)
    results = [
        evaluate_task(task, Engine(model, tokenizer, batch_size=sft.eval_batch_size, adapter_disabled=disabled),
                      rows, sampling, name=name, out_dir=out_dir)
        for name, disabled in (("base", True), ("sft", False))
    ]
    del model
    gc.collect()
    return {"table": results_table(results), "adapter_path": str(adapter), "runtime_s": round(time.perf_counter() - t0, 2)}
