"""PPO on Regime W rollouts (seed 002, phase 4): offline, one arm's response per question per batch.

The policy starts from the SFT model. On full-precision models the SFT adapter is merged into the weights and
a fresh LoRA is trained on top, so the KL reference (the adapter switched off) is the SFT model, as in the seed.
On 4-bit models merging is lossy, so the SFT adapter itself is trained further and the reference is the base.
The saved PPO adapter records which adapters it sits on (``stack.json``) for evaluation.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ladderlib.config.model import ModelSettings
from ladderlib.config.ppo import PPOConfig
from ladderlib.io import atomic_replace_dir, atomic_write_json


def offline_batches(rows: Sequence[dict[str, Any]], n_steps: int, batch_size: int, seed: int) -> list[list[dict[str, Any]]]:
    """``n_steps`` batches of ``{question, arm, response, reward}``: each picks questions and one random arm per question."""
    rng = random.Random(seed)
    usable = [r for r in rows if r.get("arm_outputs")]
    if not usable:
        raise ValueError("no Regime W rollouts with arm outputs to train on: run 05_regime_w_rollouts first")
    order: list[dict[str, Any]] = []
    batches = []
    for _ in range(n_steps):
        batch = []
        for _ in range(batch_size):
            if not order:
                order = list(usable)
                rng.shuffle(order)
            row = order.pop()
            arm = rng.choice(row["arm_outputs"])
            batch.append({"question": row["question"], "arm": arm, "response": arm["full_text"], "reward": float(row["reward"])})
        batches.append(batch)
    return batches


def _policy(model_settings: ModelSettings, sft_adapter: Path | None) -> tuple[Any, Any, list[str]]:
    """The PPO policy (PEFT model) and the adapters already merged below it."""
    from peft import PeftModel

    from ladderlib.models import add_lora, load_model

    model, tok = load_model(model_settings)
    if sft_adapter is None:
        return add_lora(model, model_settings), tok, []
    if model_settings.quantization == "4bit":
        return PeftModel.from_pretrained(model, str(sft_adapter), is_trainable=True), tok, []
    merged = PeftModel.from_pretrained(model, str(sft_adapter), is_trainable=False).merge_and_unload()
    return add_lora(merged, model_settings), tok, [str(sft_adapter)]


def train_ppo_on_rollouts(
    model_settings: ModelSettings,
    ppo: PPOConfig,
    rollouts: Sequence[dict[str, Any]],
    out_dir: str | Path,
    *,
    n_steps: int,
    sft_adapter: str | Path | None = None,
) -> dict[str, Any]:
    """Run ``n_steps`` offline PPO steps on Regime W rollouts into ``out_dir`` (``trainer/``, ``adapter/``,
    ``summary.json``).

    Resumes from the newest committed PPO checkpoint in ``out_dir`` when one exists. Returns the per-step stats
    and paths.
    """
    import torch

    from ladderlib.models.generation import Chat, encode
    from ladderlib.regime_w.arms import build_arms, user_prompt
    from ladderlib.rl.ppo import PPOTrainer

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sft = Path(sft_adapter) if sft_adapter else None
    model, tok, merged = _policy(model_settings, sft)
    trainer = PPOTrainer(model, ppo, tokenizer=tok, output_dir=out_dir / "trainer")
    start = trainer.resume()
    systems = {a.id: a.system_prompt for a in build_arms()}
    batches = offline_batches(rollouts, n_steps, ppo.batch_size, ppo.seed)
    stats = []
    from tqdm.auto import tqdm

    for batch in tqdm(batches[start:], desc="PPO", unit="step", initial=start, total=len(batches)):
        queries, responses, scores = [], [], []
        for rec in batch:
            prompt = Chat(user_prompt(rec["question"]), systems.get(rec["arm"]["arm_id"]))
            queries.append(torch.tensor(encode(tok, prompt), dtype=torch.long))
            responses.append(trainer.encode_response(rec["response"]))
            scores.append(rec["reward"])
        stats.append(trainer.step(queries, responses, scores))
    trainer.save_checkpoint()
    trainer.close()
    adapter_dir = out_dir / "adapter"
    tmp = out_dir / ".adapter.tmp"
    trainer.model.pretrained_model.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    (tmp / "stack.json").write_text(json.dumps({"merged_below": merged, "base": model_settings.name}, indent=2))
    atomic_replace_dir(tmp, adapter_dir)
    summary = {
        "steps": trainer.step_count,
        "resumed_from_step": start,
        "adapter": str(adapter_dir),
        "stack": merged,
        "final": stats[-1] if stats else None,
    }
    atomic_write_json(out_dir / "summary.json", summary)
    return {"stats": stats, **summary}


def ppo_adapter_stack(adapter_dir: str | Path) -> list[str]:
    """The adapters to merge, in order, to rebuild the PPO policy (SFT below it when it was merged)."""
    adapter_dir = Path(adapter_dir)
    stack = json.loads((adapter_dir / "stack.json").read_text())["merged_below"]
    return [*stack, str(adapter_dir)]
