"""The stage loop: one fresh LoRA adapter per method, trained for the same number of epochs on the same examples.

Methods (the paper's Table 1 rows): ``no_cot`` (answer only), ``cot`` (every step in language), ``coconut``
(curriculum stages 0..max_latent_stage), ``pause`` (the same curriculum with a learned pause embedding in the
thought slots) and ``coconut_no_curriculum`` (the last stage for every epoch). A hand-written loop rather than a
TRL trainer because the forward is the multi-pass latent one; AdamW, optionally reset at each stage.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch

from ladderlib.config.latent import LatentSettings
from ladderlib.config.model import ModelSettings
from ladderlib.latent.coconut import IGNORE, Coconut, add_latent_tokens, mean_embedding_norm
from ladderlib.latent.data import Tokenized, stage_example, stage_of


@dataclass(frozen=True)
class Phase:
    """One block of training: the curriculum stage its examples are built at, and how."""

    stage: int
    epochs: int
    markers: bool = True
    language_steps: bool = True
    curriculum: bool = False  # stage-wise: uniform_prob applies and the stage is reported on the curve


def plan(method: str, s: LatentSettings) -> list[Phase]:
    """The phases of ``method``; every method gets stage0_epochs + (max_latent_stage - 1) x epochs_per_stage +
    final_stage_epochs epochs."""
    first = s.stage0_epochs or s.epochs_per_stage
    last = s.final_stage_epochs or s.epochs_per_stage
    total = first + (s.max_latent_stage - 1) * s.epochs_per_stage + last
    if method == "no_cot":
        return [Phase(0, total, markers=False, language_steps=False)]
    if method == "cot":
        return [Phase(0, total, markers=False)]
    if method == "coconut_no_curriculum":
        return [Phase(s.max_latent_stage, total)]
    if method in ("coconut", "pause"):
        return [Phase(0, first, curriculum=True),
                *(Phase(k, s.epochs_per_stage, curriculum=True) for k in range(1, s.max_latent_stage)),
                Phase(s.max_latent_stage, last, curriculum=True)]
    raise ValueError(f"unknown latent method {method!r}")


def build(model_settings: ModelSettings, method: str, seed: int = 0, base: Any = None,
          thought_norm: bool = False, thought_input: str = "hidden", finetune: str = "lora") -> Coconut:
    """A fresh LoRA adapter (or, ``finetune="full"``, every weight trainable) on the base model (loaded, or a copy
    of ``base=(model, tokenizer)``) with the latent tokens; the pause method also gets its learned pause embedding.
    ``thought_norm``: thoughts are rescaled to the mean norm of the base model's token embeddings
    (``LatentSettings.thought_norm``); ``thought_input``: what fills a latent slot (``LatentSettings.thought_input``)."""
    import copy

    from ladderlib.models.loader import load_model
    from ladderlib.models.lora import add_lora

    torch.manual_seed(seed)
    model, tokenizer = (copy.deepcopy(base[0]), base[1]) if base is not None else load_model(model_settings)
    norm = mean_embedding_norm(model) if thought_norm else None
    add_latent_tokens(model, tokenizer)
    if finetune == "full":
        model.requires_grad_(True)
    elif finetune == "lora":
        model = add_lora(model, model_settings)
    else:
        raise ValueError(f"finetune must be 'lora' or 'full', got {finetune!r}")
    return Coconut(model, tokenizer, pause=method == "pause", thought_norm=norm, thought_input=thought_input)


def collate(pairs: Sequence[tuple[list[int], list[int]]], pad_id: int, head_lengths: Sequence[int],
            max_length: int) -> dict[str, torch.Tensor]:
    """Pad a batch: left padding aligns the end of every question (so the latents line up and share passes),
    right padding evens the lengths; sequences longer than ``max_length`` are cut on the right."""
    lead = max(head_lengths)
    rows = [([pad_id] * (lead - h) + ids, [IGNORE] * (lead - h) + lab, [0] * (lead - h) + [1] * len(ids))
            for (ids, lab), h in zip(pairs, head_lengths)]
    width = min(max_length, max(len(r[0]) for r in rows))
    out = {"input_ids": [], "labels": [], "attention_mask": []}
    for ids, lab, mask in rows:
        n = width - len(ids)
        out["input_ids"].append((ids + [pad_id] * n)[:width])
        out["labels"].append((lab + [IGNORE] * n)[:width])
        out["attention_mask"].append((mask + [0] * n)[:width])
    return {k: torch.tensor(v) for k, v in out.items()}


def _head_length(t: Tokenized, phase: Phase, stage: int, s: LatentSettings) -> int:
    return len(t.question) + ((2 + min(stage, s.max_latent_stage) * s.c_thought) if phase.markers else 0)


@dataclass
class TrainResult:
    """The trained model, one log row per optimizer step and one per finished stage."""

    method: str
    coconut: Coconut
    steps: list[dict[str, Any]] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)
    wall_s: float = 0.0


def train_method(coconut: Coconut, method: str, examples: Sequence[Tokenized], s: LatentSettings,
                 on_stage_end: Callable[[Coconut, Phase], dict[str, Any]] | None = None) -> TrainResult:
    """Train ``coconut`` on ``examples`` through ``method``'s phases; ``on_stage_end`` (e.g. an evaluation) is
    called after every curriculum stage and its result stored with the stage row."""
    rng = random.Random(s.seed)
    res, t0, opt = TrainResult(method, coconut), time.perf_counter(), None
    params = coconut.trainable_parameters()
    pad = coconut.tokenizer.pad_token_id if coconut.tokenizer.pad_token_id is not None else coconut.tokenizer.eos_token_id
    step = 0
    for phase in plan(method, s):
        if opt is None or s.reset_optimizer:
            opt = torch.optim.AdamW(params, lr=s.learning_rate, weight_decay=s.weight_decay)
        coconut.model.train()
        phase_steps, losses = 0, []
        # the cap is per stage's worth of epochs, so a one-phase method (no_cot, cot, no curriculum) gets as many
        # steps as the curriculum methods get over all their stages
        cap = (max(1, round(s.max_steps_per_stage * phase.epochs / s.epochs_per_stage))
               if s.max_steps_per_stage else None)
        for _ in range(phase.epochs):
            order = list(range(len(examples)))
            rng.shuffle(order)
            for i in range(0, len(order), s.batch_size):
                batch = [examples[j] for j in order[i:i + s.batch_size]]
                stages = [stage_of(phase.stage, len(t.steps), s.uniform_prob if phase.curriculum else 0.0, rng)
                          for t in batch]
                pairs = [stage_example(t, k, s.c_thought, s.max_latent_stage, coconut.ids, phase.markers,
                                       phase.language_steps) for t, k in zip(batch, stages)]
                heads = [_head_length(t, phase, k, s) for t, k in zip(batch, stages)]
                b = collate(pairs, pad, heads, s.max_length)
                out = coconut(b["input_ids"], b["attention_mask"], b["labels"])
                opt.zero_grad(set_to_none=True)
                out.loss.backward()
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                opt.step()
                step, phase_steps = step + 1, phase_steps + 1
                losses.append(float(out.loss.detach()))
                res.steps.append({"method": method, "stage": phase.stage, "step": step, "loss": losses[-1],
                                  "passes": out.passes})
                if cap and phase_steps >= cap:
                    break
            if cap and phase_steps >= cap:
                break
        coconut.model.eval()
        row = {"method": method, "stage": phase.stage, "steps": phase_steps,
               "loss": sum(losses) / max(1, len(losses))}
        if on_stage_end is not None and phase.curriculum:
            row.update(on_stage_end(coconut, phase))
        res.stages.append(row)
    res.wall_s = time.perf_counter() - t0
    return res
