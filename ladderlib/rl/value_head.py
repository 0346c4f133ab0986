"""A causal LM plus a scalar value head on its last hidden state (plain HF model or PEFT-wrapped)."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import nn

__all__ = ["VALUE_HEAD_FILE", "CausalLMWithValueHead", "is_peft_model"]

VALUE_HEAD_FILE = "value_head.safetensors"


def is_peft_model(model: nn.Module) -> bool:
    """True if ``model`` is a PEFT ``PeftModel`` (so the reference policy is the model with its adapter disabled)."""
    try:
        from peft import PeftModel
    except ImportError:  # pragma: no cover
        return False
    return isinstance(model, PeftModel)


def _hidden_size(model: nn.Module) -> int:
    config = model.config
    if hasattr(config, "get_text_config"):
        config = config.get_text_config()
    return int(config.hidden_size)


class CausalLMWithValueHead(nn.Module):
    """Wraps a causal LM; ``forward`` returns ``(logits, values)`` with one value per position (fp32 head)."""

    def __init__(self, pretrained_model: nn.Module, v_head: nn.Linear | None = None) -> None:
        super().__init__()
        self.pretrained_model = pretrained_model
        if v_head is None:
            h = _hidden_size(pretrained_model)
            v_head = nn.Linear(h, 1)
            nn.init.normal_(v_head.weight, std=1.0 / math.sqrt(h + 1))
            nn.init.zeros_(v_head.bias)
        self.v_head = v_head.float()

    @property
    def is_peft(self) -> bool:
        """Whether the wrapped model is a PEFT model."""
        return is_peft_model(self.pretrained_model)

    @property
    def config(self) -> Any:
        """The wrapped model's config."""
        return self.pretrained_model.config

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, **kwargs: Any
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the LM → ``(logits (B, T, V), values (B, T))``; values come from the last hidden state."""
        out = self.pretrained_model(
            input_ids=input_ids, attention_mask=attention_mask, output_hidden_states=True, use_cache=False, **kwargs
        )
        hidden = out.hidden_states[-1]
        values = self.v_head(hidden.to(self.v_head.weight.dtype)).squeeze(-1)
        return out.logits, values

    @contextlib.contextmanager
    def adapter_disabled(self) -> Iterator[None]:
        """Context in which the wrapped PEFT model behaves as its base model (the reference policy)."""
        if not self.is_peft:
            raise RuntimeError("adapter_disabled() needs a PEFT model")
        with self.pretrained_model.disable_adapter():
            yield

    @torch.no_grad()
    def generate(self, *args: Any, **kwargs: Any) -> torch.Tensor:
        """HF ``generate`` of the wrapped (policy) model."""
        return self.pretrained_model.generate(*args, **kwargs)

    def save_pretrained(self, path: str | Path) -> None:
        """Save the adapter (PEFT) or full model with ``save_pretrained``, plus ``value_head.safetensors``."""
        from safetensors.torch import save_file

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.pretrained_model.save_pretrained(str(path))
        save_file({k: v.detach().cpu().contiguous() for k, v in self.v_head.state_dict().items()}, str(path / VALUE_HEAD_FILE))

    def load_value_head(self, path: str | Path) -> None:
        """Load ``value_head.safetensors`` from a folder written by ``save_pretrained``."""
        from safetensors.torch import load_file

        state = load_file(str(Path(path) / VALUE_HEAD_FILE))
        self.v_head.load_state_dict(state)

    def load_adapter_weights(self, path: str | Path) -> None:
        """Load policy weights saved by ``save_pretrained`` into this model in place (adapter or full weights)."""
        from safetensors.torch import load_file

        path = Path(path)
        if self.is_peft:
            from peft import set_peft_model_state_dict

            state = load_file(str(path / "adapter_model.safetensors"))
            result = set_peft_model_state_dict(self.pretrained_model, state)
            unexpected = getattr(result, "unexpected_keys", None)
            if unexpected:
                raise RuntimeError(f"unexpected adapter keys in {path}: {unexpected[:5]}")
        else:
            state = load_file(str(path / "model.safetensors"))
            missing, unexpected = self.pretrained_model.load_state_dict(state, strict=False)
            if unexpected:
                raise RuntimeError(f"unexpected weights in {path}: {unexpected[:5]}")
            # Keys the HF saver drops on purpose are tied weights; anything else missing is an error.
            tied = {k for k in missing if k.endswith("lm_head.weight")}
            if set(missing) - tied:
                raise RuntimeError(f"missing weights in {path}: {sorted(set(missing) - tied)[:5]}")

    @classmethod
    def from_pretrained(cls, base_model: nn.Module, path: str | Path, is_trainable: bool = True) -> CausalLMWithValueHead:
        """Rebuild from a ``save_pretrained`` folder: the PEFT adapter in ``path`` (if any) on ``base_model``, plus the value head."""
        path = Path(path)
        if (path / "adapter_config.json").exists():
            from peft import PeftModel

            model = PeftModel.from_pretrained(base_model, str(path), is_trainable=is_trainable)
            wrapped = cls(model)
        else:
            wrapped = cls(base_model)
            wrapped.load_adapter_weights(path)
        wrapped.load_value_head(path)
        return wrapped
