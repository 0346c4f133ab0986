"""LoRA adapters through PEFT (and Unsloth's equivalent when the model was loaded with Unsloth)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ladderlib.config.model import LoraSettings, ModelSettings


def lora_config(lora: LoraSettings, task_type: str = "CAUSAL_LM") -> Any:
    """Build a ``peft.LoraConfig`` from our settings."""
    from peft import LoraConfig

    return LoraConfig(
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=lora.target_modules,
        bias="none",
        task_type=task_type,
    )


def add_lora(model: Any, settings: ModelSettings) -> Any:
    """Wrap ``model`` with a trainable LoRA adapter (k-bit preparation first when it is 4-bit)."""
    if settings.backend == "unsloth":
        from unsloth import FastLanguageModel

        targets = settings.lora.target_modules
        if targets == "all-linear":
            targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
        return FastLanguageModel.get_peft_model(
            model,
            r=settings.lora.r,
            lora_alpha=settings.lora.alpha,
            lora_dropout=settings.lora.dropout,
            target_modules=targets,
            use_gradient_checkpointing="unsloth" if settings.gradient_checkpointing else False,
        )
    from peft import get_peft_model, prepare_model_for_kbit_training

    if getattr(model, "is_loaded_in_4bit", False):
        model = prepare_model_for_kbit_training(
            model, use_gradient_checkpointing=settings.gradient_checkpointing
        )
    return get_peft_model(model, lora_config(settings.lora))


def merge_adapter(base_settings: ModelSettings, adapter_path: str | Path, output_dir: str | Path) -> Path:
    """Merge a saved LoRA adapter into a full-precision copy of its base model and save it (seed 001's merge)."""
    from ladderlib.models.loader import load_model
    from ladderlib.io import atomic_replace_dir
    import tempfile

    full = base_settings.model_copy(update={"quantization": "none", "backend": "transformers"})
    model, tokenizer = load_model(full, adapter_path=adapter_path)
    merged = model.merge_and_unload()
    out = Path(output_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    merged.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    return atomic_replace_dir(tmp, out)
