"""Saving and reloading a trained latent method: its LoRA adapter plus the few embedding rows it owns (and the
thought norm and thought input it was trained with).

``save_pretrained`` with ``save_embedding_layers=True`` would store the whole resized embedding matrix (~113 MB
for SmolLM2) because the latent tokens enlarged the vocabulary; only their three rows (and the pause embedding)
differ from the base model, so those go into ``latent_tokens.pt`` and the adapter is saved without embeddings.
A fully fine-tuned method (``LatentSettings.finetune="full"``, no adapter) is saved as the whole model
(``save_pretrained``, safetensors) with the same ``latent_tokens.pt``.
Folders are written to a temporary sibling and moved into place, so a killed save leaves no half adapter.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import torch

from ladderlib.latent.coconut import SPECIAL_TOKENS, Coconut, add_latent_tokens

TOKENS_FILE = "latent_tokens.pt"


def save_method(coconut: Coconut, folder: str | Path) -> Path:
    """Write ``coconut``'s adapter and latent-token rows (and pause embedding) into ``folder`` atomically."""
    from ladderlib.io import atomic_replace_dir

    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    if hasattr(coconut.model, "peft_config"):
        coconut.model.save_pretrained(str(tmp), save_embedding_layers=False)
    else:  # full fine-tuning: the whole model
        coconut.model.save_pretrained(str(tmp))
    rows = coconut.embedding.weight.detach()[[coconut.ids[t] for t in SPECIAL_TOKENS]].clone()
    torch.save({"tokens": list(SPECIAL_TOKENS), "rows": rows,
                "pause": None if coconut.pause_embedding is None else coconut.pause_embedding.detach().clone(),
                "thought_norm": coconut.thought_norm, "thought_input": coconut.thought_input},
               tmp / TOKENS_FILE)
    return atomic_replace_dir(tmp, folder)


def has_method(folder: str | Path) -> bool:
    """True when ``folder`` holds a complete saved method."""
    folder = Path(folder)
    weights = (folder / "adapter_config.json").is_file() or (folder / "config.json").is_file()
    return weights and (folder / TOKENS_FILE).is_file()


def load_method(base: tuple[Any, Any], folder: str | Path) -> Coconut:
    """Rebuild a saved method on ``base=(model, tokenizer)`` (a copy with the adapter, or the saved full model in
    its class and dtype): latent tokens, their rows, the pause embedding."""
    import copy

    from peft import PeftModel

    folder = Path(folder)
    if not has_method(folder):
        raise FileNotFoundError(f"{folder}: no saved latent method (adapter_config.json or config.json, and "
                                f"{TOKENS_FILE})")
    adapter = (folder / "adapter_config.json").is_file()
    if adapter:
        model, tokenizer = copy.deepcopy(base[0]), base[1]
    else:  # a fully fine-tuned model, in the base model's class and dtype
        model, tokenizer = type(base[0]).from_pretrained(str(folder), dtype=base[0].dtype), base[1]
    ids = add_latent_tokens(model, tokenizer)
    saved = torch.load(folder / TOKENS_FILE, map_location="cpu")
    with torch.no_grad():
        emb = model.get_input_embeddings()
        for name, row in zip(saved["tokens"], saved["rows"]):
            emb.weight[ids[name]] = row.to(emb.weight.dtype)
    if adapter:
        model = PeftModel.from_pretrained(model, str(folder), is_trainable=False)
    coconut = Coconut(model, tokenizer, pause=saved["pause"] is not None, thought_norm=saved.get("thought_norm"),
                      thought_input=saved.get("thought_input", "hidden"))
    if saved["pause"] is not None:
        with torch.no_grad():
            coconut.pause_embedding.copy_(saved["pause"])
    return coconut.eval()
