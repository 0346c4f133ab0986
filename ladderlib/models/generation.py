"""The one generation engine: every sampled or greedy completion in the library goes through ``GenerateFn``.

A prompt is a ``Chat`` (a user message with its own optional system prompt), a plain ``str`` (a user message
with the engine's default system prompt) or ``Rendered`` text (already formatted, e.g. a chat template applied
by hand or a base model's raw prompt). Chat prompts are rendered with the tokenizer's chat template and then
tokenized **without** adding special tokens, because the template already holds them (so a Llama prompt never
starts with two BOS tokens); rendered text is tokenized as given plus the tokenizer's BOS when it has one and
the text lacks it.

``Sampling`` holds the decoding settings; ``temperature=0`` is greedy. ``Sampling.seed`` fixes the random
stream of one call; left ``None``, the engine's own stream is used: call ``n`` after ``Engine(seed=s)`` (or
``reseed(s)``) runs under ``torch.manual_seed(mix(s, n))``, so a seeded sequence of calls repeats exactly.

Batches are built from prompts of similar length (fewer pad tokens) with left padding, and results come back in
the caller's order; greedy results do not depend on the batch a prompt lands in.

Other backends implement the same protocol (``ladderlib.models.vllm_engine`` on GPUs).
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, Union


@dataclass(frozen=True)
class Chat:
    """A user message with an optional system prompt (``None``: the engine's default system prompt)."""

    user: str
    system: str | None = None


@dataclass(frozen=True)
class Rendered:
    """Prompt text that is already formatted for the model; it is tokenized as is."""

    text: str


Prompt = Union[str, Chat, Rendered]


@dataclass(frozen=True)
class Sampling:
    """Decoding settings of one call: greedy when ``temperature`` is 0."""

    max_new_tokens: int = 256
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 0
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.max_new_tokens < 1:
            raise ValueError(f"max_new_tokens must be >= 1, got {self.max_new_tokens}")
        if self.temperature < 0:
            raise ValueError(f"temperature must be >= 0, got {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], got {self.top_p}")

    @property
    def greedy(self) -> bool:
        """True when decoding is greedy (deterministic)."""
        return self.temperature == 0


GREEDY = Sampling()


class GenerateFn(Protocol):
    """What every consumer of completions takes: prompts and decoding settings in, one text per prompt out."""

    def __call__(self, prompts: Sequence[Prompt], sampling: Sampling = GREEDY) -> list[str]: ...


@dataclass(frozen=True)
class Completion:
    """One generated text and the number of tokens the model produced for it."""

    text: str
    n_tokens: int


def mix_seed(seed: int, index: int) -> int:
    """A 31-bit seed derived from ``seed`` and ``index`` (call number, chunk, ...), stable across runs."""
    return int(hashlib.sha256(f"{seed}:{index}".encode()).hexdigest()[:8], 16) & 0x7FFFFFFF


def render(tokenizer: Any, prompt: Prompt, default_system: str | None = None) -> str:
    """The text the model reads for ``prompt``: the chat template for chats, the text itself when rendered."""
    if isinstance(prompt, Rendered):
        return prompt.text
    chat = Chat(prompt) if isinstance(prompt, str) else prompt
    system = chat.system if chat.system is not None else default_system
    if getattr(tokenizer, "chat_template", None) is None:
        return f"{system}\n\n{chat.user}" if system else chat.user
    messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": chat.user}]
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)


def encode(tokenizer: Any, prompt: Prompt, default_system: str | None = None) -> list[int]:
    """Token ids of ``prompt`` with exactly the special tokens its rendering needs (never a doubled BOS)."""
    text = render(tokenizer, prompt, default_system)
    templated = not isinstance(prompt, Rendered) and getattr(tokenizer, "chat_template", None) is not None
    ids = list(tokenizer(text, add_special_tokens=False)["input_ids"])
    bos = getattr(tokenizer, "bos_token_id", None)
    if not templated and bos is not None and (not ids or ids[0] != bos) and _adds_bos(tokenizer):
        ids = [bos, *ids]
    return ids


def _adds_bos(tokenizer: Any) -> bool:
    """Whether the tokenizer itself prepends BOS to plain text (Llama does, SmolLM2 and Qwen do not)."""
    probe = tokenizer("a")["input_ids"]
    return bool(probe) and probe[0] == getattr(tokenizer, "bos_token_id", None)


