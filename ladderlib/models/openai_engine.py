"""The generation engine over an OpenAI-compatible server (``vllm serve``, ``ladder serve``, any host speaking
``/v1/chat/completions`` and ``/v1/completions``): the same ``complete``/``count_tokens`` protocol as ``Engine``.

Plain ``urllib`` rather than the ``openai`` package: two JSON POST endpoints do not warrant a dependency the
rest of the project does not need. Chats go to ``/chat/completions`` (the server applies the chat template),
``Rendered`` text to ``/completions``; requests run concurrently so the server can batch them. A served LoRA
adapter is addressed by its name as the ``model`` (vLLM: ``--lora-modules planner=DIR``).
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ladderlib.models.generation import GREEDY, Chat, Completion, Prompt, Rendered, Sampling


class ServerError(RuntimeError):
    """The server could not be reached or answered with an error; the message names the URL."""


class OpenAIEngine:
    """``complete`` over an OpenAI-compatible server for ``model`` (a served base model or LoRA name)."""

    def __init__(self, base_url: str, model: str, *, system: str | None = None, api_key: str | None = None,
                 tokenizer: Any = None, timeout_s: float = 300.0, concurrency: int = 8) -> None:
        self.base_url = base_url.rstrip("/")
        self.model, self.system, self.api_key = model, system, api_key
        self.tokenizer, self.timeout_s, self.concurrency = tokenizer, timeout_s, concurrency

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.base_url}{path}"
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        req = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout_s) as resp:
                return json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            raise ServerError(f"{url} answered {exc.code}: {exc.read()[:300].decode(errors='replace')}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise ServerError(f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from None

    def _messages(self, prompt: Prompt) -> list[dict[str, str]]:
        chat = Chat(prompt) if isinstance(prompt, str) else prompt
        system = chat.system if chat.system is not None else self.system
        return ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": chat.user}]

    def _one(self, prompt: Prompt, sampling: Sampling) -> Completion:
        body: dict[str, Any] = {"model": self.model, "max_tokens": sampling.max_new_tokens,
                                "temperature": sampling.temperature, "top_p": sampling.top_p}
        if sampling.seed is not None:
            body["seed"] = sampling.seed
        if sampling.top_k:
            body["top_k"] = sampling.top_k  # vLLM's extension of the schema
        if isinstance(prompt, Rendered):
            out = self._post("/completions", {**body, "prompt": prompt.text})
            text = out["choices"][0]["text"]
        else:
            out = self._post("/chat/completions", {**body, "messages": self._messages(prompt)})
            text = out["choices"][0]["message"]["content"] or ""
        usage = out.get("usage") or {}
        return Completion(text, int(usage.get("completion_tokens") or self.count_tokens(text)))

    def complete(self, prompts: Sequence[Prompt], sampling: Sampling = GREEDY) -> list[Completion]:
        """One ``Completion`` per prompt, in order (requests sent concurrently)."""
        prompts = list(prompts)
        if len(prompts) <= 1:
            return [self._one(p, sampling) for p in prompts]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(prompts))) as pool:
            return list(pool.map(lambda p: self._one(p, sampling), prompts))

    def __call__(self, prompts: Sequence[Prompt], sampling: Sampling = GREEDY) -> list[str]:
        """One completion text per prompt, in order."""
        return [c.text for c in self.complete(prompts, sampling)]

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` with the local tokenizer of the served model (whitespace words without one)."""
        if not text:
            return 0
        if self.tokenizer is None:
            return len(text.split())
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])
