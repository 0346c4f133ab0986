"""The notebooks' first cell: look at the machine, install the workbook where the runtime lacks it, say so.

Locally and under papermill (the workbook already installed) it changes nothing and prints one line about the
machine. On a fresh Colab/Kaggle runtime it runs the install plan (``ladderlib.platform.install``) once, reads
the hub token from the platform's secrets, and prints what it did and how long it took.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ladderlib.platform.detect import Platform, detect_platform
from ladderlib.platform.install import STAMP, InstallStep, already_installed, install_plan, plan_digest
from ladderlib.platform.profiles import choose_profile
from ladderlib.platform.secrets import load_hub_token

REPO = Path(__file__).resolve().parents[2]


@dataclass
class PlatformReport:
    """What the first cell found and did."""

    platform: Platform
    profile: str
    installed: list[InstallStep] = field(default_factory=list)
    skipped_install: bool = False
    hub_token: str = "none"
    seconds: float = 0.0

    def line(self) -> str:
        """The one line the cell prints."""
        if self.installed:
            did = f"installed the workbook ({len(self.installed)} steps) in {self.seconds:.0f}s"
        elif self.skipped_install:
            did = "workbook already installed"
        else:
            did = "nothing to install"
        return (f"{self.platform.describe()}: {did}; params_path 'auto' -> {self.profile}; "
                f"hub token: {self.hub_token}")


def setup_platform(platform: Platform | None = None, repo: Path = REPO,
                   run: Callable[..., Any] = subprocess.run, quiet: bool = False) -> PlatformReport:
    """Detect, install on a fresh hosted runtime (``run`` executes each step), read the hub token; print one line."""
    t0 = time.perf_counter()
    platform = platform or detect_platform()
    report = PlatformReport(platform, choose_profile(platform))
    steps, pins = install_plan(platform, repo)
    if steps:
        digest = plan_digest(steps, pins)
        if already_installed(repo, digest):
            report.skipped_install = True
        else:
            (repo / ".platform-constraints.txt").write_text("\n".join(pins) + "\n")
            for step in steps:
                run(list(step.argv), check=True)
            importlib.invalidate_caches()  # the packages just installed import in this kernel
            (repo / STAMP).write_text(json.dumps({"plan": digest, "steps": [s.why for s in steps]}))
            report.installed = steps
    report.hub_token = load_hub_token(platform)
    report.seconds = time.perf_counter() - t0
    if not quiet:
        print(report.line())
    return report
