"""The notebooks as jupytext pairs: each ``NN_name.py`` and its ``.ipynb`` hold the same cells, no outputs are
committed, an edit in either round-trips, and each notebook calls its stage entry."""

from __future__ import annotations

import ast
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupytext.config import load_jupytext_config

from ladderlib.workbook import STAGES

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
PAIRS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))
CONFIG = load_jupytext_config(str(NOTEBOOKS))  # the repository's jupytext.toml, as JupyterLab reads it


def _cells(nb) -> list[tuple[str, str, tuple[str, ...]]]:
    return [(c.cell_type, c.source.strip(), tuple(c.metadata.get("tags", ()))) for c in nb.cells]


def test_every_notebook_is_a_pair():
    ipynbs = sorted(p.stem for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    assert ipynbs == [p.stem for p in PAIRS] and len(PAIRS) >= 6


@pytest.mark.parametrize("script", PAIRS, ids=lambda p: p.stem)
def test_pair_has_not_drifted(script):
    paired = nbformat.read(script.with_suffix(".ipynb"), as_version=4)
    assert _cells(jupytext.read(script)) == _cells(paired), (
        f"{script.name} and its .ipynb differ: run `jupytext --sync {script}` after editing either")


@pytest.mark.parametrize("script", PAIRS, ids=lambda p: p.stem)
def test_committed_notebook_has_no_outputs_and_a_parameters_cell(script):
    nb = nbformat.read(script.with_suffix(".ipynb"), as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert sum("parameters" in c.metadata.get("tags", []) for c in nb.cells) == 1
    assert nb.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("script", PAIRS, ids=lambda p: p.stem)
def test_an_edit_in_the_notebook_round_trips_to_the_script(script, tmp_path):
    nb = nbformat.read(script.with_suffix(".ipynb"), as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("An edit made in JupyterLab."))
    text = jupytext.writes(nb, fmt="py:percent", config=CONFIG)
    assert "# An edit made in JupyterLab." in text
    back = jupytext.reads(text, fmt="py:percent")
    assert _cells(back) == _cells(nb)
    original = jupytext.writes(nbformat.read(script.with_suffix(".ipynb"), as_version=4), fmt="py:percent", config=CONFIG)
    assert original == script.read_text()  # the committed script is exactly what jupytext writes for the notebook


@pytest.mark.parametrize("script", PAIRS, ids=lambda p: p.stem)
def test_notebook_calls_its_stage_entry(script):
    entry = STAGES.get(script.stem)
    assert entry is not None, f"{script.stem} has no stage entry in ladderlib.workbook.STAGES"
    calls = [n.func.id for n in ast.walk(ast.parse(jupytext.read(script).cells and "\n".join(
        c.source for c in jupytext.read(script).cells if c.cell_type == "code" and not c.source.startswith("%"))))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id.startswith("run_")]
    assert calls == [entry], f"{script.stem} should call {entry}(params, run) once, calls {calls}"
