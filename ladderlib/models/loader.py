"""One loader for every model the workbook uses: the embedded default, a hub id, or a local folder.

Options that need hardware this machine lacks (4-bit QLoRA, Unsloth) fail here with a message that says so,
instead of deep inside bitsandbytes or Unsloth.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import torch

from ladderlib.config.model import EMBEDDED_MODEL, ModelSettings
from ladderlib.models.device import resolve_device, resolve_dtype
from ladderlib.models.embedded import ensure_converted


class ModelLoadError(RuntimeError):
    """A model could not be loaded; the message says which and why."""


def resolve_source(name: str) -> tuple[str, bool]:
    """Return (what to pass to ``from_pretrained``, whether it is local) for a model name."""
    if name == EMBEDDED_MODEL or name.startswith(EMBEDDED_MODEL + ":"):
        return str(ensure_converted()), True
    path = Path(os.path.expanduser(name))
    if path.exists():
        if not (path / "config.json").is_file() and not (path / "adapter_config.json").is_file():
            raise ModelLoadError(f"model folder {str(path)!r} has no config.json: not a transformers checkpoint")
        return str(path.resolve()), True
    if name.startswith((".", "/", "~")):
        raise ModelLoadError(f"model folder {name!r} does not exist")
    return name, False


def check_hardware(settings: ModelSettings, device: str) -> None:
    """Refuse 4-bit and Unsloth on machines that cannot run them, with a clear message."""
    if settings.quantization == "4bit":
        if device != "cuda":
            raise ModelLoadError(
                "model.quantization='4bit' (QLoRA) needs a CUDA GPU for bitsandbytes; this machine has none. "
                "Use quantization: none on CPU."
            )
        if importlib.util.find_spec("bitsandbytes") is None:
            raise ModelLoadError("model.quantization='4bit' needs bitsandbytes: pip install bitsandbytes")
    if settings.backend == "unsloth":
        if device != "cuda":
            raise ModelLoadError(
                "model.backend='unsloth' needs a CUDA GPU (Unsloth does not import without one); "
                "use backend: transformers on this machine."
            )
        if importlib.util.find_spec("unsloth") is None:
            raise ModelLoadError("model.backend='unsloth' needs the unsloth package: pip install unsloth")


def quantization_config(settings: ModelSettings, dtype: torch.dtype) -> Any:
    """The QLoRA recipe: 4-bit NF4 with double quantisation and bf16 (or fp16) compute."""
    if settings.quantization != "4bit":
        return None
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_use_double_quant=True,
        bnb_4bit_compute_dtype=dtype,
    )


def prepare_tokenizer(tokenizer: Any) -> Any:
    """Give the tokenizer a pad token and left padding (what batched generation needs)."""
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.padding_side = "left"
    return tokenizer


def is_gated_error(exc: BaseException) -> bool:
    """True when the hub refused a gated model (Llama and friends) for want of an accepted licence or token."""
    from huggingface_hub.errors import GatedRepoError

    chain = [exc, exc.__cause__, exc.__context__]
    return any(isinstance(e, GatedRepoError) for e in chain) or "gated repo" in str(exc).lower()


def load_error_message(name: str, local: bool, exc: BaseException) -> str:
    """The error for a model that did not load: a gated model says how to add the token on this platform."""
    if local:
        return f"could not load model {name!r} from the local folder: {exc}"
    if is_gated_error(exc):
        from ladderlib.platform.detect import detect_platform
        from ladderlib.platform.secrets import gated_model_hint

        return (f"model {name!r} is gated on the Hugging Face hub and no accepted token reached it: "
                f"{gated_model_hint(detect_platform(gpu=None).name)}")
    return (f"could not load model {name!r} from the Hugging Face hub (is this machine online? set model.name "
            f"to a local folder otherwise): {exc}")


def load_model(settings: ModelSettings | None = None, adapter_path: str | Path | None = None) -> tuple[Any, Any]:
    """Load (model, tokenizer) per ``settings``; optionally attach a saved LoRA adapter (trainable=False)."""
    settings = settings or ModelSettings()
    device = resolve_device(settings.device)
    dtype = resolve_dtype(settings.dtype, device)
    check_hardware(settings, device)
    source, local = resolve_source(settings.name)
    if settings.backend == "unsloth":
        return _load_unsloth(settings, source, dtype)
    from transformers import AutoModelForCausalLM, AutoTokenizer

    kwargs: dict[str, Any] = {"dtype": dtype, "revision": settings.revision}
    if local:
        kwargs["local_files_only"] = True
    if settings.attn_implementation != "auto":
        kwargs["attn_implementation"] = settings.attn_implementation
    qconf = quantization_config(settings, dtype)
    if qconf is not None:
        kwargs["quantization_config"] = qconf
        kwargs["device_map"] = {"": 0}
    try:
        tokenizer = AutoTokenizer.from_pretrained(source, **({"local_files_only": True} if local else {}))
        model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
    except OSError as exc:
        raise ModelLoadError(load_error_message(settings.name, local, exc)) from exc
    if qconf is None:
        model.to(device)
    if settings.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        model.config.use_cache = False
    prepare_tokenizer(tokenizer)
    if model.generation_config.pad_token_id is None:
        model.generation_config.pad_token_id = tokenizer.pad_token_id
    if adapter_path is not None:
        from peft import PeftModel

        model = PeftModel.from_pretrained(model, str(adapter_path), is_trainable=False)
    return model, tokenizer


def _load_unsloth(settings: ModelSettings, source: str, dtype: torch.dtype) -> tuple[Any, Any]:
    """Unsloth fast path (CUDA only): its own loader, 4-bit when asked."""
    from unsloth import FastLanguageModel  # noqa: PLC0415 - imports only with a GPU

    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=source,
        max_seq_length=settings.max_seq_length,
        dtype=dtype,
        load_in_4bit=settings.quantization == "4bit",
    )
    return model, prepare_tokenizer(tokenizer)


def load_with_adapters(settings: ModelSettings, adapters: list[str | Path]) -> tuple[Any, Any]:
    """Load the base model and merge a chain of saved LoRA adapters into it, in order (e.g. SFT then PPO)."""
    from peft import PeftModel

    model, tokenizer = load_model(settings)
    for path in adapters:
        if not (Path(path) / "adapter_config.json").is_file():
            raise ModelLoadError(f"no LoRA adapter at {path}")
        model = PeftModel.from_pretrained(model, str(path), is_trainable=False).merge_and_unload()
    return model, tokenizer
