"""``manifest.json``: what ran, from which code, with which packages, and how each notebook ended."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from ladderlib.io import atomic_write_json

TRACKED_PACKAGES = (
    "ladderlib", "torch", "transformers", "trl", "peft", "accelerate", "datasets", "papermill",
    "sympy", "scipy", "numpy", "math-verify", "pydantic", "bitsandbytes", "unsloth", "vllm",
)


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


def package_versions(names: tuple[str, ...] = TRACKED_PACKAGES) -> dict[str, str]:
    """Installed versions of the packages that shape results (absent ones are left out)."""
    out = {}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            pass
    return out


def git_state(repo: Path) -> dict[str, Any]:
    """The commit and whether the working tree had uncommitted changes (None outside a git checkout)."""
    def git(*args: str) -> str | None:
        try:
            r = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return r.stdout.strip() if r.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    dirty = git("status", "--porcelain")
    return {"commit": commit, "dirty": bool(dirty) if dirty is not None else None}


@dataclass
class NotebookRecord:
    """One notebook's status in a run."""

    name: str
    status: str = "pending"  # pending | running | completed | failed
    started: str | None = None
    ended: str | None = None
    duration_s: float | None = None
    output: str | None = None
    error: str | None = None


@dataclass
class Manifest:
    """The run's manifest; saved after every change so a crash leaves an accurate record."""

    run_id: str
    profile: str
    notebooks: list[NotebookRecord]
    git: dict[str, Any] = field(default_factory=dict)
    packages: dict[str, str] = field(default_factory=package_versions)
    python: str = field(default_factory=lambda: sys.version.split()[0])
    platform: str = field(default_factory=platform.platform)
    started: str = field(default_factory=_now)
    ended: str | None = None
    status: str = "running"  # running | completed | failed
    attempts: int = 1

    def record(self, name: str) -> NotebookRecord:
        """The record of notebook ``name``."""
        for nb in self.notebooks:
            if nb.name == name:
                return nb
        raise KeyError(f"notebook {name!r} is not part of run {self.run_id}")

    def save(self, path: Path) -> None:
        """Write atomically."""
        atomic_write_json(path, asdict(self))

    @classmethod
    def load(cls, path: Path) -> "Manifest":
        """Read a manifest written by ``save``."""
        data = json.loads(Path(path).read_text())
        data["notebooks"] = [NotebookRecord(**nb) for nb in data["notebooks"]]
        return cls(**data)


def now() -> str:
    """Timestamp in the manifest's format."""
    return _now()
