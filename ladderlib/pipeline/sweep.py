"""Experiment grids over the notebooks (``ladder sweep``): one pipeline run folder per grid point.

A grid maps dotted settings (``latent.c_thought``) to lists of values; its points are their Cartesian product, in
the grid's key order. Every point is validated through ``Params`` before anything runs, then executed with
``run_pipeline`` into ``<sweep>/points/p000_<slug>/``. ``sweep.json`` records the grid, the profile and each
point's status, run folder and timings after every change, so ``resume`` continues point by point; a failed
point is recorded and the sweep goes on. ``summarise`` tabulates each point's grid values and numeric metrics.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from ladderlib.io import atomic_write_json
from ladderlib.pipeline.manifest import Manifest, now
from ladderlib.pipeline.rundir import RunDir, new_run_id

if TYPE_CHECKING:
    from ladderlib.config import Params

SWEEP_FILE = "sweep.json"
POINTS_DIR = "points"
SUMMARY_CSV = "summary.csv"
SUMMARY_JSON = "summary.json"
SUMMARY_PNG = "summary.png"
_SLUG_UNSAFE = re.compile(r"[^A-Za-z0-9.]+")


class SweepError(ValueError):
    """An unusable grid, profile or sweep folder; the message names the grid key, point or file."""


# --- the grid ------------------------------------------------------------------------------------------------


def check_grid(grid: Any, source: str = "grid") -> dict[str, list[Any]]:
    """The grid as ``{dotted key: non-empty list}``; anything else raises ``SweepError`` naming the key."""
    if not isinstance(grid, Mapping) or not grid:
        kind = "empty" if isinstance(grid, Mapping) or grid is None else type(grid).__name__
        raise SweepError(f"{source}: a grid is a mapping of dotted setting keys to lists of values "
                         f"(e.g. 'latent.c_thought: [1, 2]'), got {kind}")
    out: dict[str, list[Any]] = {}
    for key, values in grid.items():
        if not isinstance(key, str) or not all(key.split(".")):
            raise SweepError(f"{source}: grid key {key!r} is not a dotted setting key like 'latent.c_thought'")
        if not isinstance(values, list):
            raise SweepError(f"{source}: grid key {key!r} needs a list of values, got {type(values).__name__}")
        if not values:
            raise SweepError(f"{source}: grid key {key!r} has an empty list: give at least one value")
        out[key] = values
    return out


def _read_yaml(path: str | Path, what: str) -> Any:
    """The parsed YAML of ``path``; a missing file or bad YAML raises ``SweepError`` naming ``what``."""
    p = Path(path)
    if not p.is_file():
        raise SweepError(f"{what} {str(p)!r}: file not found")
    try:
        return yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        raise SweepError(f"{what} {str(p)!r} is not valid YAML: {exc}") from None


def load_grid(path: str | Path) -> dict[str, list[Any]]:
    """Read and check a grid YAML file."""
    return check_grid(_read_yaml(path, "grid file"), source=str(path))


def expand_grid(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """The Cartesian product of the grid: the last key varies fastest, values in their listed order."""
    keys = list(grid)
    return [dict(zip(keys, combo)) for combo in itertools.product(*(grid[k] for k in keys))]


def nested(point: Mapping[str, Any]) -> dict[str, Any]:
    """Dotted overrides as the nested mapping a profile has (``{'a.b': 1}`` -> ``{'a': {'b': 1}}``)."""
    out: dict[str, Any] = {}
    for key, value in point.items():
        *parents, leaf = key.split(".")
        node = out
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def point_slug(index: int, point: Mapping[str, Any], max_len: int = 60) -> str:
    """The point's folder name: ``p003_c_thought-2_max_latent_stage-3`` (last key part and value, filename-safe)."""
    parts = [f"{k.split('.')[-1]}-{_SLUG_UNSAFE.sub('-', str(v)).strip('-') or 'x'}" for k, v in point.items()]
    return f"p{index:03d}_" + "_".join(parts)[:max_len].rstrip("_-")


def _problem_keys(message: str) -> list[tuple[str, str]]:
    """(key path, problem) for each ``  - key: problem`` line of a ``ParamsError``."""
    return [tuple(line.strip()[2:].split(": ", 1)) for line in message.splitlines()  # type: ignore[misc]
            if line.strip().startswith("- ") and ": " in line]


