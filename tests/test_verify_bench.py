"""The verifier bench: repeated timed passes agree on every verdict, and the report keeps each repeat's figures
and the median repeat's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.verify_bench import DEFAULT_DATA, main

pytestmark = pytest.mark.skipif(not Path(DEFAULT_DATA).exists(), reason="needs ../shared/data")


def test_repeats_are_reported_and_the_figures_are_the_median_repeat(tmp_path):
    out = tmp_path / "vb.json"
    assert main(["--limit", "3", "--repeats", "3", "--processes", "1", "--no-competition", "--out", str(out)]) == 0
    report = json.loads(out.read_text())
    ratios = [r["speed_ratio_batch_vs_reference_cpu"] for r in report["repeats"]]
    assert len(ratios) == 3 and all(r > 0 for r in ratios)
    assert ratios[report["figures_from_repeat"]] == sorted(ratios)[1]
    assert report["speed_ratio_batch_vs_reference_cpu"] == pytest.approx(sorted(ratios)[1])
    assert report["verifier"]["true_total"] == 3 and report["machine"]["cpu_model"]


def test_no_repeats_is_a_clear_error(tmp_path, capsys):
    assert main(["--limit", "3", "--repeats", "0", "--out", str(tmp_path / "vb.json")]) == 2
    assert "--repeats must be at least 1" in capsys.readouterr().err
    assert not (tmp_path / "vb.json").exists()
