"""The final table, the train/test hygiene check and the report, on a real run folder: the pipeline (papermill) runs
01_data and 02_variants on the tiny profile, so every later system's rows must show up as missing, with reasons."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ladderlib.evaluate.stats import wilson_interval
from ladderlib.pipeline.rundir import RunDir
from tiny_profile import write_tiny_profile

REPO = Path(__file__).resolve().parents[1]


class Tables(HTMLParser):
    """Every ``<table id=…>`` of a page as a list of rows of cell texts (header row first), and the images."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.images: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self._table = a.get("id", "")
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag == "img":
            self.images.append(a.get("src", ""))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append("".join(self._cell))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(path: Path) -> Tables:
    t = Tables()
    t.feed(path.read_text())
    return t


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.fixture(scope="module")
def real_run(tmp_path_factory, shared_data) -> RunDir:
    """A pipeline run folder of 01_data and 02_variants (about 15 s)."""
    from ladderlib.pipeline import run_pipeline

    base = tmp_path_factory.mktemp("report")
    profile = write_tiny_profile(base / "tiny.yaml", shared_data)
    return run_pipeline(profile, only=["01_data", "02_variants"], runs_dir=base / "runs", progress=False,
                        log=lambda *_: None)


@pytest.fixture()
def copy_of(real_run, tmp_path):
    """A fresh copy of the real run folder, to plant things in."""
    dest = tmp_path / real_run.path.name
    shutil.copytree(real_run.path, dest)
    return RunDir(dest)


def test_report_of_a_real_run_shows_every_system_and_the_missing_ones_as_missing(copy_of):
    from ladderlib.workbook.report import build_report

    run = copy_of
    # a system that records only counts (CIs come from stats.wilson_interval), with a name that must be escaped
    run.latent_results.parent.mkdir()
    run.latent_results.write_text(json.dumps([{"system": "latent", "model": "<b>coconut</b>", "task": "gsm8k",
                                               "n": 10, "correct": 3, "wall_s": 1.5, "gen_tokens": 400}]))
    report = build_report(run)
    assert report.md_path == run.path / "report.md" and report.html_path == run.path / "report.html"
    page = parse(report.html_path)
    final = as_dicts(page.tables["final-table"])
    by = {(r["system"], r["model"], r["task"]): r for r in final}
    expected_missing = {("ladder", "base", "integrals"), ("ladder", "ladder_grpo", "integrals"),
                        ("ladder", "ladder_grpo+ttrl", "integrals"), ("regime_w", "base", "gsm8k"),
                        ("regime_w", "sft", "gsm8k"), ("regime_w", "ppo", "gsm8k"),
                        ("planner", "planner_worker", "gsm8k"), ("adversarial", "base", "humaneval"),
                        ("adversarial", "trained", "mbpp_test")}
    for key in expected_missing:
        assert by[key]["status"] == "missing" and by[key]["accuracy [95% CI]"] == "missing", key
    assert "09_ttrl_eval is not part of this run (skipped with --only)" in by["ladder", "base", "integrals"]["note"]
    assert "06_grpo_ppo is not part of this run" in by["regime_w", "ppo", "gsm8k"]["note"]
    assert "07_adversarial is not part of this run" in by["adversarial", "base", "humaneval"]["note"]
    latent = by["latent", "<b>coconut</b>", "gsm8k"]  # the parser unescapes: the page held it as text
    lo, hi = wilson_interval(3, 10)
    assert latent["status"] == "ok" and latent["accuracy [95% CI]"] == f"0.300 [{lo:.3f}, {hi:.3f}]"
    assert latent["n"] == "10" and latent["correct"] == "3" and latent["generated tokens"] == "400"
    assert by["ladder", "base", "integrals"]["wall s"] == "—" and latent["wall s"] == "1.500"
    assert "<b>coconut</b>" not in report.html_path.read_text()  # escaped, not markup
    # hygiene, data card hashes, provenance, plots embedded
    hygiene = as_dicts(page.tables["hygiene"])
    status = {(r["training set"], r["test set"]): r["status"] for r in hygiene}
    assert status["variants/dataset.json", "data/integrals_test.jsonl"] == "clean"
    assert status["data/gsm8k_train.jsonl", "data/gsm8k_test.jsonl"] == "clean"
    assert status["regime_w/rollouts.jsonl", "data/gsm8k_test.jsonl"] == "absent"
    card = json.loads(run.data_card.read_text())["datasets"]
    assert {r["dataset"]: r["sha256"] for r in as_dicts(page.tables["data-card"])} == \
        {k: v["sha256"] for k, v in card.items()}
    manifest = json.loads(run.manifest_path.read_text())
    assert manifest["git"]["commit"] in report.html_path.read_text()
    assert {r["package"]: r["version"] for r in as_dicts(page.tables["packages"])} == manifest["packages"]
    pngs = sorted(run.plots_dir.glob("*.png"))
    assert len(pngs) >= 2 and len(page.images) == len(pngs)
    assert all(src.startswith("data:image/png;base64,") for src in page.images)  # self-contained
    md = report.md_path.read_text()
    assert "| ladder | ladder_grpo+ttrl | integrals |" in md and "plots/01_data_overview.png" in md
    assert "profile: tiny_chain" in md and "passed" in md.splitlines()[2]


