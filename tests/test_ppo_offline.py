"""Offline PPO on collected (prompt, response, reward) records with a tiny real tokenizer and chat template; config checks."""

from __future__ import annotations

import pytest
import torch
from pydantic import ValidationError

from ladderlib.config.ppo import PPOConfig
from ladderlib.rl import PPOTrainer
from ladderlib.rl.toy import next_token_probs, tiny_llama

WORDS = ["<pad>", "<s>", "</s>", "<unk>", *"abcdefghijkl"]  # 16 ids, "l" (15) is the assistant marker


pytestmark = pytest.mark.usefixtures("one_thread")  # conftest: torch on one thread


@pytest.fixture(scope="module")
def tokenizer():
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    tk = Tokenizer(models.WordLevel(vocab={w: i for i, w in enumerate(WORDS)}, unk_token="<unk>"))
    tk.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    tok = PreTrainedTokenizerFast(tokenizer_object=tk, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>")
    tok.chat_template = (
        "{{ bos_token }}{% for m in messages %}{{ m['content'] }} {% endfor %}{% if add_generation_prompt %}l {% endif %}"
    )
    return tok


def test_offline_tokenization_uses_chat_template_and_eos(tokenizer):
    trainer = PPOTrainer(tiny_llama(seed=0, lora=True), PPOConfig(), tokenizer=tokenizer)
    q = trainer.encode_prompt("a b")
    assert q.tolist() == [1, 4, 5, 15]  # <s> a b l
    r = trainer.encode_response("g h")
    assert r.tolist() == [10, 11, 2]  # g h </s>
    assert trainer.encode_response("g </s>").tolist() == [10, 2]  # no double EOS
    tokenizer_no_template = tokenizer.__class__(tokenizer_object=tokenizer.backend_tokenizer, eos_token="</s>")
    plain = PPOTrainer(tiny_llama(seed=0, lora=True), PPOConfig(), tokenizer=tokenizer_no_template)
    assert plain.encode_prompt("a b").tolist() == [4, 5]


def test_offline_training_prefers_rewarded_response(tokenizer):
    records = []
    for _ in range(8):
        records.append({"prompt": "a b", "response": "g", "reward": 1.0})
        records.append({"prompt": "a b", "response": "c", "reward": 0.0})
        records.append({"prompt": "a b", "response": "d", "reward": 0.0})
    cfg = PPOConfig(learning_rate=2e-3, batch_size=12, mini_batch_size=6, ppo_epochs=4, init_kl_coef=0.02, adaptive_kl=False)
    trainer = PPOTrainer(tiny_llama(seed=0, lora=True), cfg, tokenizer=tokenizer)
    prompt = trainer.encode_prompt("a b")
    g, c = tokenizer.convert_tokens_to_ids("g"), tokenizer.convert_tokens_to_ids("c")
    p0 = next_token_probs(trainer.model, prompt)
    stats = trainer.train_offline(records, epochs=4)
    p1 = next_token_probs(trainer.model, prompt)
    assert len(stats) == 4 * 2  # 24 records / batch 12, 4 epochs
    assert all(s["response_length"] == 2.0 for s in stats)  # token + EOS
    assert p0[g] < 0.15
    assert p1[g] > 0.6, (p0[g].item(), p1[g].item())
    assert p1[c] < p0[c]


def test_generate_and_step_decodes_with_tokenizer(tokenizer):
    cfg = PPOConfig(batch_size=4, mini_batch_size=2, max_new_tokens=3)
    model = tiny_llama(seed=0, lora=True)
    model.generation_config.eos_token_id = 2
    trainer = PPOTrainer(model, cfg, tokenizer=tokenizer)
    seen = {}

    def reward_fn(prompts, completions):
        seen["prompts"], seen["completions"] = prompts, completions
        return [float(len(c)) for c in completions]

    stats = trainer.generate_and_step(["a b", "c", "d e f", "g"], reward_fn)
    assert seen["prompts"] == ["a b", "c", "d e f", "g"]
    assert all(isinstance(c, str) for c in seen["completions"])
    assert [r["completion"] for r in trainer.last_rollout] == seen["completions"]
    assert 1.0 <= stats["response_length"] <= 3.0


def test_generate_cuts_after_eos():
    trainer = PPOTrainer(tiny_llama(seed=0, lora=True), PPOConfig(max_new_tokens=6))
    torch.manual_seed(0)
    _, uncut = trainer.generate([torch.tensor([1, 5, 3])] * 32)
    assert all(len(r) == 6 for r in uncut)  # the toy model has no EOS
    _, via_kwarg = trainer.generate([torch.tensor([1, 5, 3])] * 32, eos_token_id=4)
    trainer.model.pretrained_model.generation_config.eos_token_id = 4
    _, via_config = trainer.generate([torch.tensor([1, 5, 3])] * 32)
    for cut in (via_kwarg, via_config):
        for r in cut:
            assert 1 <= len(r) <= 6
            assert 4 not in r[:-1].tolist()
            assert len(r) == 6 or r[-1].item() == 4
        assert any(len(r) < 6 for r in cut)  # some stopped early: EOS has ~1/16 chance per token


def test_config_defaults_and_validation():
    c = PPOConfig()
    assert (c.learning_rate, c.batch_size, c.mini_batch_size, c.cliprange, c.cliprange_value) == (5e-6, 8, 4, 0.2, 0.2)
    assert (c.vf_coef, c.gamma, c.lam, c.target_kl, c.kl_horizon, c.max_grad_norm) == (0.1, 1.0, 0.95, 0.1, 10000, 1.0)
    assert c.whiten_advantages and c.adaptive_kl
    with pytest.raises(ValidationError):
        PPOConfig(learning_rat=1e-5)  # typo: unknown keys are rejected
    with pytest.raises(ValidationError):
        PPOConfig(cliprange=-0.1)
    with pytest.raises(ValidationError):
        PPOConfig(gamma=1.5)
    with pytest.raises(ValidationError):
        PPOConfig(batch_size=4, mini_batch_size=8)
    with pytest.raises(ValidationError):
        c.lam = 2.0  # validated on assignment too
