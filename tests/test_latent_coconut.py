"""The Coconut latent forward, its loss masking, the pause variant and batched generation, on the embedded
SmolLM2-135M (fp32, CPU), checked against a position-by-position computation written here."""

from __future__ import annotations

import copy

import pytest
import torch

from ladderlib.latent.coconut import IGNORE, LATENT, Coconut, add_latent_tokens


@pytest.fixture(scope="module")
def latent_lm(embedded_model, one_thread):
    """A private copy of the embedded model and tokenizer with the latent tokens added (the session's is untouched)."""
    model, tok = copy.deepcopy(embedded_model[0]), copy.deepcopy(embedded_model[1])
    add_latent_tokens(model, tok)
    model.eval()
    return model, tok


def enc(tok, text: str) -> list[int]:
    return tok(text, add_special_tokens=False)["input_ids"]


def rows_of(tok, c: Coconut) -> list[list[int]]:
    """Three sequences with latents at different positions and counts (one without any)."""
    a = c.prompt_ids(enc(tok, "Start at 3, then add 4 (mod 10).\n"), 2) + enc(tok, "3+4=7\n### 7")
    b = c.prompt_ids(enc(tok, "Start at 5, then multiply by 3, add 1, subtract 2 (mod 10).\n"), 4) + enc(tok, "### 4")
    d = enc(tok, "Start at 1, then add 2 (mod 10).\n### 3")
    return [a, b, d]


