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
    from ladderlib.workbook.ttrl_views import cache_rows, figure_rows

    assert [r["figure"] for r in figure_rows(summary)] == ["final_pass@1", "solved_during_adaptation",
                                                           "final_pass@1 with the adapter cache"]
    per_problem = stage.plain.table()
    assert len(per_problem) == 2 and all(isinstance(v, str | int | float | bool) for r in per_problem for v in r.values())
    assert cache_rows(summary)[0]["problems"] == 2


def test_ttrl_views_keep_the_two_figures_apart_and_show_no_nested_records():
    """09's tables: the honest figure and the paper's count side by side with their CIs; per-problem rows flat."""
    from ladderlib.ladder.ttrl_results import ProblemResult, TTRLRun
    from ladderlib.workbook.ttrl_views import cache_rows, figure_rows

    fig = lambda k: {"k": k, "n": 4, "value": k / 4, "ci_low": 0.0, "ci_high": 0.9}  # noqa: E731
    problem = ProblemResult("p1", "x*exp(x)", "x", None, None, variants=3, steps=2, stopped_by="max_steps",
                            answer="x*exp(x) - exp(x)", code="ok", final_correct=True, solved_during_adaptation=True,
                            probe_passes=1, probe_samples=2, wall_s=3.5,
                            gen_tokens={"variants": 10, "probes": 5, "answer": 7, "grpo": 20}, adapter_stack=["/a", "/b"])
    summary = {"figures": {"final_pass@1": fig(1), "solved_during_adaptation": fig(3)}, "cache": None}
    rows = figure_rows(summary)
    assert [(r["figure"], r["solved"]) for r in rows] == [("final_pass@1", "1/4"), ("solved_during_adaptation", "3/4")]
    assert rows[0]["95% CI"] == "[0.000, 0.900]" and "honest" in rows[0]["meaning"]
    assert cache_rows(summary) == []
    (row,) = TTRLRun([problem]).table()
    assert row["gen_tokens"] == 42 and row["probe_passes"] == "1/2" and "adapter_stack" not in row
    assert all(isinstance(v, str | int | float | bool) for v in row.values())
