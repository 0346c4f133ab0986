"""Slow integration: PPO with LoRA on the embedded SmolLM2-135M-Instruct (real tokenizer and chat template), save and resume."""

from __future__ import annotations

import pytest
import torch


pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("one_thread")]


def _load():
    from ladderlib.config.model import LoraSettings, ModelSettings
    from ladderlib.models import load_model
    from ladderlib.models.lora import add_lora

    try:
        settings = ModelSettings(
            name="embedded", device="cpu", dtype="float32", lora=LoraSettings(r=8, alpha=16, target_modules=["q_proj", "v_proj"])
        )
        model, tok = load_model(settings)
    except Exception as exc:  # noqa: BLE001 - the embedded model package may be absent
        pytest.skip(f"embedded model unavailable: {exc}")
    torch.manual_seed(0)
    return add_lora(model, settings), tok


def test_online_ppo_step_on_embedded_model_and_resume(tmp_path):
    from ladderlib.config.ppo import PPOConfig
    from ladderlib.rl import PPOTrainer

    model, tok = _load()
    cfg = PPOConfig(learning_rate=1e-4, batch_size=2, mini_batch_size=2, ppo_epochs=1, max_new_tokens=4, save_every=1)
    trainer = PPOTrainer(model, cfg, tokenizer=tok, output_dir=tmp_path)
    assert trainer.ref_model is None

    def reward_fn(prompts, completions):
        return [1.0 if "4" in c else 0.0 for c in completions]

    prompts = ["What is 2 + 2? Answer with a number.", "What is 3 + 1?"]
    stats = trainer.generate_and_step(prompts, reward_fn)
    assert abs(stats["kl"]) < 1e-4  # fresh LoRA: policy == reference
    assert 1 <= stats["response_length"] <= 4
    assert all(isinstance(r["completion"], str) for r in trainer.last_rollout)
    stats2 = trainer.generate_and_step(prompts, reward_fn)
    assert stats2["step"] == 2
    saved = {n: p.detach().clone() for n, p in trainer.model.named_parameters() if p.requires_grad}

    model2, _ = _load()
    resumed = PPOTrainer(model2, cfg, tokenizer=tok, output_dir=tmp_path)
    assert resumed.resume() == 2
    for n, p in resumed.model.named_parameters():
        if p.requires_grad:
            assert torch.equal(p, saved[n]), n
    assert resumed.generate_and_step(prompts, reward_fn)["step"] == 3
