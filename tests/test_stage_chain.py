"""The notebooks' stage entries chained 01 → 07 on a tiny profile (no papermill): each stage reads what the
previous ones wrote into the run folder, through ``RunDir``'s named artifacts."""

from __future__ import annotations

import json

import pytest

from ladderlib.config import load_params
from ladderlib.pipeline.rundir import RunDir, create_run
from tiny_profile import write_tiny_profile


@pytest.fixture(scope="module")
def chain(tmp_path_factory, shared_data):
    """A run folder and its params, shared by the stage tests below (they run in order)."""
    path = write_tiny_profile(tmp_path_factory.mktemp("chain") / "chain.yaml", shared_data)
    params = load_params(path)
    return params, create_run(params, path.parent / "runs"), {}


def test_01_data_writes_every_dataset(chain):
    from ladderlib.workbook import run_data

    params, run, seen = chain
    data = run_data(params, run)
    assert run.data_card.is_file() and run.dataset("gsm8k_train").is_file()
    assert {r["dataset"] for r in data.table} >= {"gsm8k_train", "gsm8k_test", "integrals_roots", "humaneval", "textbook"}
    seen["roots"] = [json.loads(line)["integrand"] for line in run.dataset("integrals_roots").read_text().splitlines()]


def test_02_variants_grow_from_01s_roots(chain):
    from ladderlib.workbook import run_variants

    params, run, seen = chain
    v = run_variants(params, run)
    assert run.variant_trees.is_file() and run.variant_dataset.is_file()
    assert [t.root.integrand for t in v.trees] == seen["roots"][:2]
    assert v.rows and {r["root_integrand"] for r in v.rows} <= set(seen["roots"][:2])
    seen["variants"] = v.rows


def test_03_audit_answers_02s_variants_first(chain):
    from ladderlib.workbook import run_verify

    params, run, seen = chain
    res = run_verify(params, run)
    assert run.verification_report.is_file()
    assert res.model_answers[0]["integrand"] == seen["variants"][0]["integrand"]
    assert {r["kind"] for r in res.rates} >= {"true"}


def test_04_sft_trains_both_adapters_and_scores_them(chain):
    from ladderlib.workbook import run_sft

    params, run, _ = chain
    sft = run_sft(params, run)
    assert run.has_adapter(run.sft_adapter) and run.has_adapter(run.planner_sft_adapter)
    assert {r["model"] for r in sft.dev} == {"base", "sft"} and all(r["n"] == 2 for r in sft.dev)
    assert (run.sft_dev_eval_dir / "sft.jsonl").is_file()


def test_05_rollouts_use_04s_sft_adapter(chain):
    from ladderlib.workbook import run_rollouts

    params, run, _ = chain
    r = run_rollouts(params, run)
    assert r.policy == "SFT adapter" and run.rollouts.is_file() and len(r.rows) == 1
    assert len(r.rows[0]["arm_outputs"]) == 2


def test_06_rl_reads_rollouts_adapters_and_variants(chain):
    from ladderlib.workbook import run_rl

    params, run, seen = chain
    rl = run_rl(params, run)
    assert rl.ppo["steps"] == 1 and rl.ppo["stack"] == [str(run.sft_adapter)]  # PPO on top of 04's SFT
    assert {r["model"] for r in rl.gsm8k} == {"base", "sft", "ppo"} and all(r["n"] == 2 for r in rl.gsm8k)
    assert 0 < rl.grpo["variants"]["rows"] <= len(seen["variants"]) and rl.grpo["originals"]["steps"] == 1
    assert rl.grpo["heldout"]["selection"]["variants"]["forest"] == len(seen["variants"])  # cleaned across the forest
    assert rl.grpo["variants"]["heldout_before"]["n"] == rl.grpo["heldout"]["n"] == 2
    assert set(rl.grpo_curves) == {"variants", "originals"} and rl.grpo_curves["variants"]["train"]
    assert rl.planner["start_adapter"] == str(run.planner_sft_adapter) and rl.planner["steps"] == 1
    pw = rl.planner["gsm8k_test"]  # the trained planner + frozen worker on the rows base/SFT/PPO were scored on
    assert pw["model"] == "planner_worker" and pw["n"] == 2 and 0 <= pw["correct"] <= 2 and pw["gen_tokens"] > 0
    assert run.has_adapter(run.ppo_dir / "adapter") and run.has_adapter(run.grpo_dir("variants") / "adapter")
    sections = RunDir(run.path).read_metrics()
    assert set(sections) == {"01_data", "02_variants", "03_verify", "sft", "planner_sft", "sft_dev_eval", "regime_w",
                             "ppo_regime_w", "gsm8k_test", "grpo", "planner_grpo", "planner_worker_test"}


