"""Model loading (embedded / hub / local), LoRA adapters, device choice and batched generation.

Names are imported lazily so that ``ladder --help`` and params validation do not load torch.
"""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

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


__getattr__ = lazy_exports(__name__, _EXPORTS)