def validate_points(profile: Mapping[str, Any], base_dir: str | Path, points: Sequence[Mapping[str, Any]],
                    source: str = "params") -> list[Params]:
    """Each point's ``Params`` (the profile with the point's overrides); a bad point raises ``SweepError``
    naming the grid key, the point and the problem."""
    from ladderlib.config import ParamsError, deep_merge, validate_params

    try:
        validate_params(dict(profile), source=source, base_dir=base_dir)
    except ParamsError as exc:
        raise SweepError(f"--params {exc}") from None
    out = []
    for i, point in enumerate(points):
        try:
            out.append(validate_params(deep_merge(dict(profile), nested(point)), source=source, base_dir=base_dir))
        except ParamsError as exc:
            problems = _problem_keys(str(exc))
            for key in point:
                hits = [why for loc, why in problems if loc == key or key.startswith(loc + ".")
                        or loc.startswith(key + ".")]
                if hits:
                    raise SweepError(f"grid key {key!r} at point {i} ({_show(point)}): {hits[0]}") from None
            raise SweepError(f"point {i} ({_show(point)}): {exc}") from None
    return out


def _show(point: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in point.items())


# --- the sweep record ----------------------------------------------------------------------------------------


@dataclass
class PointRecord:
    """One grid point: its values, its run folder (relative to the sweep folder), status and timings."""

    index: int
    slug: str
    values: dict[str, Any]
    run_dir: str
    status: str = "pending"  # pending | running | completed | failed
    started: str | None = None
    ended: str | None = None
    duration_s: float | None = None
    attempts: int = 0
    error: str | None = None


@dataclass
class Sweep:
    """``sweep.json``: the grid, the profile it varies, the notebooks run, and every point's record."""

    sweep_id: str
    profile: dict[str, Any]  # name, path, data (the profile's YAML as a mapping)
    notebooks: list[str] | None
    notebooks_dir: str | None
    grid: dict[str, list[Any]]
    points: list[PointRecord]
    status: str = "running"  # running | completed | failed
    started: str = field(default_factory=now)
    ended: str | None = None
    duration_s: float | None = None

    def save(self, sweep_dir: Path) -> None:
        """Write ``sweep.json`` atomically."""
        atomic_write_json(Path(sweep_dir) / SWEEP_FILE, asdict(self))

    @classmethod
    def load(cls, sweep_dir: str | Path) -> Sweep:
        """Read ``<sweep_dir>/sweep.json``; a folder without one raises ``SweepError``."""
        path = Path(sweep_dir) / SWEEP_FILE
        if not path.is_file():
            raise SweepError(f"--resume {sweep_dir}: no {SWEEP_FILE}; not a sweep folder")
        data = json.loads(path.read_text())
        data["points"] = [PointRecord(**p) for p in data["points"]]
        return cls(**data)


def _read_profile(params_path: str | Path) -> dict[str, Any]:
    p = Path(params_path)
    data = _read_yaml(p, "--params")
    if not isinstance(data, dict):
        raise SweepError(f"--params {str(p)!r}: the top level must be a mapping of keys")
    return {"name": data.get("profile"), "path": str(p.resolve()), "data": data}


def _check_notebooks(only: Sequence[str] | None, notebooks_dir: str | Path | None) -> None:
    from ladderlib.pipeline.runner import PipelineError, default_notebooks_dir, discover_notebooks, select_notebooks

    try:
        select_notebooks(discover_notebooks(notebooks_dir or default_notebooks_dir()), only)
    except PipelineError as exc:
        raise SweepError(f"--notebook: {exc}".replace("--only names", "names")) from None


def plan_sweep(params_path: str | Path, grid: Mapping[str, list[Any]], sweeps_dir: str | Path,
               only: Sequence[str] | None = None, notebooks_dir: str | Path | None = None) -> tuple[Path, Sweep]:
    """Validate every point and the notebooks, then create the sweep folder and its ``sweep.json``."""
    grid = check_grid(grid)
    profile = _read_profile(params_path)
    points = expand_grid(grid)
    validate_points(profile["data"], Path(profile["path"]).parent, points, source=profile["path"])
    _check_notebooks(only, notebooks_dir)
    sweep_id = new_run_id(f"{profile['name']}-sweep")
    sweep_dir = Path(sweeps_dir) / sweep_id
    (sweep_dir / POINTS_DIR).mkdir(parents=True, exist_ok=False)
    records = []
    for i, point in enumerate(points):
        slug = point_slug(i, point)
        records.append(PointRecord(index=i, slug=slug, values=point, run_dir=f"{POINTS_DIR}/{slug}"))
    sweep = Sweep(sweep_id=sweep_id, profile=profile, notebooks=list(only) if only else None,
                  notebooks_dir=str(Path(notebooks_dir).resolve()) if notebooks_dir else None,
                  grid=dict(grid), points=records)
    sweep.save(sweep_dir)
    return sweep_dir, sweep


def _run_completed(run_dir: Path) -> bool:
    manifest = run_dir / "manifest.json"
    return manifest.is_file() and Manifest.load(manifest).status == "completed"


