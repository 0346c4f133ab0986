"""Rewards of both roles on real sandbox verdicts, the stage-wise schedule, the problem pool's hygiene, and the
stage prompts (no model)."""

from __future__ import annotations

import pytest

from ladderlib.adversarial.problems import training_pool
from ladderlib.adversarial.rewards import (
    ProgramRecord,
    TestRecord,
    break_rate,
    cure_discriminator_reward,
    cure_test_reward,
    generator_rewards,
    seed_discriminator_reward,
    validity_of,
)
from ladderlib.adversarial.rollout import Chain, TestAnswer, score
from ladderlib.adversarial.schedule import batch_for, build_schedule
from ladderlib.adversarial.stages import generator_prompt, answer_opening, training_stage_meaning
from ladderlib.config.adversarial import AdversarialSettings
from ladderlib.config.sandbox import SandboxSettings
from ladderlib.models.generation import Rendered
from ladderlib.tasks.code import to_problem
from ladderlib.tasks.code_extract import extract_code

ADD = to_problem({"id": "add", "description": "Return a + b.", "function_signature": "def add(a, b):",
                  "baseline_tests": ["assert add(1, 2) == 3", "assert add(0, 0) == 0"],
                  "reference_solution": "def add(a, b):\n    return a + b"})
PROGRAMS = {"right": "def add(a, b):\n    return a + b",
            "small": "def add(a, b):\n    return a + b if a < 100 else 0",  # passes the own tests, wrong beyond
            "wrong": "def add(a, b):\n    return a - b"}
TESTS = ["assert add(200, 1) == 201",  # valid, catches 'small'
         "assert add(1, 1) == 3",  # invalid: the reference fails it
         "assert add(2, 2) == 4",  # valid, catches 'wrong' only
         "assert True"]  # does not call the function: invalid by rule


def _round():
    chains = [Chain("add", texts=["", "", "", "", text], program=extract_code(text, "add")) for text in PROGRAMS.values()]
    answer = TestAnswer("add", Rendered("p"), "", "", True, [(t, "add(" in t) for t in TESTS])
    return score([ADD], chains, [answer], SandboxSettings())[0]


def test_a_round_on_real_verdicts_gives_the_seeds_and_cures_rewards():
    r = _round()
    assert [t.valid for t in r.tests] == [True, False, True, False]
    assert [t.reference for t in r.tests][:3] == ["passed", "failed", "passed"]
    assert [t.programs for t in r.tests] == [["passed", "failed", "failed"], ["failed", "failed", "failed"],
                                             ["passed", "passed", "failed"], ["passed", "passed", "passed"]]
    assert [p.correct for p in r.programs] == [True, True, False]
    assert r.validity == 0.5
    gen = r.generator
    assert [g["own_pass_rate"] for g in gen] == [1.0, 1.0, 0.5]  # a - b is right for add(0, 0)
    assert [g["adversarial_pass_rate"] for g in gen] == [1.0, 0.5, 0.0]
    assert [g["reward"] for g in gen] == [1.0, 0.75, 0.25]  # (own + valid adversarial passed) / 4
    # seed: the programs pass 3 of the 6 (valid test, program) pairs; validity 1/2
    assert r.seed_reward == pytest.approx((1 - 3 / 6) * 0.5)
    # CURE, with 'wrong' the only program failing its own tests: test 1 fails the correct 'small', so it is not
    # precise and earns -(wrong programs it passes) = 0; test 2 is invalid and passes no wrong program: 0;
    # test 3 passes both correct programs and catches 'wrong': +1; 'assert True' lets 'wrong' pass: -1
    assert [cure_test_reward(t, r.programs) for t in r.tests] == [0.0, 0.0, 1.0, -1.0]
    assert r.cure_reward == 0.0
    assert break_rate(r.tests) == pytest.approx(3 / 6)
    row = r.to_row()
    assert row["tests"][0]["programs"] == ["passed", "failed", "failed"] and row["test_validity"] == 0.5


def test_reward_edge_cases():
    assert validity_of([]) == 0.0 and seed_discriminator_reward([], 2) == 0.0 and break_rate([]) is None
    right = ProgramRecord(["passed"])
    assert cure_discriminator_reward([TestRecord("t", True, "passed", ["failed"])], [right]) == 0.0  # no wrong code
    assert generator_rewards([ProgramRecord([])], [])[0]["reward"] == 0.0


def test_schedule_is_n_n_k_per_stage_epoch_with_alternation_running_on():
    s = AdversarialSettings(stages=[1, 3], epochs_per_stage=2, n_discriminator_steps=2, n_generator_steps=1,
                            k_alternating_steps=3)
    steps = build_schedule(s)
    assert len(steps) == 2 * 2 * 6 and [x.index for x in steps] == list(range(1, 25))
    first = steps[:6]
    assert [x.role for x in first] == ["discriminator", "discriminator", "generator", "discriminator", "generator",
                                       "discriminator"]
    assert [x.phase for x in first] == ["discriminator"] * 2 + ["generator"] + ["alternating"] * 3
    assert [x.role for x in steps[9:12]] == ["generator", "discriminator", "generator"]  # alternation continues
    assert [(x.stage, x.epoch) for x in steps if x.ends_epoch] == [(1, 1), (1, 2), (3, 1), (3, 2)]
    smoke = build_schedule(AdversarialSettings(stages=[1, 5], n_discriminator_steps=0, n_generator_steps=0,
                                               k_alternating_steps=1))
    assert [(x.stage, x.role) for x in smoke] == [(1, "discriminator"), (5, "generator")]


