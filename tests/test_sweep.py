"""``ladder sweep``: grid expansion, bad grids refused before any run, a real two-point sweep through papermill on a
tiny notebook, and ``--resume`` rerunning only the points that did not complete."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

from ladderlib.cli import main
from ladderlib.pipeline.manifest import Manifest
from ladderlib.pipeline.sweep import expand_grid, flatten_metrics, nested, point_slug

PROFILE = "profile: sweeptoy\nmodel: {name: embedded, device: cpu}\nlatent: {max_latent_stage: 2}\n"


def _toy_notebook(path: Path, flag: Path) -> None:
    """A notebook with the standard parameters cell that records a metric from two latent settings; it fails for
    c_thought == 2 until ``flag`` exists."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    params = nbformat.v4.new_code_cell('params_path = ""\nrun_dir = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell(
            "from pathlib import Path\nfrom ladderlib.pipeline.rundir import RunDir\n"
            "run = RunDir(run_dir)\nlat = run.params().latent\n"
            f"if lat.c_thought == 2 and not Path({str(flag)!r}).exists():\n"
            "    raise ValueError('deliberate failure for c_thought=2')\n"
            "run.record_metrics('toy', {'score': 10 * lat.c_thought + lat.max_latent_stage, "
            "'detail': {'half': lat.c_thought / 2}, 'label': 'text', 'ok': True})"
        ),
    ]
    nbformat.write(nb, path)


@pytest.fixture()
def setup(tmp_path: Path) -> dict[str, Path]:
    nbs = tmp_path / "nbs"
    nbs.mkdir()
    flag = tmp_path / "flag"
    _toy_notebook(nbs / "01_toy.ipynb", flag)
    profile = tmp_path / "toy.yaml"
    profile.write_text(PROFILE)
    return {"nbs": nbs, "flag": flag, "profile": profile, "sweeps": tmp_path / "sweeps", "tmp": tmp_path}


def _grid(tmp: Path, text: str) -> Path:
    path = tmp / "grid.yaml"
    path.write_text(text)
    return path


def test_expand_grid_is_the_cartesian_product_in_stable_order():
    grid = {"latent.c_thought": [1, 2], "latent.max_latent_stage": [2, 3], "sft.learning_rate": [1e-4]}
    points = expand_grid(grid)
    assert [(p["latent.c_thought"], p["latent.max_latent_stage"]) for p in points] == [(1, 2), (1, 3), (2, 2), (2, 3)]
    assert all(list(p) == list(grid) for p in points)
    assert nested(points[1]) == {"latent": {"c_thought": 1, "max_latent_stage": 3}, "sft": {"learning_rate": 1e-4}}
    assert point_slug(1, points[1]) == "p001_c_thought-1_max_latent_stage-3_learning_rate-0.0001"
    assert flatten_metrics({"a": {"b": {"c": 1.5}, "d": 2, "e": "x", "f": False}}) == {"a.b.c": 1.5, "a.d": 2}


@pytest.mark.parametrize(("grid", "extra", "named"), [
    ("nosuch.x: [1]\n", [], "grid key 'nosuch.x' at point 0"),
    ("latent.c_thougth: [1]\n", [], "grid key 'latent.c_thougth' at point 0 (latent.c_thougth=1): unknown key; "
                                    "did you mean 'c_thought'?"),
    ("latent.c_thought: [1, 0]\n", [], "grid key 'latent.c_thought' at point 1 (latent.c_thought=0)"),
    ("latent.procedural.min_hops: [3, 9]\n", [], "grid key 'latent.procedural.min_hops' at point 1"),
    ("latent.c_thought: []\n", [], "grid key 'latent.c_thought' has an empty list"),
    ("latent.c_thought: 2\n", [], "grid key 'latent.c_thought' needs a list of values, got int"),
    ("- 1\n- 2\n", [], "a grid is a mapping of dotted setting keys to lists of values"),
    ("", [], "got empty"),
    ("latent.c_thought: [1]\n", ["--notebook", "07"], "--notebook: names unknown notebooks ['07']"),
])
def test_bad_grid_exits_2_naming_the_key_before_any_run(setup, capsys, grid, extra, named):
    code = main(["sweep", "--params", str(setup["profile"]), "--grid", str(_grid(setup["tmp"], grid)),
                 "--sweeps-dir", str(setup["sweeps"]), "--notebooks-dir", str(setup["nbs"]), *extra])
    err = capsys.readouterr().err
    assert code == 2 and named in err, err
    assert err.startswith("ladder sweep: ")
    assert not setup["sweeps"].exists()  # nothing was created, nothing ran


