"""Coconut (Hao et al. 2024, arXiv 2412.06769): reasoning in continuous thoughts, on any Hugging Face causal LM.

We write our own wrapper because the reference (facebookresearch/coconut ``coconut.py``) is GPT-2/Llama
specific, recomputes the cache slice on every pass and generates one example at a time. Here:

- three special tokens are added to the tokenizer (``<|start-latent|>``, ``<|end-latent|>``, ``<|latent|>``);
- :meth:`Coconut.forward`: each ``<|latent|>`` position's input embedding is the last hidden state of the
  position before it, computed in sequential passes that extend one KV cache (each position is computed once,
  when every input at or before it is final). Rows may hold latents at different positions and counts;
- ``thought_input="soft_embedding"`` (a departure, off by default): the thought is the LM head's distribution at
  that position times the embedding matrix, a probability-weighted token embedding (the "soft thinking" input of
  Zhang et al. 2025, arXiv 2505.15778), still continuous and trained end to end through the softmax. It puts the
  thought in the space the layers read tokens from, where the paper's raw hidden state is not (see
  ``latent.evaluate.probe_thoughts``: on SmolLM2 a raw thought holds its own hop but the next thought cannot hop
  from it);
- ``thought_norm`` (optional, off in the paper): each thought is rescaled to a fixed norm, the mean norm of the
  token embeddings, so a thought enters the residual stream at the scale of a token rather than of a final
  hidden state (~18x larger on SmolLM2, where it drowns what the layers add at the latent position);
- the pause-token variant (``pause=True``, the paper's "pause as thought") fills the latent slots with one
  learned pause embedding instead, in a single pass;
- :meth:`Coconut.generate`: batched greedy decoding with left padding after a fixed number of thoughts.

I/O-free: no files, no settings; the caller loads the model and adds LoRA (``ladderlib.models``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import torch
from torch import nn

START, END, LATENT = "<|start-latent|>", "<|end-latent|>", "<|latent|>"
SPECIAL_TOKENS = (START, END, LATENT)
IGNORE = -100
THOUGHT_INPUTS = ("hidden", "soft_embedding")


def add_latent_tokens(model: Any, tokenizer: Any, init_from: str = "<<") -> dict[str, int]:
    """Add the three latent tokens to ``tokenizer`` and ``model`` (embeddings resized, new rows copied from the
    embedding of ``init_from``'s first token, as the reference does); returns their ids. Call before LoRA."""
    missing = [t for t in SPECIAL_TOKENS if t not in tokenizer.get_vocab()]
    if missing:
        tokenizer.add_special_tokens({"additional_special_tokens": missing})
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
    emb = model.get_input_embeddings()
    if max(ids.values()) >= emb.weight.shape[0]:
        model.resize_token_embeddings(len(tokenizer), mean_resizing=False)
        emb = model.get_input_embeddings()
    src = tokenizer(init_from, add_special_tokens=False)["input_ids"][0]
    with torch.no_grad():
        for i in ids.values():
            emb.weight[i] = emb.weight[src]
    return ids


def mean_embedding_norm(model: Any) -> float:
    """The mean L2 norm of ``model``'s input-embedding rows (the scale ``thought_norm`` rescales thoughts to)."""
    with torch.no_grad():
        return float(model.get_input_embeddings().weight.float().norm(dim=-1).mean())


@dataclass
class LatentOutput:
    """Loss (None without labels), logits (batch, length, vocab), the final input embeddings and the cache."""

    loss: torch.Tensor | None
    logits: torch.Tensor
    inputs_embeds: torch.Tensor
    past_key_values: Any
    passes: int


def position_ids_of(attention_mask: torch.Tensor) -> torch.Tensor:
    """Positions that skip left padding: 0 at each row's first real token."""
    return (attention_mask.long().cumsum(-1) - 1).clamp(min=0)


class Coconut(nn.Module):
    """A causal LM (plain or PEFT-wrapped) whose ``<|latent|>`` slots carry continuous thoughts (or a pause)."""

    def __init__(self, model: Any, tokenizer: Any, pause: bool = False, thought_norm: float | None = None,
                 thought_input: str = "hidden") -> None:
        super().__init__()
        self.model = model
        self.tokenizer = tokenizer
        self.ids = {t: tokenizer.convert_tokens_to_ids(t) for t in SPECIAL_TOKENS}
        if any(i is None or i == tokenizer.unk_token_id for i in self.ids.values()):
            raise ValueError("the tokenizer lacks the latent tokens: call add_latent_tokens(model, tokenizer) first")
        self.latent_id, self.start_id, self.end_id = self.ids[LATENT], self.ids[START], self.ids[END]
        self.register_buffer("_latent_ids", torch.tensor(sorted(self.ids.values()),
                                                         device=model.get_input_embeddings().weight.device),
                             persistent=False)
        self.is_pause = pause
        if thought_norm is not None and not thought_norm > 0:
            raise ValueError(f"thought_norm must be a positive norm or None, got {thought_norm!r}")
        self.thought_norm = thought_norm  # None: thoughts are the raw last hidden states (the paper)
        if thought_input not in THOUGHT_INPUTS:
            raise ValueError(f"thought_input must be one of {THOUGHT_INPUTS}, got {thought_input!r}")
        self.thought_input = thought_input
        self.embedding = model.get_input_embeddings()
        self.pause_embedding = (nn.Parameter(self.embedding.weight[self.latent_id].detach().clone())
                                if pause else None)

    # --- forward ----------------------------------------------------------------------------------------

    def _run(self, embeds: torch.Tensor, mask: torch.Tensor, pos: torch.Tensor, lo: int, hi: int,
             cache: Any, logits_to_keep: int = 0) -> Any:
        return self.model(inputs_embeds=embeds[:, lo:hi], attention_mask=mask[:, :hi], position_ids=pos[:, lo:hi],
                          past_key_values=cache, use_cache=True, output_hidden_states=not logits_to_keep,
                          logits_to_keep=logits_to_keep)

    def _thought(self, hidden: torch.Tensor, logits: torch.Tensor | None = None) -> torch.Tensor:
        """The continuous thought made from the last hidden state ``hidden`` (batch, dim) of the position before a
        latent slot (``logits``: the LM head's logits there, when already computed)."""
        if self.thought_input == "soft_embedding":
            if logits is None:
                logits = self.model.get_output_embeddings()(hidden)
            probs = self._without_latents(logits.float()).softmax(-1)
            thought = (probs @ self.embedding.weight.float()).to(hidden.dtype)
        else:
            thought = hidden
        if self.thought_norm is not None:
            thought = thought * (self.thought_norm / thought.norm(dim=-1, keepdim=True).clamp_min(1e-6))
        return thought

    def _decoder(self) -> Any:
        """The transformer body without the LM head (LoRA layers are injected in place, so they run too)."""
        base = self.model.get_base_model() if hasattr(self.model, "get_base_model") else self.model
        return base.get_decoder()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                labels: torch.Tensor | None = None, logits_to_keep: int = 0) -> LatentOutput:
        """Logits (and the masked next-token loss when ``labels`` are given) with the latent slots filled.

        ``logits_to_keep=k > 0`` (generation) returns only the last ``k`` positions' logits: the latent passes
        then run the body alone (a hidden-state thought needs no logits; a soft-embedding one runs the head on the
        one position it comes from) and the head sees ``k`` positions."""
        from transformers import DynamicCache

        if logits_to_keep and labels is not None:
            raise ValueError("the loss needs every position's logits: logits_to_keep must be 0 with labels")

        mask = torch.ones_like(input_ids) if attention_mask is None else attention_mask
        pos = position_ids_of(mask)
        embeds = self.embedding(input_ids)
        is_latent = input_ids == self.latent_id
        if self.is_pause:
            embeds = torch.where(is_latent[..., None], self.pause_embedding.to(embeds.dtype), embeds)
            is_latent = torch.zeros_like(is_latent)
        cache, logits, done, passes = DynamicCache(), [], 0, 0
        pending = is_latent.clone()
        while bool(pending.any()):
            # the earliest unfilled latent position over the batch: every input before it is final
            first = int(pending.any(0).nonzero()[0])
            if first == 0:
                raise ValueError("a latent token cannot be the first position of a row")
            if logits_to_keep:
                out = self._decoder()(inputs_embeds=embeds[:, done:first], attention_mask=mask[:, :first],
                                      position_ids=pos[:, done:first], past_key_values=cache, use_cache=True)
                thought = self._thought(out.last_hidden_state[:, -1])  # from position first - 1
            else:
                out = self._run(embeds, mask, pos, done, first, cache)
                logits.append(out.logits)
                thought = self._thought(out.hidden_states[-1][:, -1], out.logits[:, -1])
            cache, passes = out.past_key_values, passes + 1
            rows = pending[:, first]
            slot = torch.zeros_like(is_latent)
            slot[:, first] = rows
            embeds = torch.where(slot[..., None], thought[:, None], embeds)
            pending[:, first] = False
            done = first
        out = self._run(embeds, mask, pos, done, input_ids.shape[1], cache, logits_to_keep)
        logits.append(out.logits)
        all_logits = torch.cat(logits, dim=1)
        loss = None
        if labels is not None:
            loss = nn.functional.cross_entropy(all_logits[:, :-1].flatten(0, 1).float(), labels[:, 1:].flatten(),
                                               ignore_index=IGNORE)
        return LatentOutput(loss, all_logits, embeds, out.past_key_values, passes + 1)

    # --- batching and decoding helpers --------------------------------------------------------------------

    def _left_pad(self, prompts: Sequence[Sequence[int]], pad: int,
                  extra: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids left-padded with ``pad`` to the longest prompt, and the attention mask (``extra`` more ones
        per row, for the tokens generation will append)."""
        device = self.embedding.weight.device
        width = max(len(p) for p in prompts)
        ids = torch.tensor([[pad] * (width - len(p)) + list(p) for p in prompts], device=device)
        mask = torch.tensor([[0] * (width - len(p)) + [1] * (len(p) + extra) for p in prompts], device=device)
        return ids, mask

    def _without_latents(self, logits: torch.Tensor) -> torch.Tensor:
        """``logits`` with the three latent tokens at -inf: they are never decoded (see :meth:`generate`)."""
        return logits.index_fill(-1, self._latent_ids, float("-inf"))

    # --- reading the thoughts -----------------------------------------------------------------------------

    @torch.inference_mode()
    def thought_tokens(self, prompts: Sequence[Sequence[int]], top_k: int = 5) -> list[list[list[int]]]:
        """For each prompt and each of its ``<|latent|>`` slots in order, the ``top_k`` token ids the LM head gives
        the continuous thought that fills it (the logits of the position before the slot, whose last hidden state
        the thought is): the paper's way of reading what a thought encodes. Latent tokens are never returned."""
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else self.tokenizer.eos_token_id
        ids, mask = self._left_pad(prompts, pad)
        logits = self.forward(ids, mask).logits
        out = []
        for r in range(len(prompts)):
            slots = (ids[r] == self.latent_id).nonzero().flatten()
            if not len(slots):
                out.append([])
                continue
            rows = self._without_latents(logits[r, slots - 1].float())
            out.append(rows.topk(top_k, dim=-1).indices.tolist())
        return out

    # --- generation -------------------------------------------------------------------------------------

    def prompt_ids(self, question_ids: Sequence[int], n_thoughts: int, markers: bool = True) -> list[int]:
        """Question, then ``<|start-latent|>``, ``n_thoughts`` latents and ``<|end-latent|>`` (when ``markers``)."""
        if not markers:
            return list(question_ids)
        return [*question_ids, self.start_id, *[self.latent_id] * n_thoughts, self.end_id]

    @torch.inference_mode()
    def generate(self, prompts: Sequence[Sequence[int]], max_new_tokens: int = 32,
                 eos_token_id: int | None = None) -> list[list[int]]:
        """Greedy continuations (token ids, eos excluded) of token-id ``prompts``, batched with left padding.

        The three latent tokens are never decoded: their rows are copies of ``<<``'s embedding, so with tied
        embeddings (SmolLM2, GPT-2) their logits tie with ``<<``'s and rounding alone would pick among them.
        Only the last position's logits are computed (prompt and latent passes included), and the tokens stay
        on the tensor side until the end (one ``tolist`` per call, no per-row Python work per step)."""
        eos = self.tokenizer.eos_token_id if eos_token_id is None else eos_token_id
        device = self.embedding.weight.device
        pick = lambda logits: self._without_latents(logits).argmax(-1)  # noqa: E731
        pad = self.tokenizer.pad_token_id if self.tokenizer.pad_token_id is not None else eos
        ids, mask = self._left_pad(prompts, pad, extra=max_new_tokens)
        width = ids.shape[1]
        out = self.forward(ids, mask[:, :width], logits_to_keep=1)
        cache, last_pos = out.past_key_values, position_ids_of(mask[:, :width])[:, -1:]
        nxt = pick(out.logits[:, -1])
        done = torch.zeros(len(prompts), dtype=torch.bool, device=device)
        steps: list[torch.Tensor] = []
        for step in range(max_new_tokens):
            steps.append(nxt)
            done |= nxt == eos
            if bool(done.all()) or step == max_new_tokens - 1:
                break
            last_pos = last_pos + 1
            o = self.model(inputs_embeds=self.embedding(nxt[:, None]), attention_mask=mask[:, :width + step + 1],
                           position_ids=last_pos, past_key_values=cache, use_cache=True)
            cache, nxt = o.past_key_values, pick(o.logits[:, -1])
        tokens: list[list[int]] = []
        for row in torch.stack(steps, 1).tolist() if steps else [[] for _ in prompts]:
            tokens.append(row[:row.index(eos)] if eos in row else row)
        return tokens

    def trainable_parameters(self) -> list[nn.Parameter]:
        """The LoRA weights (every parameter with ``requires_grad``) plus the pause embedding when there is one."""
        return [p for p in self.parameters() if p.requires_grad]