def run_sweep(sweep_dir: str | Path, *, progress: bool = True, log: Callable[[str], Any] = print) -> Sweep:
    """Run every point of the sweep in ``sweep_dir`` not yet completed; a failed point is recorded and the next
    one runs. A point whose run folder exists is resumed (``run_pipeline(resume=...)``)."""
    from ladderlib.config import ParamsError
    from ladderlib.pipeline.runner import PipelineError, run_pipeline

    sweep_dir = Path(sweep_dir)
    sweep = Sweep.load(sweep_dir)
    prof = sweep.profile
    params = validate_points(prof["data"], Path(prof["path"]).parent, [p.values for p in sweep.points],
                             source=prof["path"])
    sweep.status, sweep.ended = "running", None
    sweep.save(sweep_dir)
    t_sweep = time.monotonic()
    n = len(sweep.points)
    for rec, point_params in zip(sweep.points, params):
        run_dir = sweep_dir / rec.run_dir
        tag = f"point {rec.index + 1}/{n} {rec.slug}"
        if rec.status == "completed" and _run_completed(run_dir):
            log(f"[{tag}] already completed, skipped")
            continue
        if run_dir.is_dir() and not (run_dir / "manifest.json").is_file():
            shutil.rmtree(run_dir)  # created but never started: holds only params.yaml and an empty metrics.json
        resume = run_dir if run_dir.is_dir() else None
        rec.status, rec.started, rec.ended, rec.error = "running", now(), None, None
        rec.attempts += 1
        sweep.save(sweep_dir)
        log(f"[{tag}] {'resuming' if resume else 'running'}: {_show(rec.values)}")
        t0 = time.monotonic()
        try:
            run_pipeline(None if resume else point_params, only=sweep.notebooks, resume=resume,
                         runs_dir=sweep_dir / POINTS_DIR, run_id=rec.slug, notebooks_dir=sweep.notebooks_dir,
                         progress=progress, log=log)
            rec.status = "completed"
        except (PipelineError, ParamsError) as exc:
            rec.status, rec.error = "failed", str(exc)
            log(f"[{tag}] FAILED: {str(exc).splitlines()[0]}")
        rec.ended = now()
        rec.duration_s = round(time.monotonic() - t0, 2)
        sweep.save(sweep_dir)
    sweep.status = "completed" if all(p.status == "completed" for p in sweep.points) else "failed"
    sweep.ended = now()
    sweep.duration_s = round((sweep.duration_s or 0) + time.monotonic() - t_sweep, 2)
    sweep.save(sweep_dir)
    return sweep


# --- the summary ---------------------------------------------------------------------------------------------


def flatten_metrics(metrics: Mapping[str, Any], prefix: str = "") -> dict[str, float]:
    """Numeric leaves of ``metrics.json`` as ``{section.key.subkey: value}`` (booleans, strings, lists dropped)."""
    out: dict[str, float] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten_metrics(value, name + "."))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = value
    return out


def summary_rows(sweep_dir: str | Path, sweep: Sweep | None = None) -> list[dict[str, Any]]:
    """One row per point: ``point``, ``status``, the grid values, then the run's flattened numeric metrics."""
    sweep_dir = Path(sweep_dir)
    sweep = sweep or Sweep.load(sweep_dir)
    rows = []
    for rec in sweep.points:
        metrics = flatten_metrics(RunDir(sweep_dir / rec.run_dir).read_metrics())
        rows.append({"point": rec.slug, "status": rec.status, **rec.values, **metrics})
    return rows


def metric_keys(rows: Sequence[Mapping[str, Any]], grid_keys: Sequence[str]) -> list[str]:
    """The metric columns of the summary, in the order they first appear."""
    fixed = {"point", "status", *grid_keys}
    return list(dict.fromkeys(k for r in rows for k in r if k not in fixed))


def default_metric(rows: Sequence[Mapping[str, Any]], grid_keys: Sequence[str]) -> str | None:
    """The first metric every completed point has (every point when none completed), or None."""
    done = [r for r in rows if r.get("status") == "completed"] or list(rows)
    return next((k for k in metric_keys(rows, grid_keys) if all(k in r for r in done)), None)


def write_summary(sweep_dir: str | Path, rows: Sequence[Mapping[str, Any]], grid_keys: Sequence[str]) -> Any:
    """Write ``summary.csv`` and ``summary.json`` into the sweep folder; returns the table (a DataFrame)."""
    import pandas as pd

    sweep_dir = Path(sweep_dir)
    columns = ["point", "status", *grid_keys, *metric_keys(rows, grid_keys)]
    table = pd.DataFrame(list(rows), columns=columns, dtype=object)  # ints stay ints beside missing values
    table.to_csv(sweep_dir / SUMMARY_CSV, index=False)
    atomic_write_json(sweep_dir / SUMMARY_JSON, {"columns": columns, "rows": [dict(r) for r in rows]})
    return table