def left_pad(rows: list[list[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(map(len, rows))
    ids = torch.tensor([[pad] * (width - len(r)) + r for r in rows])
    mask = torch.tensor([[0] * (width - len(r)) + [1] * len(r) for r in rows])
    return ids, mask


@torch.no_grad()
def manual_logits(model, ids: list[int], latent_id: int, norm: float | None = None,
                  soft_excluding: list[int] | None = None) -> torch.Tensor:
    """One row, one position at a time with a KV cache; a latent's input is the previous position's last hidden
    state (the definition of a continuous thought), rescaled to ``norm`` when given; with ``soft_excluding`` (token
    ids) it is instead the previous position's softmax over the other tokens times the embedding matrix."""
    from transformers import DynamicCache

    cache, prev_hidden, out = DynamicCache(), None, []
    emb = model.get_input_embeddings()
    for t, i in enumerate(ids):
        x = emb(torch.tensor([[i]]))[0, 0]
        if i == latent_id and soft_excluding is not None:
            logits = out[-1].clone()
            logits[soft_excluding] = float("-inf")
            x = logits.softmax(-1) @ emb.weight
        elif i == latent_id:
            x = prev_hidden if norm is None else prev_hidden * norm / prev_hidden.norm()
        o = model(inputs_embeds=x[None, None], position_ids=torch.tensor([[t]]), past_key_values=cache,
                  use_cache=True, output_hidden_states=True)
        cache, prev_hidden = o.past_key_values, o.hidden_states[-1][0, -1]
        out.append(o.logits[0, -1])
    return torch.stack(out)


def test_latent_forward_equals_step_by_step_on_a_left_padded_batch(latent_lm):
    model, tok = latent_lm
    c = Coconut(model, tok)
    rows = rows_of(tok, c)
    ids, mask = left_pad(rows, tok.pad_token_id)
    with torch.no_grad():
        out = c(ids, mask)
    latent_columns = {int(j) for j in (ids == c.latent_id).nonzero()[:, 1]}
    assert len(latent_columns) == 6  # a's 2 and b's 4 latents sit in different columns
    assert out.passes == len(latent_columns) + 1
    assert out.logits.shape == (3, ids.shape[1], model.get_input_embeddings().weight.shape[0])
    for r, row in enumerate(rows):
        ref = manual_logits(model, row, c.latent_id)
        got = out.logits[r, ids.shape[1] - len(row):]
        assert torch.allclose(got, ref, atol=1e-3, rtol=1e-3), (r, (got - ref).abs().max())
    # the latents' final input embeddings are thoughts, not the <|latent|> token embedding
    lat = model.get_input_embeddings().weight[c.latent_id]
    assert not torch.allclose(out.inputs_embeds[ids == c.latent_id], lat.expand(6, -1))
    # a plain forward (latent slots left as token embeddings) differs: the thoughts matter
    with torch.no_grad():
        plain = model(input_ids=ids[:1], attention_mask=mask[:1]).logits
    assert (plain[0, -3:] - out.logits[0, -3:]).abs().max() > 1e-2


def test_thought_norm_rescales_each_thought_and_survives_save_and_load(latent_lm, tmp_path):
    from ladderlib.latent.checkpoint import load_method, save_method
    from ladderlib.latent.coconut import mean_embedding_norm

    model, tok = latent_lm
    norm = mean_embedding_norm(model)
    assert 1.0 < norm < 10.0  # SmolLM2's token embeddings; its final hidden states are ~50
    c = Coconut(model, tok, thought_norm=norm)
    rows = rows_of(tok, c)
    ids, mask = left_pad(rows, tok.pad_token_id)
    with torch.no_grad():
        out, raw = c(ids, mask), Coconut(model, tok)(ids, mask)
    thoughts = out.inputs_embeds[ids == c.latent_id]
    assert torch.allclose(thoughts.norm(dim=-1), torch.full((6,), norm), rtol=1e-4)
    assert raw.inputs_embeds[ids == c.latent_id].norm(dim=-1).min() > 5 * norm
    for r, row in enumerate(rows):
        ref = manual_logits(model, row, c.latent_id, norm)
        got = out.logits[r, ids.shape[1] - len(row):]
        assert torch.allclose(got, ref, atol=1e-3, rtol=1e-3), (r, (got - ref).abs().max())
    assert (out.logits - raw.logits).abs().max() > 1e-2
    with pytest.raises(ValueError, match="thought_norm"):
        Coconut(model, tok, thought_norm=0.0)

    from peft import LoraConfig, get_peft_model

    peft_model = get_peft_model(copy.deepcopy(model), LoraConfig(r=4, target_modules=["q_proj"]))
    save_method(Coconut(peft_model, tok, thought_norm=norm), tmp_path / "m")
    assert load_method((model, tok), tmp_path / "m").thought_norm == norm
    save_method(Coconut(peft_model, tok), tmp_path / "raw")
    assert load_method((model, tok), tmp_path / "raw").thought_norm is None


def test_soft_embedding_thoughts_are_the_heads_distribution_times_the_embeddings(latent_lm, tmp_path):
    from ladderlib.latent.checkpoint import load_method, save_method
    from ladderlib.latent.coconut import SPECIAL_TOKENS

    model, tok = latent_lm
    c = Coconut(model, tok, thought_input="soft_embedding")
    rows = rows_of(tok, c)
    ids, mask = left_pad(rows, tok.pad_token_id)
    with torch.no_grad():
        out, raw = c(ids, mask), Coconut(model, tok)(ids, mask)
    latent_ids = [tok.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS]
    for r, row in enumerate(rows):
        ref = manual_logits(model, row, c.latent_id, soft_excluding=latent_ids)
        got = out.logits[r, ids.shape[1] - len(row):]
        # the softmax carries the batched pass's rounding (~1e-5) into the next thought: a looser atol on logits ~20
        assert torch.allclose(got, ref, atol=1e-2, rtol=1e-3), (r, (got - ref).abs().max())
    # a soft thought lies among the token embeddings (a convex mix of them), far from a raw hidden state
    thoughts = out.inputs_embeds[ids == c.latent_id]
    emb_norm = model.get_input_embeddings().weight.norm(dim=-1).max()
    assert thoughts.norm(dim=-1).max() <= emb_norm + 1e-4
    assert (out.logits - raw.logits).abs().max() > 1e-2
    # generation's head-free latent passes (logits_to_keep) make the same thoughts: same last logits
    with torch.no_grad():
        last = c(ids, mask, logits_to_keep=1).logits[:, -1]
    assert torch.allclose(last, out.logits[:, -1], atol=1e-3, rtol=1e-3)
    prompts = [c.prompt_ids(enc(tok, q + "\n"), n) for q, n in (("Start at 3, then add 4 (mod 10).", 3),
                                                                ("What is 12 plus 30?", 1))]
    assert c.generate(prompts, max_new_tokens=6) == [c.generate([p], max_new_tokens=6)[0] for p in prompts]
    with pytest.raises(ValueError, match="thought_input"):
        Coconut(model, tok, thought_input="logits")

    from peft import LoraConfig, get_peft_model

    peft_model = get_peft_model(copy.deepcopy(model), LoraConfig(r=4, target_modules=["q_proj"]))
    save_method(Coconut(peft_model, tok, thought_input="soft_embedding"), tmp_path / "soft")
    assert load_method((model, tok), tmp_path / "soft").thought_input == "soft_embedding"


def test_forward_without_latents_is_one_pass_and_matches_the_plain_model(latent_lm):
    model, tok = latent_lm
    c = Coconut(model, tok)
    ids = torch.tensor([enc(tok, "Start at 1, then add 2 (mod 10).\n### 3")])
    with torch.no_grad():
        out = c(ids)
        plain = model(input_ids=ids).logits
    assert out.passes == 1
    assert torch.allclose(out.logits, plain, atol=1e-4)


def test_a_latent_in_the_first_column_is_refused(latent_lm):
    model, tok = latent_lm
    c = Coconut(model, tok)
    with pytest.raises(ValueError, match="first position"):
        c(torch.tensor([[c.latent_id, *enc(tok, "x")]]))


def test_coconut_needs_the_latent_tokens(embedded_model):
    with pytest.raises(ValueError, match="add_latent_tokens"):
        Coconut(embedded_model[0], embedded_model[1])


def test_loss_is_cross_entropy_over_the_unmasked_positions_only(latent_lm):
    from ladderlib.latent.data import Example, stage_example, tokenize

    model, tok = latent_lm
    c = Coconut(model, tok)
    ex = Example("e", "Start at 5, then add 3, multiply by 7 (mod 10).", ("5+3=8", "8*7=6"), "6")
    t = tokenize(tok, ex)
    ids, labels = stage_example(t, 1, 2, 2, c.ids)
    head = len(t.question) + 2 + 2  # question, <|start-latent|>, 2 latents, <|end-latent|>
    assert labels[:head] == [IGNORE] * head
    assert labels[head:] == ids[head:] == t.steps[1] + t.answer
    assert ids[len(t.question):head] == [c.start_id, c.latent_id, c.latent_id, c.end_id]
    x, y = torch.tensor([ids]), torch.tensor([labels])
    out = c(x, torch.ones_like(x), y)
    logp = torch.log_softmax(out.logits[0].float(), -1)
    terms = [-logp[p - 1, ids[p]] for p in range(head, len(ids))]
    assert torch.isclose(out.loss, torch.stack(terms).mean(), atol=1e-5)
    # a masked position's label does not enter the loss
    y2 = y.clone()
    y2[0, 1] = ids[1]
    assert not torch.isclose(c(x, torch.ones_like(x), y2).loss, out.loss, atol=1e-6)


def test_pause_fills_the_slots_with_one_learned_embedding_in_a_single_pass(latent_lm):
    model, tok = latent_lm
    c = Coconut(model, tok, pause=True)
    assert c.pause_embedding.requires_grad
    rows = rows_of(tok, c)
    ids, mask = left_pad(rows, tok.pad_token_id)
    with torch.no_grad():
        c.pause_embedding.add_(0.05 * torch.randn_like(c.pause_embedding))  # differs from the token row
    labels = torch.where(mask.bool(), ids, torch.full_like(ids, IGNORE))
    out = c(ids, mask, labels)
    assert out.passes == 1
    slots = ids == c.latent_id
    assert torch.equal(out.inputs_embeds[slots], c.pause_embedding.detach().expand(int(slots.sum()), -1))
    assert torch.equal(out.inputs_embeds[~slots], model.get_input_embeddings()(ids)[~slots].detach())
    with torch.no_grad():
        ref = model(inputs_embeds=out.inputs_embeds, attention_mask=mask,
                    position_ids=(mask.cumsum(-1) - 1).clamp(min=0)).logits
    real = mask.bool()
    assert torch.allclose(out.logits[real], ref[real], atol=1e-3)
    out.loss.backward()
    assert c.pause_embedding.grad is not None and float(c.pause_embedding.grad.abs().sum()) > 0
    assert c.pause_embedding in c.trainable_parameters()
    model.zero_grad(set_to_none=True)


def test_batched_generation_equals_one_at_a_time(latent_lm):
    model, tok = latent_lm
    c = Coconut(model, tok)
    qs = ["Start at 3, then add 4 (mod 10).", "Start at 9, then multiply by 7, add 2, subtract 5 (mod 10).",
          "Start at 0, then subtract 1, subtract 1 (mod 10).", "What is 12 plus 30?"]
    prompts = [c.prompt_ids(enc(tok, q + "\n"), n) for q, n in zip(qs, (6, 6, 2, 0))]
    assert len({len(p) for p in prompts}) >= 3  # mixed lengths: left padding in play
    batched = c.generate(prompts, max_new_tokens=12)
    single = [c.generate([p], max_new_tokens=12)[0] for p in prompts]
    assert batched == single
    assert all(len(s) > 0 for s in single) and any(len(s) == 12 for s in single)
    assert tok.eos_token_id not in sum(batched, [])
    # the continuation really starts from the latent forward's last logits
    with torch.no_grad():
        first = c(torch.tensor([prompts[1]])).logits[0, -1].argmax()
    assert single[1][0] == int(first)


def test_add_latent_tokens_is_idempotent_and_copies_the_init_row(latent_lm):
    model, tok = latent_lm
    n = len(tok)
    ids = add_latent_tokens(model, tok)
    assert len(tok) == n and model.get_input_embeddings().weight.shape[0] >= n
    src = enc(tok, "<<")[0]
    w = model.get_input_embeddings().weight
    assert torch.equal(w[ids[LATENT]], w[src])


def test_generation_never_decodes_the_latent_tokens(latent_lm):
    """The latent rows copy ``<<`` and the head is tied, so ``<|latent|>`` scores like ``<<``: here it is made to
    score higher, and greedy decoding must still pick ``<<`` (found by the batch-1 vs batched benchmark, where
    rounding picked the markers in some rows; decoding with skip_special_tokens then glued digits together)."""
    model, tok = latent_lm
    c = Coconut(model, tok)
    lt = enc(tok, "<<")[0]
    prompt = c.prompt_ids(enc(tok, "3<<3<<3<<3<<3<<3"), 2) + enc(tok, "<<3")
    w = model.get_input_embeddings().weight
    assert w.data_ptr() == model.get_output_embeddings().weight.data_ptr()  # tied
    with torch.no_grad():
        assert int(c(torch.tensor([prompt])).logits[0, -1].argmax()) == lt
        saved = w[c.latent_id].clone()
        w[c.latent_id] = 1.5 * w[lt]
    try:
        with torch.no_grad():
            assert int(c(torch.tensor([prompt])).logits[0, -1].argmax()) == c.latent_id  # the raw argmax
        out = c.generate([prompt, prompt[3:]], max_new_tokens=6)
    finally:
        with torch.no_grad():
            w[c.latent_id] = saved
    assert out[0][0] == lt and out[1][0] == lt
    assert not set(sum(out, [])) & set(c.ids.values())


def test_thought_tokens_read_each_thought_through_the_lm_head(latent_lm):
    model, tok = latent_lm
    c = Coconut(model, tok)
    prompts = [c.prompt_ids(enc(tok, "Links:a>c,c>b.\nStart:a, 2 links.\n"), 2),
               c.prompt_ids(enc(tok, "Start at 5, then multiply by 3, add 1 (mod 10).\n"), 3),
               enc(tok, "no thoughts here\n")]
    got = c.thought_tokens(prompts, top_k=4)
    assert [len(g) for g in got] == [2, 3, 0] and all(len(slot) == 4 for g in got for slot in g)
    for row, slots in zip(prompts[:2], got):
        ref = manual_logits(model, row, c.latent_id)
        where = [t for t, i in enumerate(row) if i == c.latent_id]
        for t, top in zip(where, slots):
            logits = ref[t - 1].index_fill(-1, torch.tensor(sorted(c.ids.values())), float("-inf"))
            assert top[0] == int(logits.argmax()) and set(top) == set(logits.topk(4).indices.tolist())
    assert not {i for g in got for slot in g for i in slot} & set(c.ids.values())


def test_probe_thoughts_scores_each_step_result_from_the_decoded_thoughts(latent_lm):
    from ladderlib.latent.data import Example, tokenize
    from ladderlib.latent.evaluate import probe_thoughts

    model, tok = latent_lm
    c = Coconut(model, tok)
    exs = [tokenize(tok, Example("e0", "Links:a>c,c>b.\nStart:a, 2 links.", ("a>c", "c>b"), "b")),
           tokenize(tok, Example("e1", "Start at 4, then multiply by 6, add 3.", ("4*6=24", "24+3=27"), "27"))]
    one = lambda s: enc(tok, s)[0]  # noqa: E731
    # thought slots (c=2: the second of each pair stands for its step): e0 reads c then q, b; e1 reads 2 then 2
    # (SmolLM2 writes numbers digit by digit, so a step's result 24 is read by its first token)
    assert enc(tok, "24") == [one("2"), one("4")]
    decoded = [[[one("z")], [one("c")], [one("x")], [one("q"), one("b")]],
               [[one("z")], [one("2")], [one("z")], [one("2"), one("7")]]]
    c.thought_tokens = lambda prompts, top_k: decoded  # one batch of both examples
    rows = probe_thoughts(c, exs, n_thoughts=4, c_thought=2, batch_size=2, top_k=2)
    assert rows == [{"step": 1, "n": 2, "top1": 1.0, "top2": 1.0}, {"step": 2, "n": 2, "top1": 0.5, "top2": 1.0}]
