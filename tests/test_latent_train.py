"""The latent stage loop: a real two-steps-per-stage LoRA run of every method on the procedural task (embedded
SmolLM2-135M, CPU), the phase plan, the collate padding, and LatentSettings validation."""

from __future__ import annotations

import copy

import pytest
import torch
from pydantic import ValidationError

from ladderlib.config.latent import METHODS, LatentSettings
from ladderlib.config.model import ModelSettings
from ladderlib.latent.coconut import IGNORE
from ladderlib.latent.data import procedural_examples, tokenize
from ladderlib.latent.train import build, collate, plan, train_method

SETTINGS = LatentSettings(c_thought=1, max_latent_stage=1, epochs_per_stage=1, max_steps_per_stage=2, batch_size=2,
                          max_length=64, learning_rate=1e-3)
MODEL = ModelSettings(name="embedded", device="cpu", dtype="float32")


@pytest.fixture(scope="module")
def base(embedded_model, one_thread):
    """The session's model (build() copies it) with a private tokenizer (build() adds the latent tokens to it)."""
    return embedded_model[0], copy.deepcopy(embedded_model[1])


@pytest.fixture(scope="module")
def examples(base):
    train, _ = procedural_examples(4, 1, 2, 3, seed=0)
    return [tokenize(base[1], e) for e in train]


def test_plan_gives_every_method_the_same_epochs():
    s = LatentSettings(max_latent_stage=3, epochs_per_stage=2)
    phases = {m: plan(m, s) for m in METHODS}
    assert {m: sum(p.epochs for p in ph) for m, ph in phases.items()} == dict.fromkeys(METHODS, 8)
    assert [p.stage for p in phases["coconut"]] == [0, 1, 2, 3] == [p.stage for p in phases["pause"]]
    assert all(p.curriculum and p.markers for p in phases["coconut"])
    assert [(p.stage, p.markers, p.language_steps) for p in phases["no_cot"]] == [(0, False, False)]
    assert [(p.stage, p.markers, p.language_steps) for p in phases["cot"]] == [(0, False, True)]
    assert [(p.stage, p.markers, p.curriculum) for p in phases["coconut_no_curriculum"]] == [(3, True, False)]
    with pytest.raises(ValueError, match="unknown latent method 'bogus'"):
        plan("bogus", s)
    # a longer stage 0 (the reference starts Coconut from a CoT checkpoint): one-phase methods get as many epochs
    longer = LatentSettings(max_latent_stage=3, epochs_per_stage=2, stage0_epochs=5)
    phases = {m: plan(m, longer) for m in METHODS}
    assert {m: sum(p.epochs for p in ph) for m, ph in phases.items()} == dict.fromkeys(METHODS, 11)
    assert [(p.stage, p.epochs) for p in phases["coconut"]] == [(0, 5), (1, 2), (2, 2), (3, 2)]
    # the reference's ProsQA schedule: the last stage runs longest (epochs 30-50 of 50)
    final = LatentSettings(max_latent_stage=3, epochs_per_stage=2, final_stage_epochs=7)
    phases = {m: plan(m, final) for m in METHODS}
    assert {m: sum(p.epochs for p in ph) for m, ph in phases.items()} == dict.fromkeys(METHODS, 13)
    assert [(p.stage, p.epochs) for p in phases["pause"]] == [(0, 2), (1, 2), (2, 2), (3, 7)]


def test_collate_aligns_the_heads_and_pads_the_tails():
    pairs = [([1, 2, 3, 4, 5], [IGNORE, IGNORE, IGNORE, 4, 5]), ([7, 8, 9], [IGNORE, 8, 9])]
    b = collate(pairs, 0, [3, 1], 16)
    assert b["input_ids"].tolist() == [[1, 2, 3, 4, 5], [0, 0, 7, 8, 9]]
    assert b["labels"].tolist() == [[IGNORE, IGNORE, IGNORE, 4, 5], [IGNORE, IGNORE, IGNORE, 8, 9]]
    assert b["attention_mask"].tolist() == [[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]]
    b = collate([([1, 2], [IGNORE, 2]), ([3, 4, 5, 6], [IGNORE, 4, 5, 6])], 0, [1, 1], 3)
    assert b["input_ids"].tolist() == [[1, 2, 0], [3, 4, 5]]  # right padding, then the cut at max_length
    assert b["attention_mask"].tolist() == [[1, 1, 0], [1, 1, 1]]


