"""Model loading (embedded / hub / local), LoRA adapters, device choice and batched generation."""

from ladderlib.models.generate import chat_prompt, generate, make_generate_fn
from ladderlib.models.loader import ModelLoadError, load_model
from ladderlib.models.lora import add_lora, merge_adapter

__all__ = ["ModelLoadError", "add_lora", "chat_prompt", "generate", "load_model", "make_generate_fn", "merge_adapter"]