def _rows(sweep_dir: Path) -> list[dict[str, str]]:
    with (sweep_dir / "summary.csv").open() as fh:
        return list(csv.DictReader(fh))


def test_two_point_sweep_through_papermill_and_resume(setup, capsys):
    grid = _grid(setup["tmp"], "latent.c_thought: [1, 2]\nlatent.max_latent_stage: [4]\n")
    args = ["sweep", "--params", str(setup["profile"]), "--grid", str(grid), "--sweeps-dir", str(setup["sweeps"]),
            "--notebook", "01", "--notebooks-dir", str(setup["nbs"]), "--no-progress"]
    assert main(args) == 1  # point 2 fails, point 1 still completes
    out = capsys.readouterr()
    assert "1 point(s) did not complete: p001_c_thought-2_max_latent_stage-4" in out.err
    (sweep_dir,) = setup["sweeps"].iterdir()
    sweep = json.loads((sweep_dir / "sweep.json").read_text())
    assert sweep["grid"] == {"latent.c_thought": [1, 2], "latent.max_latent_stage": [4]}
    assert sweep["profile"]["name"] == "sweeptoy" and sweep["profile"]["data"]["latent"] == {"max_latent_stage": 2}
    assert [(p["slug"], p["status"]) for p in sweep["points"]] == [
        ("p000_c_thought-1_max_latent_stage-4", "completed"), ("p001_c_thought-2_max_latent_stage-4", "failed")]
    assert "deliberate failure for c_thought=2" in sweep["points"][1]["error"]
    assert sweep["points"][0]["duration_s"] > 0 and sweep["status"] == "failed"
    p0, p1 = (sweep_dir / p["run_dir"] for p in sweep["points"])
    assert "c_thought: 2" in (p1 / "params.yaml").read_text() and "max_latent_stage: 4" in (p1 / "params.yaml").read_text()
    rows = _rows(sweep_dir)
    assert [(r["point"], r["status"], r["latent.c_thought"], r["toy.score"]) for r in rows] == [
        ("p000_c_thought-1_max_latent_stage-4", "completed", "1", "14"),
        ("p001_c_thought-2_max_latent_stage-4", "failed", "2", "")]
    p0_started = Manifest.load(p0 / "manifest.json").notebooks[0].started

    setup["flag"].write_text("fixed")
    assert main(["sweep", "--resume", str(sweep_dir), "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "p000_c_thought-1_max_latent_stage-4] already completed, skipped" in out
    assert "p001_c_thought-2_max_latent_stage-4] resuming" in out
    assert "plot of toy.score" in out and "toy.detail.half" in out  # the printed table
    m0, m1 = Manifest.load(p0 / "manifest.json"), Manifest.load(p1 / "manifest.json")
    assert m0.notebooks[0].started == p0_started and m0.attempts == 1  # point 1 did not run again
    assert m1.status == "completed" and m1.attempts == 2  # point 2's own run folder was resumed
    rows = _rows(sweep_dir)
    assert [(r["status"], r["toy.score"], r["toy.detail.half"]) for r in rows] == [
        ("completed", "14", "0.5"), ("completed", "24", "1.0")]
    assert "label" not in " ".join(rows[0]) and "toy.ok" not in rows[0]  # only numeric metrics
    summary = json.loads((sweep_dir / "summary.json").read_text())
    assert summary["rows"][1]["toy.score"] == 24 and summary["columns"][:4] == [
        "point", "status", "latent.c_thought", "latent.max_latent_stage"]
    assert (sweep_dir / "summary.png").stat().st_size > 5_000

    # a point whose run is marked unfinished is rerun, and only that one
    m0.status, m0.notebooks[0].status = "failed", "failed"
    m0.save(p0 / "manifest.json")
    assert main(["sweep", "--resume", str(sweep_dir), "--no-progress", "--metric", "toy.detail.half"]) == 0
    out = capsys.readouterr().out
    assert "p000_c_thought-1_max_latent_stage-4] resuming" in out
    assert "p001_c_thought-2_max_latent_stage-4] already completed, skipped" in out
    assert Manifest.load(p0 / "manifest.json").attempts == 2 and Manifest.load(p1 / "manifest.json").attempts == 2
    assert "plot of toy.detail.half" in out
