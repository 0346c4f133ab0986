"""Real runs of the seed commands on the embedded model with tiny settings, chained as a researcher would:
seed 001 ``planner sft`` -> ``planner train`` (from the SFT adapter) -> ``merge``; seed 002 ``sft`` ->
``rollouts`` (resumed) -> ``ppo`` (adaptive KL, resumed) -> ``eval gsm8k``. Each checks its outputs on disk and its
``--json`` shape. Marked slow (about two minutes together on a shared CPU)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ladderlib.cli import main
from tiny_profile import write_tiny_profile

pytestmark = pytest.mark.slow


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def run_json(argv: list[str], capsys) -> dict:
    code, out, err = run([*argv, "--json"], capsys)
    assert code == 0, err[-2000:]
    return json.loads(out)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, shared_data) -> Path:
    return write_tiny_profile(tmp_path_factory.mktemp("profile") / "tiny.yaml", shared_data)


def test_planner_sft_train_and_merge(tiny, tmp_path, capsys, one_thread):
    plans = tmp_path / "plans.jsonl"  # a seed-style plans dataset by path: one decomposed, one direct plan
    plans.write_text("".join(json.dumps(r) + "\n" for r in [
        {"question": "Ann has 3 bags of 4 apples and eats 2. How many are left?", "should_decompose": True,
         "subproblems": ["How many apples are in 3 bags of 4?", "What is [1] minus 2?"], "plan": "two steps"},
        {"question": "What is 7 times 6?", "plan_json": '{"should_decompose": false, "subproblems": [], "plan": "direct"}'},
    ]))
    sft_dir = tmp_path / "planner_sft"
    sft = run_json(["planner", "sft", "--params", str(tiny), "--dataset", str(plans), "--output-dir", str(sft_dir),
                    "--lora-r", "2", "--lora-alpha", "4"], capsys)
    assert sft["source"] == str(plans) and sft["examples"] == 2 and sft["steps"] == 1
    info = json.loads((sft_dir / "adapter" / "training_info.json").read_text())
    assert (info["settings"]["lora"]["r"], info["settings"]["lora"]["alpha"]) == (2, 4)
    gsm = run_json(["planner", "sft", "--params", str(tiny), "--output-dir", str(tmp_path / "from_gsm8k")], capsys)
    assert gsm["source"].startswith("gsm8k_train") and gsm["examples"] == 2

    grpo_dir = tmp_path / "planner_grpo"
    argv = ["planner", "train", "--params", str(tiny), "--base-model", "embedded", "--max-steps", "1",
            "--sft-adapter", str(sft_dir / "adapter"), "--correctness-weight", "2", "--token-weight", "0.1",
            "--independence-weight", "0", "--output-dir", str(grpo_dir)]
    summary = run_json(argv, capsys)
    assert summary["steps"] == 1 and summary["start_adapter"] == str(sft_dir / "adapter")
    assert summary["settings"]["correctness_weight"] == 2 and summary["settings"]["token_weight"] == 0.1
    assert summary["settings"]["independence_weight"] == 0 and summary["completions_scored"] >= 2
    assert (grpo_dir / "adapter" / "adapter_config.json").is_file() and (grpo_dir / "metrics.jsonl").is_file()
    code, _, err = run(argv, capsys)
    assert code == 2 and "--resume" in err
    again = run_json([*argv, "--resume"], capsys)
    assert again["steps"] == 1 and again.get("reused")

    merged = tmp_path / "merged"
    result = run_json(["merge", "--base-model", "embedded", "--adapter-path", str(grpo_dir / "adapter"),
                       "--local-save-path", str(merged), "--repo-name", "someone/planner", "--no-push"], capsys)
    assert result["pushed"] is False and result["push_error"] is None and result["reload_check"]["ok"]
    assert (merged / "config.json").is_file()


def test_tutor_sft_rollouts_ppo_and_eval(tiny, tmp_path, capsys, one_thread):
    sft = tmp_path / "sft"
    run_json(["sft", "--params", str(tiny), "--output-dir", str(sft)], capsys)

    roll = tmp_path / "rollouts"
    first = run_json(["rollouts", "--params", str(tiny), "--adapter", str(sft / "adapter"), "--n-questions", "2",
                      "--output-dir", str(roll)], capsys)
    assert (first["rows"], first["new"], first["skipped"], first["policy"]) == (2, 2, 0, "sft")
    assert first["summary"]["n_questions"] == 2 and set(first["summary"]["arm_accuracy"]) == {"wolfram-0.3", "maudlin-0.3"}
    code, _, err = run(["rollouts", "--params", str(tiny), "--n-questions", "3", "--output-dir", str(roll)], capsys)
    assert code == 2 and "holds an earlier run" in err
    more = run_json(["rollouts", "--params", str(tiny), "--adapter", str(sft / "adapter"), "--n-questions", "3",
                     "--output-dir", str(roll), "--resume"], capsys)
    assert (more["rows"], more["new"], more["skipped"]) == (3, 1, 2)
    rows = [json.loads(line) for line in (roll / "rollouts.jsonl").read_text().splitlines()]
    assert len(rows) == 3 and len({r["question_id"] for r in rows}) == 3
    assert all(len(r["arm_outputs"]) == 2 and {"s_end", "s_path", "s_cf", "s_wm", "reward"} <= set(r) for r in rows)

    ppo = tmp_path / "ppo"
    argv = ["ppo", "--params", str(tiny), "--rollouts", str(roll / "rollouts.jsonl"), "--sft-adapter",
            str(sft / "adapter"), "--output-dir", str(ppo), "--init-kl-coef", "0.3", "--target-kl", "0.05"]
    result = run_json([*argv, "--steps", "1"], capsys)
    assert result["steps"] == 1 and result["adaptive_kl"] is True and result["kl_coef"] == [0.3]
    assert result["final"]["kl_coef_next"] != 0.3  # the adaptive controller moved the coefficient
    assert result["stack"] == [str(sft / "adapter")] and (ppo / "adapter" / "stack.json").is_file()
    resumed = run_json([*argv, "--steps", "2", "--resume"], capsys)
    assert resumed["steps"] == 2 and resumed["resumed_from_step"] == 1 and len(resumed["kl_coef"]) == 1

    report = run_json(["eval", "gsm8k", "--params", str(tiny), "--models", "base,sft,ppo", "--sft-adapter",
                       str(sft / "adapter"), "--ppo-adapter", str(ppo / "adapter"), "--split", "dev", "--limit", "2",
                       "--output-dir", str(tmp_path / "eval")], capsys)
    assert report["split"] == "dev" and report["n"] == 2
    assert {r["model"] for r in report["table"]} == {"base", "sft", "ppo"}
    assert report["adapters"]["ppo"] == [str(sft / "adapter"), str(ppo / "adapter")]
    for r in report["table"]:
        assert r["n"] == 2 and 0 <= r["ci_low"] <= r["accuracy"] <= r["ci_high"] <= 1
    assert sorted(p.name for p in (tmp_path / "eval").iterdir()) == ["base.jsonl", "ppo.jsonl", "sft.jsonl", "summary.json"]
    code, text, _ = run(["eval", "gsm8k", "--params", str(tiny), "--models", "base", "--split", "test", "--limit", "1"],
                        capsys)
    assert code == 0 and text.startswith("GSM8K test (1 questions, greedy)") and "95% CI" in text
