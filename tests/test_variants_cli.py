"""``ladder generate-variants`` / ``generate-dataset``: run as a user does (subprocess, symbolic source),
and the error paths in-process (same ``main``, without paying the process start-up each time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ladderlib.cli import main
from ladderlib.config.variants import VariantSettings
from ladderlib.ladder.variants.generate import generate_tree

LADDER = Path(sys.executable).with_name("ladder")
PROBLEM = "Integrate x^2 * sin(x) dx"


def run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONHASHSEED="123", HF_HUB_OFFLINE="1")
    return subprocess.run([str(LADDER), *args], capture_output=True, text=True, env=env, timeout=600)


@pytest.fixture(scope="module", autouse=True)
def _needs_ladder():
    if not LADDER.exists():
        pytest.skip(f"{LADDER} is not installed")


def test_generate_variants_subprocess_matches_the_library(tmp_path):
    out = tmp_path / "variants.json"
    r = run("generate-variants", "--problem", PROBLEM, "--output", str(out), "--max-depth", "2", "--breadth", "2",
            "--max-nodes", "5", "--source", "symbolic", "--seed", "7", "--difficulty-timeout", "60")
    assert r.returncode == 0, r.stderr
    assert "variants" in r.stdout
    tree = json.loads(out.read_text())
    assert tree["format"] == "ladder-variant-tree" and tree["seed"] == 7
    assert tree["settings"]["variant_source"] == "symbolic" and tree["settings"]["max_depth"] == 2
    assert 1 <= len(tree["nodes"]) - 1 <= 5 and max(n["depth"] for n in tree["nodes"]) <= 2
    # another process with another hash seed builds exactly the tree this process builds
    settings = VariantSettings(variant_source="symbolic", max_depth=2, breadth=2, max_nodes_per_tree=5,
                               difficulty_timeout_s=60, seed=7)
    assert generate_tree(PROBLEM, settings=settings).to_dict() == tree


def test_generate_dataset_subprocess(tmp_path):
    problems = tmp_path / "problems.txt"
    problems.write_text("# hard roots\nIntegrate x*exp(x) dx\n\nx/(x**2+1)\n")
    out = tmp_path / "dataset.json"
    r = run("generate-dataset", "--input", str(problems), "--output", str(out), "--max-depth", "2",
            "--problems-per-tree", "3", "--breadth", "2", "--source", "symbolic", "--antiderivative-timeout", "2")
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text())
    assert data["format"] == "ladder-variant-dataset" and data["summary"]["trees"] == 2
    rows = data["rows"]
    assert 2 <= len(rows) <= 6 and {r["source"] for r in rows} == {"symbolic"}
    assert all(isinstance(r["difficulty"], float) for r in rows)
    trees = json.loads((tmp_path / "dataset.trees.json").read_text())
    assert trees["format"] == "ladder-variant-forest" and len(trees["trees"]) == 2


def test_bad_problem_exits_2_in_a_subprocess(tmp_path):
    r = run("generate-variants", "--problem", "Integrate )( dx", "--output", str(tmp_path / "x.json"),
            "--source", "symbolic")
    assert r.returncode == 2 and "cannot use problem" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "x.json").exists()


def test_error_paths_exit_2(tmp_path, capsys):
    out = str(tmp_path / "x.json")
    assert main(["generate-variants", "--problem", "Integrate 5 dx", "--output", out, "--source", "symbolic"]) == 2
    assert "cannot use problem" in capsys.readouterr().err
    assert main(["generate-variants", "--problem", "x*sin(x)", "--output", out, "--source", "symbolic",
                 "--max-depth", "0"]) == 2
    assert "max_depth" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["generate-variants", "--output", out])  # argparse: --problem is required
    assert exc.value.code == 2
    d = str(tmp_path / "d.json")
    assert main(["generate-dataset", "--input", str(tmp_path / "missing.txt"), "--output", d]) == 2
    assert "does not exist" in capsys.readouterr().err
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n")
    assert main(["generate-dataset", "--input", str(empty), "--output", d]) == 2
    assert "no problems" in capsys.readouterr().err
    bad = tmp_path / "bad.txt"
    bad.write_text("x*sin(x)\nIntegrate ((( dx\n")
    assert main(["generate-dataset", "--input", str(bad), "--output", d, "--source", "symbolic"]) == 2
    err = capsys.readouterr().err
    assert "problem 2" in err and "(((" in err
    assert not Path(out).exists() and not Path(d).exists()


def test_mixed_source_loads_the_model_through_ladderlib_models(tmp_path, monkeypatch):
    import ladderlib.models
    import ladderlib.models.generation as gen_module

    loaded = {}

    def fake_load_model(settings):
        loaded["name"] = settings.name
        return "MODEL", "TOKENIZER"

    class FakeEngine:
        def __init__(self, model, tokenizer):
            loaded["wrapped"] = (model, tokenizer)

        def __call__(self, prompts, sampling):
            return ["<variant>x*sin(x)</variant>"] * len(prompts)

    monkeypatch.setattr(ladderlib.models, "load_model", fake_load_model)
    monkeypatch.setattr(gen_module, "Engine", FakeEngine)
    out = tmp_path / "t.json"
    assert main(["generate-variants", "--problem", PROBLEM, "--output", str(out), "--max-depth", "1",
                 "--breadth", "3", "--seed", "3", "--difficulty-timeout", "0"]) == 0  # default source: mixed
    assert loaded == {"name": "embedded", "wrapped": ("MODEL", "TOKENIZER")}
    tree = json.loads(out.read_text())
    assert tree["settings"]["variant_source"] == "mixed"
    assert {n["source"] for n in tree["nodes"][1:]} == {"model", "symbolic"}  # 1/3 from the model: topped up

    def failing_load(settings):
        raise RuntimeError("no weights here")

    monkeypatch.setattr(ladderlib.models, "load_model", failing_load)
    assert main(["generate-variants", "--problem", PROBLEM, "--output", str(out), "--source", "model"]) == 1