def lora_state(coconut) -> dict[str, torch.Tensor]:
    return {n: p.detach().clone() for n, p in coconut.model.named_parameters() if "lora_" in n}


@pytest.mark.parametrize("method", METHODS)
def test_a_real_short_run_of_each_method(method, base, examples):
    coconut = build(MODEL, method, seed=0, base=base)
    before = lora_state(coconut)
    assert before and all(p.requires_grad for n, p in coconut.model.named_parameters() if "lora_" in n)
    pause0 = coconut.pause_embedding.detach().clone() if method == "pause" else None
    called = []
    res = train_method(coconut, method, examples, SETTINGS,
                       on_stage_end=lambda c, ph: called.append(ph.stage) or {"accuracy": 0.5})
    phases = plan(method, SETTINGS)
    assert [r["stage"] for r in res.stages] == [p.stage for p in phases]
    # the cap counts per stage's worth of epochs: every method trains the same number of steps
    assert [r["steps"] for r in res.stages] == [2 * p.epochs // SETTINGS.epochs_per_stage for p in phases]
    assert len(res.steps) == 2 * (SETTINGS.max_latent_stage + 1) and [r["step"] for r in res.steps] == list(range(1, len(res.steps) + 1))
    assert all(r["method"] == method and torch.isfinite(torch.tensor(r["loss"])) and r["loss"] > 0 for r in res.steps)
    curriculum = method in ("coconut", "pause")
    assert called == ([p.stage for p in phases] if curriculum else [])
    assert all(("accuracy" in r) == curriculum for r in res.stages)
    after = lora_state(coconut)
    assert any(not torch.equal(before[n], after[n]) for n in before), "no LoRA weight moved"
    # passes: language-only and pause runs are one pass; Coconut adds one pass per latent column
    passes = {r["passes"] for r in res.steps}
    if method in ("no_cot", "cot", "pause"):
        assert passes == {1}
    elif method == "coconut_no_curriculum":
        assert passes == {SETTINGS.max_latent_stage * SETTINGS.c_thought + 1}
    else:
        assert {r["stage"]: r["passes"] for r in res.steps} == {0: 1, 1: 2}
    if method == "pause":
        assert not torch.equal(pause0, coconut.pause_embedding.detach())
    assert not coconut.model.training and res.wall_s > 0


def test_latent_settings_validation_names_the_field():
    with pytest.raises(ValidationError, match="min_hops"):
        LatentSettings(procedural={"min_hops": 5, "max_hops": 3})
    with pytest.raises(ValidationError, match="methods"):
        LatentSettings(methods=["coconut", "telepathy"])
    with pytest.raises(ValidationError, match="c_thought"):
        LatentSettings(c_thought=0)
    with pytest.raises(ValidationError, match="tasks"):
        LatentSettings(tasks=["mmlu"])
    s = LatentSettings(max_latent_stage=3, c_thought=2)
    assert s.thoughts("coconut") == s.thoughts("pause") == 6 and s.thoughts("cot") == s.thoughts("no_cot") == 0


def test_full_finetuning_moves_every_weight_kind_and_saves_the_whole_model(base, examples, tmp_path):
    from ladderlib.latent.checkpoint import has_method, load_method, save_method

    base_q = base[0].model.layers[0].self_attn.q_proj.weight.detach().clone()
    coconut = build(MODEL, "coconut", seed=0, base=base, finetune="full")
    named = dict(coconut.model.named_parameters())
    assert not any("lora_" in n for n in named) and all(p.requires_grad for p in named.values())
    before = {n: p.detach().clone() for n, p in named.items()}
    train_method(coconut, "coconut", examples, SETTINGS)
    moved = {n for n, p in coconut.model.named_parameters() if not torch.equal(before[n], p.detach())}
    assert {"model.layers.0.self_attn.q_proj.weight", "model.embed_tokens.weight"} <= moved
    assert torch.equal(base[0].model.layers[0].self_attn.q_proj.weight, base_q), "build() changed the base model"

    save_method(coconut, tmp_path / "full")
    assert has_method(tmp_path / "full") and (tmp_path / "full" / "config.json").is_file()
    assert not (tmp_path / "full" / "adapter_config.json").exists()
    again = load_method(base, tmp_path / "full")
    prompts = [coconut.prompt_ids(t.question, 1) for t in examples[:2]]
    assert again.generate(prompts, 6) == coconut.eval().generate(prompts, 6)
    with pytest.raises(ValueError, match="finetune"):
        build(MODEL, "coconut", seed=0, base=base, finetune="partial")