class Engine:
    """``GenerateFn`` over a transformers causal LM and its tokenizer (see the module docstring).

    ``system`` is the default system prompt of plain-string prompts. With ``adapter_disabled`` a PEFT model
    generates with its LoRA adapter switched off (the base model, e.g. the planner's frozen worker).
    """

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        batch_size: int = 8,
        system: str | None = None,
        seed: int | None = None,
        adapter_disabled: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.model, self.tokenizer = model, tokenizer
        self.batch_size, self.system, self.adapter_disabled = batch_size, system, adapter_disabled
        self.seed, self.calls = seed, 0

    def reseed(self, seed: int | None) -> None:
        """Restart the engine's seeded stream: the n-th call from now runs under ``mix_seed(seed, n)``."""
        self.seed, self.calls = seed, 0

    def render(self, prompt: Prompt) -> str:
        """The text the model reads for ``prompt`` (this engine's default system prompt applied)."""
        return render(self.tokenizer, prompt, self.system)

    def encode(self, prompt: Prompt) -> list[int]:
        """Token ids of ``prompt`` as this engine feeds them to the model."""
        return encode(self.tokenizer, prompt, self.system)

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` for this tokenizer (no special tokens)."""
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"]) if text else 0

    def __call__(self, prompts: Sequence[Prompt], sampling: Sampling = GREEDY) -> list[str]:
        """One completion text per prompt, in order."""
        return [c.text for c in self.complete(prompts, sampling)]

    @contextlib.contextmanager
    def _model(self) -> Iterator[Any]:
        """The model in eval mode (adapter switched off when asked), restored afterwards."""
        model = getattr(self.model, "module", self.model)
        was_training = model.training
        model.eval()
        disable = getattr(model, "disable_adapter", None)
        ctx = disable() if self.adapter_disabled and callable(disable) and hasattr(model, "peft_config") else contextlib.nullcontext()
        try:
            with ctx:
                yield model
        finally:
            model.train(was_training)

    def complete(self, prompts: Sequence[Prompt], sampling: Sampling = GREEDY) -> list[Completion]:
        """One ``Completion`` (text and generated-token count) per prompt, in order."""
        import torch

        prompts = list(prompts)
        seed = sampling.seed
        if seed is None and self.seed is not None:
            seed = mix_seed(self.seed, self.calls)
        self.calls += 1
        if not prompts:
            return []
        if seed is not None:
            torch.manual_seed(seed)
        encoded = [self.encode(p) for p in prompts]
        order = sorted(range(len(prompts)), key=lambda i: len(encoded[i]))
        out: list[Completion | None] = [None] * len(prompts)
        with torch.inference_mode(), self._model() as model:
            device = next(model.parameters()).device
            for start in range(0, len(order), self.batch_size):
                idx = order[start : start + self.batch_size]
                for i, comp in zip(idx, self._generate(model, [encoded[i] for i in idx], sampling, device), strict=True):
                    out[i] = comp
        return [c for c in out if c is not None]

    def _generate(self, model: Any, batch: list[list[int]], sampling: Sampling, device: Any) -> list[Completion]:
        """Left-pad one batch of token ids, generate, and decode the new tokens up to the first EOS."""
        import torch

        tok = self.tokenizer
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        width = max(len(ids) for ids in batch)
        input_ids = torch.full((len(batch), width), pad, dtype=torch.long)
        attention = torch.zeros((len(batch), width), dtype=torch.long)
        for row, ids in enumerate(batch):
            input_ids[row, width - len(ids):] = torch.tensor(ids, dtype=torch.long)
            attention[row, width - len(ids):] = 1
        kwargs: dict[str, Any] = {"max_new_tokens": sampling.max_new_tokens, "pad_token_id": pad}
        if sampling.greedy:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        else:
            kwargs.update(do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p,
                          top_k=sampling.top_k or None)
        gen = model.generate(input_ids=input_ids.to(device), attention_mask=attention.to(device), **kwargs)
        stops = _eos_ids(tok, model)
        out = []
        for row in gen[:, width:].tolist():
            n = next((j + 1 for j, t in enumerate(row) if t in stops), len(row))
            out.append(Completion(tok.decode(row[:n], skip_special_tokens=True), n))
        return out


def _eos_ids(tokenizer: Any, model: Any) -> set[int]:
    """Token ids that end a completion: the tokenizer's EOS and the model's generation-config EOS ids."""
    ids: set[int] = set()
    for eos in (getattr(tokenizer, "eos_token_id", None), getattr(getattr(model, "generation_config", None), "eos_token_id", None)):
        if eos is not None:
            ids.update(eos if isinstance(eos, (list, tuple)) else [eos])
    return ids
