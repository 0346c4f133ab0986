"""The papermill pipeline: a real run of 01_data, a failing notebook that is kept, and --resume finishing the run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from ladderlib.data import read_dataset
from ladderlib.pipeline import PipelineError, run_pipeline
from ladderlib.pipeline.manifest import Manifest

REPO = Path(__file__).resolve().parents[1]


def _failing_notebook(path: Path, flag: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('params_path = ""\nrun_dir = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell("from pathlib import Path\nprint('before the failure')"),
        nbformat.v4.new_code_cell(
            f"if not Path({str(flag)!r}).exists():\n    raise ValueError('flag file missing: deliberate failure')\n"
            "Path(run_dir, 'second_done.txt').write_text('ok')"
        ),
    ]
    nbformat.write(nb, path)


@pytest.fixture()
def notebooks(tmp_path: Path) -> tuple[Path, Path]:
    d = tmp_path / "nbs"
    d.mkdir()
    shutil.copy(REPO / "notebooks" / "01_data.ipynb", d / "01_data.ipynb")
    flag = tmp_path / "flag"
    _failing_notebook(d / "02_fails.ipynb", flag)
    return d, flag


def test_run_of_01_data_writes_a_complete_run_dir(tmp_path, tiny_profile):
    run = run_pipeline(tiny_profile, only=["01"], runs_dir=tmp_path / "runs", progress=False, log=lambda *_: None)
    m = Manifest.load(run.manifest_path)
    assert m.status == "completed" and m.profile == "tiny"
    assert [(r.name, r.status) for r in m.notebooks] == [("01_data", "completed")]
    assert m.notebooks[0].duration_s > 0 and m.ended
    assert "torch" in m.packages and "papermill" in m.packages
    assert (run.path / "params.yaml").is_file()
    executed = nbformat.read(run.path / "notebooks" / "01_data.ipynb", as_version=4)
    assert any(c.get("outputs") for c in executed.cells if c.cell_type == "code")
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'run_dir = ".."' in injected[0].source  # relative to the executed copy: moves with the run
    platform_cell = next(c for c in executed.cells if c.cell_type == "code")
    printed = "".join(o.get("text", "") for o in platform_cell.outputs)
    assert printed.startswith("local machine, no GPU: nothing to install"), printed  # harmless under papermill
    assert not any(o.get("output_type") == "error" for o in platform_cell.outputs)
    from nbformat.sign import NotebookNotary

    assert NotebookNotary().check_signature(executed)  # trusted: widgets and HTML render in JupyterLab
    assert len(read_dataset(run.path, "gsm8k_train")) == 200
    assert len(read_dataset(run.path, "mbpp_test")) == 500
    card = json.loads((run.path / "data" / "data_card.json").read_text())
    assert card["datasets"]["humaneval"]["rows"] == 164
    metrics = json.loads(run.metrics_path.read_text())
    assert metrics["01_data"]["gsm8k_validation"] == 50
    assert (run.path / "plots" / "01_data_overview.png").stat().st_size > 10_000


def test_failure_is_kept_and_resume_finishes(tmp_path, tiny_profile, notebooks):
    nb_dir, flag = notebooks
    with pytest.raises(PipelineError) as ei:
        run_pipeline(tiny_profile, runs_dir=tmp_path / "runs", notebooks_dir=nb_dir, progress=False, log=lambda *_: None)
    msg = str(ei.value)
    assert "notebook 02_fails failed in cell" in msg and "ValueError: flag file missing: deliberate failure" in msg
    run_path = next((tmp_path / "runs").iterdir())
    m = Manifest.load(run_path / "manifest.json")
    assert m.status == "failed"
    assert [r.status for r in m.notebooks] == ["completed", "failed"]
    kept = nbformat.read(run_path / "notebooks" / "02_fails.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in kept.cells for o in c.get("outputs", []))
    first_started = m.notebooks[0].started

    flag.write_text("fixed")
    run = run_pipeline(resume=run_path, notebooks_dir=nb_dir, progress=False, log=lambda *_: None)
    m2 = Manifest.load(run.manifest_path)
    assert m2.status == "completed" and m2.attempts == 2
    assert [r.status for r in m2.notebooks] == ["completed", "completed"]
    assert m2.notebooks[0].started == first_started  # 01 was not run again
    assert (run.path / "second_done.txt").read_text() == "ok"


def test_cli_failure_names_notebook_and_exits_1(tmp_path, tiny_profile, notebooks):
    nb_dir, _ = notebooks
    r = subprocess.run(
        [sys.executable, "-m", "ladderlib.cli", "pipeline", "--params", str(tiny_profile), "--only", "02",
         "--runs-dir", str(tmp_path / "runs"), "--notebooks-dir", str(nb_dir), "--no-progress"],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 1, r.stderr
    assert "notebook 02_fails failed in cell" in r.stderr and "--resume" in r.stderr
    assert "[1/1] 02_fails: FAILED" in r.stdout


def test_unknown_only_and_bad_resume_are_errors(tmp_path, tiny_profile, notebooks):
    nb_dir, _ = notebooks
    with pytest.raises(PipelineError, match=r"--only names unknown notebooks \['07'\]"):
        run_pipeline(tiny_profile, only=["07"], runs_dir=tmp_path / "runs", notebooks_dir=nb_dir)
    with pytest.raises(PipelineError, match="not a pipeline run folder"):
        run_pipeline(resume=tmp_path, notebooks_dir=nb_dir)
