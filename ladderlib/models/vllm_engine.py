"""The generation engine on vLLM (CUDA only): the same ``GenerateFn`` protocol as ``Engine``, with an optional
LoRA adapter served per request.

vLLM is not a dependency of this project: it is imported only here, and ``vllm_llm`` fails with a message
naming the problem when it is missing. Prompts are sent as chat messages, so vLLM applies the model's chat
template itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ladderlib.config.model import ModelSettings
from ladderlib.models.generation import GREEDY, Chat, Completion, Prompt, Rendered, Sampling

LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)  # the max_lora_rank values vLLM accepts


def vllm_llm(settings: ModelSettings, adapter: str | Path | None = None) -> Any:
    """A ``vllm.LLM`` for ``settings.name`` (full precision), able to serve ``adapter``'s LoRA rank."""
    try:
        from vllm import LLM
    except ImportError as exc:
        raise RuntimeError(f"the vLLM engine needs the vllm package on a CUDA machine: {exc}") from exc
    from ladderlib.models.loader import resolve_source

    source, _ = resolve_source(settings.name)
    kwargs: dict[str, Any] = {}
    if adapter is not None:
        rank = int(json.loads((Path(adapter) / "adapter_config.json").read_text()).get("r", 16))
        kwargs = {"enable_lora": True, "max_loras": 1, "max_lora_rank": next((r for r in LORA_RANKS if r >= rank), rank)}
    return LLM(model=source, dtype="auto" if settings.dtype == "auto" else settings.dtype,
               max_model_len=settings.max_seq_length, revision=settings.revision, **kwargs)


class VLLMEngine:
    """``GenerateFn`` over a ``vllm.LLM``; ``adapter`` (a LoRA folder) is applied to every request when given."""

    def __init__(self, llm: Any, *, system: str | None = None, adapter: str | Path | None = None,
                 adapter_name: str = "adapter") -> None:
        self.llm, self.system = llm, system
        self.lora = None
        if adapter is not None:
            from vllm.lora.request import LoRARequest

            self.lora = LoRARequest(adapter_name, 1, str(adapter))

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` for the served model's tokenizer."""
        return len(self.llm.get_tokenizer()(text, add_special_tokens=False)["input_ids"]) if text else 0

    def __call__(self, prompts: Sequence[Prompt], sampling: Sampling = GREEDY) -> list[str]:
        """One completion text per prompt, in order."""
        return [c.text for c in self.complete(prompts, sampling)]

    def complete(self, prompts: Sequence[Prompt], sampling: Sampling = GREEDY) -> list[Completion]:
        """One ``Completion`` per prompt; chats go through ``LLM.chat``, rendered text through ``LLM.generate``."""
        from vllm import SamplingParams

        params = SamplingParams(temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k or -1,
                                max_tokens=sampling.max_new_tokens, seed=sampling.seed)
        prompts = list(prompts)
        out: list[Completion | None] = [None] * len(prompts)
        chats = [i for i, p in enumerate(prompts) if not isinstance(p, Rendered)]
        raw = [i for i, p in enumerate(prompts) if isinstance(p, Rendered)]
        if chats:
            msgs = [self._messages(prompts[i]) for i in chats]
            for i, o in zip(chats, self.llm.chat(msgs, params, lora_request=self.lora, use_tqdm=False), strict=True):
                out[i] = Completion(o.outputs[0].text, len(o.outputs[0].token_ids))
        if raw:
            texts = [prompts[i].text for i in raw]  # type: ignore[union-attr]
            for i, o in zip(raw, self.llm.generate(texts, params, lora_request=self.lora, use_tqdm=False), strict=True):
                out[i] = Completion(o.outputs[0].text, len(o.outputs[0].token_ids))
        return [c for c in out if c is not None]

    def _messages(self, prompt: Prompt) -> list[dict[str, str]]:
        chat = Chat(prompt) if isinstance(prompt, str) else prompt
        system = chat.system if chat.system is not None else self.system
        return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": chat.user}]
