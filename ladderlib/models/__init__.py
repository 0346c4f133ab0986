"""Model loading (embedded / hub / local), LoRA adapters, device choice, and the one generation engine.

Names are imported lazily so that ``ladder --help`` and params validation do not load torch.
"""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "loader": "ModelLoadError load_model load_with_adapters",
    "lora": "add_lora merge_adapter",
    "generation": "Chat Completion Engine GenerateFn Rendered Sampling",
})
