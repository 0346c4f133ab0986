"""Model loading (embedded / hub / local), LoRA adapters, device choice and batched generation.

Names are imported lazily so that ``ladder --help`` and params validation do not load torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ModelLoadError": "ladderlib.models.loader",
    "load_model": "ladderlib.models.loader",
    "load_with_adapters": "ladderlib.models.loader",
    "add_lora": "ladderlib.models.lora",
    "merge_adapter": "ladderlib.models.lora",
    "chat_prompt": "ladderlib.models.generation",
    "generate": "ladderlib.models.generation",
    "make_generate_fn": "ladderlib.models.generation",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'ladderlib.models' has no attribute {name!r}")
