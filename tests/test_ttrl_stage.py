"""09's TTRL stage entry on a real run folder (01 data, 02 variants, 06's LADDER GRPO, then ``run_ttrl``) on a
user competition file (``evaluation.integrals_path``): the rows the report reads and both TTRL figures."""

from __future__ import annotations

import json

import pytest

from ladderlib.config import load_params
from ladderlib.pipeline.rundir import create_run
from test_ttrl_solve import PROBLEMS, _write
from tiny_profile import write_tiny_profile

TTRL = {"problems": 2, "max_steps": 1, "num_generations": 2, "per_device_train_batch_size": 2,
        "max_completion_length": 8, "probe_samples": 1, "answer_max_new_tokens": 12, "variant_source": "symbolic",
        "variant_depth": 1, "max_variants": 2, "cache_hit_steps": 1}


@pytest.mark.slow
def test_run_ttrl_writes_the_comparison_rows_and_both_figures(tmp_path, shared_data):
    from ladderlib.workbook import run_data, run_ttrl, run_variants
    from ladderlib.workbook.rl import run_ladder_grpo
    from ladderlib.workbook.ttrl import ROW_KEYS

    path = write_tiny_profile(tmp_path / "chain.yaml", shared_data)
    bee = _write(tmp_path / "bee.jsonl", [PROBLEMS[3], PROBLEMS[4]])  # 1/(1+x^2) and sec^2: close texts
    params = load_params(path)
    params = params.model_copy(update={
        "ttrl": params.ttrl.model_validate({**params.ttrl.model_dump(), **TTRL}),
        "evaluation": params.evaluation.model_copy(update={"integrals_path": bee}),
        "grpo": params.grpo.model_copy(update={"run_ablation": False})})
    run = create_run(params, tmp_path / "runs")
    run_data(params, run)
    run_variants(params, run)
    run_ladder_grpo(params, run)
    stage = run_ttrl(params, run)
    rows = json.loads(run.ttrl_results.read_text())
    assert [r["model"] for r in rows] == ["base", "ladder_grpo", "ladder_grpo+ttrl"]
    assert all(set(r) == set(ROW_KEYS) and r["system"] == "ladder" and r["task"] == "integrals" and r["n"] == 2
               for r in rows)
    assert rows[2]["wall_s"] > rows[1]["wall_s"] > 0 and rows[2]["gen_tokens"] > 0
    summary = json.loads(run.ttrl_summary.read_text())
    assert set(summary["figures"]) == {"final_pass@1", "solved_during_adaptation"}
    assert rows[2]["accuracy"] == summary["figures"]["final_pass@1"]["value"]
    assert summary["cache"]["problems"] == 2 and summary["start_adapters"][-1].endswith("adapter")
    assert list(stage.table.columns) == list(ROW_KEYS) and len(stage.table) == 3
    assert run.read_metrics()["ttrl"]["figures"] == summary["figures"]
