"""TTRL's adapter cache (seed 000): adapters stored per problem, found again by problem similarity.

An entry is one adapted problem: its text, its MiniLM embedding (normalised), its canonical integrand
fingerprint (``ladderlib.verify.fingerprint``), the adapter stack that rebuilds its adapted policy, and what the
adaptation cost (steps, seconds). ``lookup`` answers a new problem with the best entry: ``exact`` when the
fingerprints are equal (the same integrand: its adapter is used as it is), ``near`` when the embeddings' cosine
is at least ``min_similarity`` (start from that adapter, with fewer steps), else nothing. Entries are only
compared with entries adapted from the same starting policy (``base``).

Layout::

    <root>/<entry-id>/entry.json   the fields of ``CacheEntry``
    <root>/<entry-id>/adapter/     the LoRA adapter trained for that problem
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ladderlib.io import atomic_write_json

EmbedFn = Callable[[Sequence[str]], list[list[float]]]
"""Texts in, one unit-length embedding per text out."""


def minilm_embedder(name: str = "embedded") -> EmbedFn:
    """``EmbedFn`` over a sentence-embedding model (``embedded``: the packaged all-MiniLM-L6-v2), loaded once."""
    from ladderlib.models.embeddings import load_embedding_model

    def embed(texts: Sequence[str]) -> list[list[float]]:
        model = load_embedding_model(name)
        emb = model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True)
        return [[float(v) for v in row] for row in emb]

    return embed


def base_id(model_name: str, start_stack: Sequence[str | Path]) -> str:
    """Identity of a starting policy: the model name and the adapters merged into it (their folders' weights)."""
    h = hashlib.sha256(model_name.encode())
    for a in start_stack:
        weights = Path(a) / "adapter_model.safetensors"
        h.update(weights.read_bytes() if weights.is_file() else str(a).encode())
    return h.hexdigest()[:16]


@dataclass
class CacheEntry:
    """One cached adaptation."""

    id: str
    text: str
    fingerprint: str | None
    embedding: list[float]
    base: str
    stack: list[str]
    steps: int
    wall_s: float
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CacheHit:
    """The entry a new problem starts from: ``kind`` is ``exact`` (same fingerprint) or ``near`` (cosine)."""

    entry: CacheEntry
    kind: str
    similarity: float


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine of two unit vectors (their dot product)."""
    return float(sum(x * y for x, y in zip(a, b, strict=True)))


class AdapterCache:
    """Adapters per problem under ``root`` (layout in the module docstring), looked up by similarity."""

    def __init__(self, root: str | Path, base: str, embed: EmbedFn, min_similarity: float = 0.9) -> None:
        self.root, self.base, self.embed, self.min_similarity = Path(root), base, embed, min_similarity
        self.root.mkdir(parents=True, exist_ok=True)
        self.entries = [e for e in self._read() if e.base == base]

    def _read(self) -> list[CacheEntry]:
        out = []
        for f in sorted(self.root.glob("*/entry.json")):
            try:
                out.append(CacheEntry(**json.loads(f.read_text())))
            except (ValueError, TypeError):  # a torn or foreign entry is skipped, never trusted
                continue
        return out

    def lookup(self, text: str, fingerprint: str | None, embedding: Sequence[float] | None = None) -> CacheHit | None:
        """The best entry for a problem (exact fingerprint first, then the highest cosine at the threshold)."""
        if not self.entries:
            return None
        if fingerprint is not None:
            for e in self.entries:
                if e.fingerprint == fingerprint:
                    return CacheHit(e, "exact", 1.0)
        emb = list(embedding) if embedding is not None else self.embed([text])[0]
        best = max(self.entries, key=lambda e: cosine(emb, e.embedding))
        sim = cosine(emb, best.embedding)
        return CacheHit(best, "near", sim) if sim >= self.min_similarity else None

    def store(self, entry_id: str, text: str, fingerprint: str | None, stack: Sequence[str | Path], adapter: str | Path | None,
              steps: int, wall_s: float, info: dict[str, Any] | None = None,
              embedding: Sequence[float] | None = None) -> CacheEntry:
        """Add a problem's adaptation: ``adapter`` (trained on top of ``stack``) is copied into the cache."""
        folder = self.root / entry_id
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        full = [str(s) for s in stack]
        if adapter is not None:
            shutil.copytree(adapter, folder / "adapter")
            full.append(str(folder / "adapter"))
        emb = list(embedding) if embedding is not None else self.embed([text])[0]
        entry = CacheEntry(entry_id, text, fingerprint, emb, self.base, full, steps, round(wall_s, 2), info or {})
        atomic_write_json(folder / "entry.json", asdict(entry))
        self.entries = [e for e in self.entries if e.id != entry_id] + [entry]
        return entry
