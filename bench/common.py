"""What every benchmark records about the machine and the code it ran on."""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("torch", "transformers", "trl", "peft", "accelerate", "datasets", "sympy", "numpy")


def machine_info() -> dict:
    """CPU count, platform, Python, package versions, git commit, load average and the time."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout)
    except OSError:
        commit, dirty = None, None
    return {
        "cpu_count": os.cpu_count(), "platform": platform.platform(), "processor": platform.processor(),
        "python": sys.version.split()[0], "packages": versions, "git_commit": commit, "git_dirty": dirty,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