def test_07_adversarial_trains_on_01s_mbpp_train_and_scores_humaneval_and_mbpp_test(chain):
    from ladderlib.workbook import run_adversarial

    params, run, _ = chain
    adv = run_adversarial(params, run)
    assert adv.problems["source"] == "mbpp_train" and adv.problems["kept"] == 4
    assert adv.problems["evaluation"] == {"humaneval": 1, "mbpp_test": 1}
    assert [r["step"] for r in adv.metrics] == [1] and adv.summary["best"]["name"] == "stage_5_epoch_1"
    assert (run.adversarial_dir / "checkpoints" / "checkpoint_best" / "metadata.json").is_file()
    assert {(r["set"], r["generator"]) for r in adv.evaluation["pass"]} == {
        (s, g) for s in ("humaneval", "mbpp_test") for g in ("base", "trained")}
    assert all(r["n"] == 1 for r in adv.evaluation["pass"]) and len(adv.evaluation["paired"]) == 2
    assert all(r["wall_s"] > 0 and r["gen_tokens"] > 0 for r in adv.evaluation["pass"])  # 09's table columns
    assert (run.adversarial_eval_dir / "records.jsonl").is_file()
    train_ids = {r["problem_id"] for row in adv.rollouts for r in row["rounds"]}
    assert train_ids and all(601 <= int(i.split("-")[1]) <= 974 for i in train_ids)  # MBPP train only
    assert "adversarial" in RunDir(run.path).read_metrics()
    assert adv.stage_rows()[0]["best"] and set(adv.training_verdicts()) == {"own tests", "tests vs reference",
                                                                            "tests vs programs"}


def test_08_latent_trains_each_method_then_resumes_from_its_folders(chain):
    from ladderlib.workbook import run_latent

    params, run, _ = chain
    first = run_latent(params, run)
    assert [(r["task"], r["model"]) for r in first.rows] == [("procedural", "no_cot"), ("procedural", "coconut")]
    assert all(r["n"] == 2 for r in first.rows) and first.reused == []
    assert [p["baseline"] for p in first.paired] == ["no_cot"] and first.paired[0]["n"] == 2
    assert [s["stage"] for s in first.stages if s["method"] == "coconut"] == [0, 1]
    # equal step budgets: no_cot's one phase gets the cap for both of Coconut's stages
    assert sum(s["steps"] for s in first.stages if s["method"] == "no_cot") == 2
    for method in ("no_cot", "coconut"):
        folder = run.latent_dir / "methods" / f"procedural__{method}"
        assert (folder / "result.json").is_file() and (folder / "adapter" / "latent_tokens.pt").is_file()
    assert json.loads(run.latent_results.read_text()) == first.rows
    metrics = RunDir(run.path).read_metrics()["latent"]
    assert metrics["procedural"]["coconut"]["n"] == 2 and metrics["reused"] == []
    again = run_latent(params, run)  # a re-run (or a killed run resumed) keeps both finished methods
    assert again.reused == ["procedural/coconut", "procedural/no_cot"] and again.rows == first.rows
    changed = params.model_copy(update={"latent": params.latent.model_copy(update={"methods": ["no_cot"],
                                                                                   "seed": 1})})
    assert run_latent(changed, run).reused == []  # other settings: nothing is reused


def test_every_artifact_is_named_once_and_documented():
    arts = RunDir.artifacts()
    assert len({a.name for a in arts}) == len(arts) and len({a.path for a in arts}) == len(arts)
    assert all(a.doc and a.writer for a in arts)
    run = RunDir("/tmp/some-run")
    assert run.sft_adapter == run.path / "checkpoints" / "sft_lora" and RunDir.sft_adapter.writer == "04_sft"
    assert run.grpo_dir("variants") == run.path / "checkpoints" / "grpo_variants"
    assert run.dataset("gsm8k_train") == run.path / "data" / "gsm8k_train.jsonl"
