"""Run the workbook's notebooks in order with papermill, recording everything in the run folder.

A failing notebook stops the run; its executed copy (with the error in it) is kept and the manifest names the
failing cell. ``resume`` skips notebooks already completed and continues from the failed one.

Each notebook executes with its working directory in ``<run>/notebooks/`` and the parameters
``run_dir = ".."`` and ``params_path = "../params.yaml"``, relative to the executed copy: a run folder that is
copied or moved and re-run in place ("Run All" in JupyterLab) reads and writes its own folder. Executed
notebooks keep the static rendering of our widgets instead of their frozen views (``saved_widgets``) and are
signed with nbformat's notary, so JupyterLab on this machine trusts them and renders their HTML.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ladderlib.pipeline.manifest import Manifest, NotebookRecord, git_state, now
from ladderlib.pipeline.rundir import RunDir, create_run

if TYPE_CHECKING:
    from ladderlib.config import Params

NOTEBOOK_PATTERN = re.compile(r"^(\d\d)_[A-Za-z0-9_]+\.ipynb$")
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class PipelineError(RuntimeError):
    """The pipeline stopped; the message names the notebook, the cell and the error."""


def default_notebooks_dir() -> Path:
    """``notebooks/`` of the checkout this package was installed from."""
    return Path(__file__).resolve().parents[2] / "notebooks"


def discover_notebooks(notebooks_dir: str | Path) -> list[Path]:
    """The numbered notebooks (``NN_name.ipynb``) of a folder, in order."""
    d = Path(notebooks_dir)
    if not d.is_dir():
        raise PipelineError(f"notebooks folder {d} does not exist")
    found = sorted(p for p in d.iterdir() if NOTEBOOK_PATTERN.match(p.name))
    if not found:
        raise PipelineError(f"no numbered notebooks (NN_name.ipynb) in {d}")
    return found


def select_notebooks(notebooks: Sequence[Path], only: Sequence[str] | None) -> list[Path]:
    """Keep the notebooks whose number or stem is in ``only`` (all when None); unknown names are an error."""
    if not only:
        return list(notebooks)
    wanted = {o.strip() for o in only if o.strip()}
    chosen = [p for p in notebooks if p.name[:2] in wanted or p.stem in wanted]
    known = {p.name[:2] for p in notebooks} | {p.stem for p in notebooks}
    unknown = sorted(wanted - known)
    if unknown:
        raise PipelineError(f"--only names unknown notebooks {unknown}; known: {sorted(p.stem for p in notebooks)}")
    return chosen


def finish_notebook(path: Path) -> None:
    """Keep the widgets' static renderings in the executed copy, then mark it trusted (nbformat's notary)."""
    import nbformat
    from nbformat.sign import NotebookNotary

    from ladderlib.pipeline.saved_widgets import keep_static_widget_outputs

    nb = nbformat.read(path, as_version=4)
    if keep_static_widget_outputs(nb):
        nbformat.write(nb, path)
    NotebookNotary().sign(nb)


def _failure_message(name: str, exc: BaseException) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"notebook {name} failed in cell {exc.exec_count} (index {exc.cell_index}): {exc.ename}: {_ANSI.sub('', str(exc.evalue))}"
    return f"notebook {name} failed: {type(exc).__name__}: {exc}"


def run_pipeline(
    params_path: "str | Path | Params | None" = None,
    *,
    only: Sequence[str] | None = None,
    resume: str | Path | None = None,
    runs_dir: str | Path = "runs",
    notebooks_dir: str | Path | None = None,
    kernel_name: str = "python3",
    progress: bool = True,
    log=print,
    run_id: str | None = None,
) -> RunDir:
    """Execute the notebooks into a new (or resumed) run folder; raise ``PipelineError`` on the first failure.

    ``params_path`` is a profile file or an already validated ``Params``; ``run_id`` names a new run folder.
    """
    nb_dir = Path(notebooks_dir) if notebooks_dir else default_notebooks_dir()
    all_nbs = discover_notebooks(nb_dir)
    if resume:
        run = RunDir(resume)
        if not run.manifest_path.is_file():
            raise PipelineError(f"--resume {run.path}: no {run.manifest_path.name}; not a pipeline run folder")
        manifest = Manifest.load(run.manifest_path)
        run.params()  # re-validate before any work
        manifest.attempts += 1
        manifest.status = "running"
        manifest.ended = None
        if only:
            names = {p.stem for p in select_notebooks(all_nbs, only)}
            for n in names - {r.name for r in manifest.notebooks}:
                manifest.notebooks.append(NotebookRecord(name=n))
            manifest.notebooks.sort(key=lambda r: r.name)
    else:
        if params_path is None:
            raise PipelineError("give --params PROFILE.yaml (or --resume RUN_DIR)")
        from ladderlib.config import Params, load_params

        params = params_path if isinstance(params_path, Params) else load_params(params_path)
        chosen = select_notebooks(all_nbs, only)
        run = create_run(params, runs_dir, run_id=run_id)
        manifest = Manifest(
            run_id=run.path.name,
            profile=params.profile,
            notebooks=[NotebookRecord(name=p.stem) for p in chosen],
            git=git_state(Path(__file__).resolve().parents[2]),
        )
    manifest.save(run.manifest_path)
    out_dir = run.subdir("notebooks")
    by_stem = {p.stem: p for p in all_nbs}
    todo = [r for r in manifest.notebooks if r.status != "completed"]
    log(f"run {run.path}  ({len(todo)} of {len(manifest.notebooks)} notebooks to run)")
    for i, rec in enumerate(manifest.notebooks, 1):
        if rec.status == "completed":
            log(f"[{i}/{len(manifest.notebooks)}] {rec.name}: already completed, skipped")
            continue
        src = by_stem.get(rec.name)
        if src is None:
            raise PipelineError(f"notebook {rec.name} of this run is missing from {nb_dir}")
        _execute(run, manifest, rec, src, out_dir, nb_dir, kernel_name, progress, log, i)
    manifest.status = "completed"
    manifest.ended = now()
    manifest.save(run.manifest_path)
    total = sum(r.duration_s or 0 for r in manifest.notebooks)
    log(f"run completed: {run.path}  (notebook time {total:.1f}s)")
    return run


def _execute(run, manifest, rec, src, out_dir, nb_dir, kernel_name, progress, log, i) -> None:
    import papermill as pm

    rec.status, rec.started, rec.error, rec.ended = "running", now(), None, None
    rec.output = str((out_dir / src.name).relative_to(run.path))
    manifest.save(run.manifest_path)
    log(f"[{i}/{len(manifest.notebooks)}] {rec.name}: running")
    t0 = time.monotonic()
    try:
        pm.execute_notebook(
            str(src),
            str(out_dir / src.name),
            parameters={"params_path": f"../{run.params_path.name}", "run_dir": ".."},
            kernel_name=kernel_name,
            cwd=str(out_dir),
            progress_bar=progress,
        )
        finish_notebook(out_dir / src.name)
    except BaseException as exc:
        rec.status, rec.ended = "failed", now()
        rec.duration_s = round(time.monotonic() - t0, 2)
        rec.error = _failure_message(rec.name, exc)
        manifest.status, manifest.ended = "failed", now()
        manifest.save(run.manifest_path)
        log(f"[{i}/{len(manifest.notebooks)}] {rec.name}: FAILED after {rec.duration_s:.1f}s")
        raise PipelineError(
            f"{rec.error}\nexecuted copy kept at {out_dir / src.name}\nresume with: ladder pipeline --resume {run.path}"
        ) from exc
    rec.status, rec.ended = "completed", now()
    rec.duration_s = round(time.monotonic() - t0, 2)
    manifest.save(run.manifest_path)
    log(f"[{i}/{len(manifest.notebooks)}] {rec.name}: done in {rec.duration_s:.1f}s")
    sys.stdout.flush()