def test_batches_follow_from_the_step_number():
    pool = list(range(5))
    seen = [batch_for(pool, i, 2, seed=3) for i in range(1, 6)]
    assert seen == [batch_for(pool, i, 2, seed=3) for i in range(1, 6)]  # a resumed run plays the same problems
    assert sorted(seen[0] + seen[1] + seen[2][:1]) == pool  # one pass covers the pool before reshuffling
    with pytest.raises(ValueError):
        batch_for([], 1, 2, 0)


def test_settings_refuse_bad_stages_and_empty_schedules():
    from pydantic import ValidationError

    for bad, fragment in (({"stages": [0]}, "distinct numbers from 1 to 5"), ({"stages": [2, 2]}, "distinct"),
                          ({"n_discriminator_steps": 0, "n_generator_steps": 0, "k_alternating_steps": 0}, "no steps"),
                          ({"eval_k": [5]}, "eval_samples")):
        with pytest.raises(ValidationError, match=fragment):
            AdversarialSettings(**bad)


def test_training_pool_drops_evaluation_problems_and_broken_references(shared_data):
    from ladderlib.data.code import load_mbpp

    mbpp = load_mbpp(shared_data / "mbpp" / "mbpp.jsonl")
    copied = {**mbpp["test"][0], "id": "copy-of-a-test-problem"}
    broken = {**mbpp["train"][1], "id": "broken", "text": "A problem whose reference is wrong.", "code": to_problem(mbpp["train"][1]).signature + "\n    return None"}
    pool, info = training_pool(mbpp["train"][:6] + [copied, broken], mbpp["test"], SandboxSettings())
    assert info["overlapping_evaluation"] >= 1 and "broken" in info["reference_fails_own_tests"]
    ids = {p.id for p in pool}
    assert "copy-of-a-test-problem" not in ids and "broken" not in ids and len(pool) == info["kept"]
    assert not ids & {r["id"] for r in mbpp["test"]}


def test_stage_prompts_carry_earlier_stages_and_the_meaning_is_stated():
    p3 = generator_prompt(ADD, 3, ["idea text", "steps text"])
    assert "idea text" in p3.user and "steps text" in p3.user and "Stage 3, pseudocode" in p3.user
    with pytest.raises(ValueError):
        generator_prompt(ADD, 3, ["only one"])
    assert "Stage 5, code" in generator_prompt(ADD, 5, ["a", "b", "c", "d"]).user
    assert answer_opening(ADD) == "```python\nassert add("
    m1, m5 = training_stage_meaning(1), training_stage_meaning(5)
    assert "PPO updates only its stage-1 text" in m1 and "stages 2-5 are written" in m1
    assert "stages 1-4 are given" in m5


def test_figures_tables_and_findings_from_a_real_round():
    from matplotlib.figure import Figure

    from ladderlib.adversarial.evaluate import discriminator_row, paired_row, pass_row, written_test_rows
    from ladderlib.adversarial.rollout import verdict_counts
    from ladderlib.adversarial.train import round_metrics
    from ladderlib.plots.adversarial import plot_stage_curves, plot_verdicts
    from ladderlib.workbook.adversarial import AdversarialStage
    from ladderlib.workbook.findings import adversarial_findings

    r = _round()
    m = round_metrics([r])
    assert (m["tests"], m["valid_tests"], m["tests_not_calling"], m["tests_failing_reference"]) == (4, 2, 1, 1)
    assert m["generator_reward"] == pytest.approx((1.0 + 0.75 + 0.25) / 3) and m["break_rate"] == 0.5
    rows = [{"step": 1, "stage": 1, **m}, {"step": 2, "stage": 5, **m}]
    fig = plot_stage_curves(rows)
    assert isinstance(fig, Figure) and fig.axes[0].get_legend_handles_labels()[1] == ["stage 1", "stage 5"]
    empty = plot_stage_curves([])
    assert "no data" in empty.axes[0].texts[0].get_text()
    assert isinstance(plot_verdicts(verdict_counts([r]), "verdicts"), Figure)
    assert verdict_counts([r])["tests vs reference"] == {"passed": 3, "failed": 1}
    p = pass_row("toy", "trained", [r], [1])
    # three samples, two correct: pass@1 is the unbiased 2/3; "correct" counts the first sample
    assert (p["correct"], p["n"], p["samples"]) == (1, 1, 3) and p["pass@1"] == pytest.approx(2 / 3)
    d = discriminator_row("toy", "trained", [r])
    assert (d["tests"], d["valid"], d["breaking"], d["break_rate"]) == (4, 2, 0, 0.0)
    assert {t["kind"] for t in written_test_rows("toy", "trained", [r])} == {"valid", "invalid"}
    stage = AdversarialStage(
        summary={"steps": 2, "best": None, "epochs": [], "stage_meaning": {}}, metrics=rows, rollouts=[],
        evaluation={"pass": [p, pass_row("toy", "base", [r], [1])], "paired": [paired_row("toy", [r], [r])],
                    "discriminator": [d]},
        problems={"source": "mbpp_train", "kept": 3, "overlapping_evaluation": 0, "reference_fails_own_tests": []})
    text = adversarial_findings(stage, type("P", (), {"smoke": True, "profile": "cpu_smoke"})())
    assert "the discriminator wrote 8 asserts, 4/8" in text and "McNemar p = 1.00" in text and "Smoke profile" in text
