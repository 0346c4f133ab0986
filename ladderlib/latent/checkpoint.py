"""Saving and reloading a trained latent method: its LoRA adapter plus the few embedding rows it owns (and the
thought norm it was trained with).

``save_pretrained`` with ``save_embedding_layers=True`` would store the whole resized embedding matrix (~113 MB
for SmolLM2) because the latent tokens enlarged the vocabulary; only their three rows (and the pause embedding)
differ from the base model, so those go into ``latent_tokens.pt`` and the adapter is saved without embeddings.
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
    coconut.model.save_pretrained(str(tmp), save_embedding_layers=False)
    rows = coconut.embedding.weight.detach()[[coconut.ids[t] for t in SPECIAL_TOKENS]].clone()
    torch.save({"tokens": list(SPECIAL_TOKENS), "rows": rows,
                "pause": None if coconut.pause_embedding is None else coconut.pause_embedding.detach().clone(),
                "thought_norm": coconut.thought_norm},
               tmp / TOKENS_FILE)
    return atomic_replace_dir(tmp, folder)


def has_method(folder: str | Path) -> bool:
    """True when ``folder`` holds a complete saved method."""
    folder = Path(folder)
    return (folder / "adapter_config.json").is_file() and (folder / TOKENS_FILE).is_file()


def load_method(base: tuple[Any, Any], folder: str | Path) -> Coconut:
    """Rebuild a saved method on a copy of ``base=(model, tokenizer)``: latent tokens, their rows, the adapter."""
    import copy

    from peft import PeftModel

    folder = Path(folder)
    if not has_method(folder):
        raise FileNotFoundError(f"{folder}: no saved latent method (adapter_config.json and {TOKENS_FILE})")
    model, tokenizer = copy.deepcopy(base[0]), base[1]
    ids = add_latent_tokens(model, tokenizer)
    saved = torch.load(folder / TOKENS_FILE, map_location="cpu")
    with torch.no_grad():
        emb = model.get_input_embeddings()
        for name, row in zip(saved["tokens"], saved["rows"]):
            emb.weight[ids[name]] = row.to(emb.weight.dtype)
    model = PeftModel.from_pretrained(model, str(folder), is_trainable=False)
    coconut = Coconut(model, tokenizer, pause=saved["pause"] is not None, thought_norm=saved.get("thought_norm"))
    if saved["pause"] is not None:
        with torch.no_grad():
            coconut.pause_embedding.copy_(saved["pause"])
    return coconut.eval()
