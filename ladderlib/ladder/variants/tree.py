"""Variant trees: node/tree dataclasses and their JSON form (save/load round-trips exactly).

A tree file is ``{"format": "ladder-variant-tree", "version": 1, ...tree fields..., "nodes": [...]}``;
a forest file is ``{"format": "ladder-variant-forest", "version": 1, "trees": [...]}``. Node keys
this module does not know (e.g. added by later notebooks) are kept in ``extra`` and written back.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ladderlib.io import atomic_write_json

TREE_FORMAT = "ladder-variant-tree"
FOREST_FORMAT = "ladder-variant-forest"
FORMAT_VERSION = 1
SOURCES = ("root", "model", "symbolic")


@dataclass
class VariantNode:
    """One integrand in a tree. ``source`` is ``root``, ``model`` or ``symbolic``.

    Model nodes carry ``persona``, ``temperature``, ``hints`` and ``raw`` (the extracted text);
    symbolic nodes carry ``rewrite`` (the rewrite's name) and ``kind`` (easier / equivalent).
    ``samples`` holds verified sampled solutions when a later step adds them
    (``[{"answer": ..., "correct": bool, "reason": ...}]``).
    """

    id: str
    parent: str | None
    depth: int
    integrand: str
    source: str
    difficulty: float | None = None
    difficulty_detail: dict[str, Any] = field(default_factory=dict)
    persona: str | None = None
    temperature: float | None = None
    hints: list[str] | None = None
    rewrite: str | None = None
    kind: str | None = None
    raw: str | None = None
    children: list[str] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (``extra`` keys flattened in)."""
        d = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "extra"}
        d = json.loads(json.dumps(d))  # deep copy, JSON types only
        d.update(self.extra)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "VariantNode":
        """Inverse of ``to_dict``; raises ``ValueError`` on missing keys or an unknown source."""
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        missing = [k for k in ("id", "parent", "depth", "integrand", "source") if k not in d]
        if missing:
            raise ValueError(f"variant node {d.get('id', '?')!r} lacks {missing}")
        if d["source"] not in SOURCES:
            raise ValueError(f"variant node {d['id']!r}: unknown source {d['source']!r}")
        known = {k: v for k, v in d.items() if k in names}
        return cls(**known, extra={k: v for k, v in d.items() if k not in names})


@dataclass
class VariantTree:
    """A root problem and its recursive variants, plus generation settings and drop statistics.

    ``stats[source]`` = ``{"prompts", "empty_outputs", "proposed", "accepted", "dropped": {reason: n}}``.
    """

    tree_id: str
    problem: str
    variable: str
    nodes: dict[str, VariantNode]
    root_id: str = "n0"
    seed: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> VariantNode:
        """The root node."""
        return self.nodes[self.root_id]

    def variants(self) -> list[VariantNode]:
        """Every node but the root, in creation order."""
        return [n for n in self.nodes.values() if n.id != self.root_id]

    def children(self, node_id: str) -> list[VariantNode]:
        """Direct children of ``node_id``."""
        return [self.nodes[c] for c in self.nodes[node_id].children]

    def ancestors(self, node_id: str) -> list[VariantNode]:
        """Parent, grandparent, ... up to the root."""
        out, cur = [], self.nodes[node_id].parent
        while cur is not None:
            out.append(self.nodes[cur])
            cur = self.nodes[cur].parent
        return out

    def max_depth(self) -> int:
        """Deepest node's depth (0 for a lone root)."""
        return max(n.depth for n in self.nodes.values())

    def drop_counts(self) -> dict[str, int]:
        """Drops per reason, summed over sources."""
        out: dict[str, int] = {}
        for s in self.stats.values():
            for reason, n in s.get("dropped", {}).items():
                out[reason] = out.get(reason, 0) + n
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``format``/``version`` header, nodes as a list in creation order)."""
        return {
            "format": TREE_FORMAT, "version": FORMAT_VERSION, "tree_id": self.tree_id,
            "problem": self.problem, "variable": self.variable, "root_id": self.root_id, "seed": self.seed,
            "settings": json.loads(json.dumps(self.settings)), "stats": json.loads(json.dumps(self.stats)),
            "nodes": [n.to_dict() for n in self.nodes.values()],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "VariantTree":
        """Inverse of ``to_dict``; checks the header, node ids and parent links."""
        if d.get("format") != TREE_FORMAT:
            raise ValueError(f"not a variant tree (format={d.get('format')!r})")
        if d.get("version") != FORMAT_VERSION:
            raise ValueError(f"variant tree version {d.get('version')!r} is not supported (want {FORMAT_VERSION})")
        nodes: dict[str, VariantNode] = {}
        for nd in d["nodes"]:
            node = VariantNode.from_dict(nd)
            if node.id in nodes:
                raise ValueError(f"duplicate node id {node.id!r}")
            nodes[node.id] = node
        for node in nodes.values():
            if node.parent is not None and node.parent not in nodes:
                raise ValueError(f"node {node.id!r} has unknown parent {node.parent!r}")
        root_id = d.get("root_id", "n0")
        if root_id not in nodes:
            raise ValueError(f"root {root_id!r} is not among the nodes")
        return cls(
            tree_id=d["tree_id"], problem=d["problem"], variable=d.get("variable", "x"), nodes=nodes,
            root_id=root_id, seed=d.get("seed", 0), settings=d.get("settings", {}), stats=d.get("stats", {}),
        )

    def to_json(self) -> str:
        """The tree as an indented JSON string."""
        return json.dumps(self.to_dict(), indent=2)

    def walk(self, node_id: str | None = None) -> Iterator[VariantNode]:
        """Depth-first preorder from ``node_id`` (default: the root)."""
        stack = [node_id or self.root_id]
        while stack:
            node = self.nodes[stack.pop()]
            yield node
            stack.extend(reversed(node.children))


def make_tree_id(variable: str, integrand_srepr: str) -> str:
    """A stable short id for a root integrand (same root → same id)."""
    return "t" + hashlib.sha1(f"{variable}|{integrand_srepr}".encode()).hexdigest()[:10]


def save_tree(path: str | Path, tree: VariantTree) -> Path:
    """Write one tree as JSON, atomically."""
    return atomic_write_json(Path(path), tree.to_dict())


def save_trees(path: str | Path, trees: Iterable[VariantTree]) -> Path:
    """Write several trees as one forest JSON file, atomically."""
    return atomic_write_json(
        Path(path), {"format": FOREST_FORMAT, "version": FORMAT_VERSION, "trees": [t.to_dict() for t in trees]}
    )


def trees_from_obj(obj: Any) -> list[VariantTree]:
    """Trees from a decoded tree file, forest file, or a JSON list of trees."""
    if isinstance(obj, list):
        return [VariantTree.from_dict(t) for t in obj]
    if isinstance(obj, dict) and obj.get("format") == FOREST_FORMAT:
        return [VariantTree.from_dict(t) for t in obj.get("trees", [])]
    if isinstance(obj, dict):
        return [VariantTree.from_dict(obj)]
    raise ValueError("expected a variant tree, a forest or a list of trees")


def load_trees(path: str | Path) -> list[VariantTree]:
    """Read a tree or forest file; ``ValueError`` names the file when it is not one."""
    try:
        obj = json.loads(Path(path).read_text(encoding="utf-8"))
        return trees_from_obj(obj)
    except (json.JSONDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: {exc}") from None


def load_tree(path: str | Path) -> VariantTree:
    """Read a file holding exactly one tree."""
    trees = load_trees(path)
    if len(trees) != 1:
        raise ValueError(f"{path}: holds {len(trees)} trees, expected one")
    return trees[0]
