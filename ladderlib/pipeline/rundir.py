"""A run folder (``runs/<run-id>/``): params, manifest, datasets, executed notebooks, artifacts, metrics."""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ladderlib.io import atomic_write_json

if TYPE_CHECKING:  # imported lazily: subsystem configs import this module while Params is being built
    from ladderlib.config import Params

PARAMS_FILE = "params.yaml"
MANIFEST_FILE = "manifest.json"
METRICS_FILE = "metrics.json"


def new_run_id(profile: str) -> str:
    """A sortable, unique run id: ``20261125-221530-cpu_smoke-3fa2``."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{profile}-{secrets.token_hex(2)}"


class RunDir:
    """Helpers over one run folder; notebooks and library code write their outputs through it."""

    def __init__(self, path: str | Path):
        self.path = Path(path).resolve()

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    @property
    def params_path(self) -> Path:
        return self.path / PARAMS_FILE

    @property
    def manifest_path(self) -> Path:
        return self.path / MANIFEST_FILE

    @property
    def metrics_path(self) -> Path:
        return self.path / METRICS_FILE

    def params(self) -> Params:
        """The validated params this run was started with."""
        from ladderlib.config import load_params

        return load_params(self.params_path)

    def subdir(self, name: str) -> Path:
        """A sub-folder for one step's artifacts (created if missing)."""
        p = self.path / name
        p.mkdir(parents=True, exist_ok=True)
        return p

    def read_metrics(self) -> dict[str, Any]:
        """All metrics recorded so far, by section."""
        return json.loads(self.metrics_path.read_text()) if self.metrics_path.is_file() else {}

    def record_metrics(self, section: str, values: dict[str, Any]) -> dict[str, Any]:
        """Merge ``values`` into ``metrics.json[section]`` atomically; returns the whole metrics dict."""
        metrics = self.read_metrics()
        metrics.setdefault(section, {}).update(values)
        atomic_write_json(self.metrics_path, metrics)
        return metrics


def create_run(params: Params, runs_dir: str | Path = "runs", run_id: str | None = None) -> RunDir:
    """Make a new run folder holding ``params.yaml`` and an empty ``metrics.json``."""
    from ladderlib.config import dump_params

    run = RunDir(Path(runs_dir) / (run_id or new_run_id(params.profile)))
    run.path.mkdir(parents=True, exist_ok=False)
    dump_params(params, run.params_path)
    atomic_write_json(run.metrics_path, {})
    return run


def open_run(params_path: str | Path, run_dir: str | Path | None = None, runs_dir: str | Path = "runs") -> tuple[Params, RunDir]:
    """Notebook entry point: reuse the pipeline's run folder, or start a fresh one when run interactively."""
    if run_dir:
        run = RunDir(run_dir)
        if not run.params_path.is_file():
            raise FileNotFoundError(f"{run.path} is not a run folder (no {PARAMS_FILE})")
        return run.params(), run
    from ladderlib.config import load_params

    params = load_params(params_path)
    run = create_run(params, runs_dir)
    return params, run


def latest_run(runs_dir: str | Path = "runs", profile: str | None = None) -> RunDir | None:
    """The newest run folder (optionally of one profile), or None."""
    runs = sorted(p for p in Path(runs_dir).glob("*") if (p / PARAMS_FILE).is_file())
    if profile:
        runs = [p for p in runs if f"-{profile}-" in p.name]
    return RunDir(runs[-1]) if runs else None