def test_hygiene_catches_a_planted_test_problem_and_passes_the_clean_run(real_run, copy_of):
    from ladderlib.workbook.hygiene import hygiene_check, hygiene_passed, overlap_count
    from ladderlib.workbook.report import build_report

    clean = hygiene_check(real_run)
    assert hygiene_passed(clean) and set(clean["status"]) <= {"clean", "absent", "filtered"}
    mbpp = clean[(clean["training set"] == "data/mbpp_train.jsonl") & (clean["test set"] == "data/mbpp_test.jsonl")]
    # MBPP itself repeats three descriptions across train and test; 07's pool drops them, so they do not fail
    assert mbpp["status"].iloc[0] == "filtered" and mbpp["overlaps"].iloc[0] == 3
    assert (clean["status"] == "clean").sum() >= 5  # gsm8k, three integral sets, mbpp train vs humaneval

    run = copy_of
    test_integral = json.loads(run.dataset("integrals_test").read_text().splitlines()[0])["integrand"]
    data = json.loads(run.variant_dataset.read_text())
    data["rows"].append({**data["rows"][0], "id": "planted", "integrand": f"2*({test_integral})/2 + 0*x"})
    run.variant_dataset.write_text(json.dumps(data))  # the test problem, written differently
    question = json.loads(run.dataset("gsm8k_test").read_text().splitlines()[3])
    with run.dataset("gsm8k_train").open("a") as f:
        f.write(json.dumps({**question, "id": "gsm8k-train-99999", "question": "  " + question["question"].upper()}) + "\n")
    checks = hygiene_check(run)
    bad = checks[checks["status"] == "OVERLAP"]
    assert set(zip(bad["training set"], bad["test set"])) == {("variants/dataset.json", "data/integrals_test.jsonl"),
                                                              ("data/gsm8k_train.jsonl", "data/gsm8k_test.jsonl")}
    assert overlap_count(checks) == 2 and not hygiene_passed(checks)
    assert question["id"] in bad[bad["test set"] == "data/gsm8k_test.jsonl"]["examples"].iloc[0]
    report = build_report(run, hygiene=checks)
    page = report.html_path.read_text()
    assert 'class="banner failed"' in page and "TRAIN/TEST HYGIENE FAILED: 2 test problems" in page
    assert "TRAIN/TEST HYGIENE FAILED" in report.md_path.read_text().splitlines()[2]


def _ladder(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ladderlib.cli", "report", *args], capture_output=True, text=True,
                          timeout=120, cwd=REPO)


def test_ladder_report_rebuilds_from_the_folder_and_refuses_a_non_run(copy_of, tmp_path):
    done = _ladder(str(copy_of.path), "--json")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["hygiene_ok"] and Path(out["report_html"]).is_file() and Path(out["report_md"]).is_file()
    # integrals 3 + GSM8K 3 + planner 1 + code 2 x 2, and one row per latent method (08 never ran in this folder)
    from ladderlib.config.latent import METHODS

    assert sum(r["status"] == "missing" for r in out["final_table"]) == len(out["final_table"]) == 11 + len(METHODS)
    bad = tmp_path / "not_a_run"
    bad.mkdir()
    done = _ladder(str(bad))
    assert done.returncode == 2 and str(bad) in done.stderr and "not a run folder" in done.stderr
