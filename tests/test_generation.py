"""The one generation engine on the embedded model: rendering, special tokens, determinism, batching, seeds."""

from __future__ import annotations

import pytest

from ladderlib.models.generation import Chat, Engine, Rendered, Sampling, encode, mix_seed, render

PROMPTS = ["What is 2+2?", Chat("Integrate x with respect to x.", "Be brief."), "Name a colour.",
           Rendered("The capital of France is"), Chat("Count to three.")]


def test_chat_rendering_has_exactly_one_bos(embedded_model):
    _, tok = embedded_model
    ids = encode(tok, Chat("hi", "You are terse."))
    assert ids[0] == tok.bos_token_id and ids.count(tok.bos_token_id) == ids.count(tok.convert_tokens_to_ids("<|im_start|>"))
    text = render(tok, Chat("hi", "You are terse."))
    assert text.startswith("<|im_start|>system\nYou are terse.") and text.endswith("<|im_start|>assistant\n")
    assert tok(text, add_special_tokens=False)["input_ids"] == ids
    assert render(tok, "hi", default_system="S") == render(tok, Chat("hi", "S"))
    assert render(tok, Rendered("raw text")) == "raw text" and encode(tok, Rendered("raw")) == tok("raw")["input_ids"]


def test_llama_style_tokenizer_gets_no_second_bos():
    class LlamaTok:
        bos_token, bos_token_id, chat_template = "<s>", 1, "llama"

        def __call__(self, text, add_special_tokens=True):
            ids = [ord(c) % 50 + 2 for c in text.replace("<s>", "\x00")]
            return {"input_ids": ([1] if add_special_tokens else []) + ids}

        def apply_chat_template(self, messages, tokenize, add_generation_prompt):
            return "<s>" + "".join(f"[{m['role']}]{m['content']}" for m in messages)

    tok = LlamaTok()
    assert encode(tok, Chat("q")).count(1) == 0  # the template's <s> is text here; the tokenizer added none
    assert encode(tok, Rendered("plain"))[0] == 1 and encode(tok, Rendered("plain")).count(1) == 1


def test_greedy_is_deterministic_and_batch_equals_one_by_one(embedded_model):
    model, tok = embedded_model
    engine = Engine(model, tok, batch_size=3)
    greedy = Sampling(max_new_tokens=10)
    batched = engine(PROMPTS, greedy)
    assert batched == engine(PROMPTS, greedy)
    assert batched == [engine([p], greedy)[0] for p in PROMPTS]
    assert all(isinstance(t, str) and t for t in batched)
    done = engine.complete(PROMPTS, greedy)
    assert [c.text for c in done] == batched and all(1 <= c.n_tokens <= 10 for c in done)


def test_seeded_sampling_repeats_and_seeds_differ(embedded_model):
    model, tok = embedded_model
    hot = Sampling(max_new_tokens=8, temperature=1.2)
    a = Engine(model, tok, seed=3)
    first, second = a(PROMPTS, hot), a(PROMPTS, hot)
    b = Engine(model, tok, seed=3)
    assert b(PROMPTS, hot) == first and b(PROMPTS, hot) == second
    assert Engine(model, tok)(PROMPTS, Sampling(max_new_tokens=8, temperature=1.2, seed=mix_seed(3, 0))) == first
    assert Engine(model, tok, seed=4)(PROMPTS, hot) != first
    a.reseed(3)
    assert a(PROMPTS, hot) == first


def test_system_prompts_per_prompt_change_the_rendering(embedded_model):
    model, tok = embedded_model
    engine = Engine(model, tok, system="Default system.")
    assert "Default system." in engine.render("hi") and "Own." in engine.render(Chat("hi", "Own."))
    assert "Default system." not in engine.render(Chat("hi", "Own."))


def test_disabled_adapter_generates_like_the_base_model(embedded_model):
    from peft import LoraConfig, get_peft_model

    model, tok = embedded_model
    base = Engine(model, tok)(PROMPTS[:2], Sampling(max_new_tokens=6))
    peft = get_peft_model(model, LoraConfig(r=4, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    try:
        off = Engine(peft, tok, adapter_disabled=True)(PROMPTS[:2], Sampling(max_new_tokens=6))
        assert off == base
    finally:
        peft.unload()


def test_sampling_settings_are_validated():
    with pytest.raises(ValueError, match="max_new_tokens"):
        Sampling(max_new_tokens=0)
    with pytest.raises(ValueError, match="temperature"):
        Sampling(temperature=-1)
    with pytest.raises(ValueError, match="top_p"):
        Sampling(top_p=0)
    assert Sampling().greedy and not Sampling(temperature=0.7).greedy
