"""Rollout collection: schema, resumability (exceptions, SIGKILL, torn last line), and a real 2×8 run."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ladderlib.config.regime_w import RegimeWSettings
from ladderlib.regime_w import (
    build_arms,
    collect_rollouts,
    read_rollouts,
    repair_rollouts,
    summarize_rollouts,
)
from ladderlib.regime_w.store import settings_path

REPO = Path(__file__).resolve().parents[1]
ARM_KEYS = {"arm_id", "style", "temperature", "full_text", "reasoning", "answer", "correct", "n_tokens",
            "n_reasoning_tokens"}
ROW_KEYS = {"question_id", "question", "gold_answer", "arm_outputs", "counterfactual", "s_end", "s_path", "s_cf",
            "s_wm", "reward", "reward_terms", "n_correct"}


def _questions(n: int) -> list[dict]:
    return [{"id": f"q{i}", "question": f"Tom has {i + 2} apples and buys {3 * i + 1} more. How many apples does Tom have?",
             "answer": str(4 * i + 3)} for i in range(n)]


class FakeGen:
    """Sums the numbers of the question; low-temperature arms are right, others off by one; raises on call ``fail_at``."""

    def __init__(self, fail_at: int | None = None):
        self.calls = 0
        self.fail_at = fail_at
        self.batches: list[int] = []

    def __call__(self, chats, sampling):
        prompts, systems, temperature = [c.user for c in chats], [c.system for c in chats], sampling.temperature
        self.calls += 1
        if self.fail_at is not None and self.calls >= self.fail_at:
            raise KeyboardInterrupt("simulated crash")
        self.batches.append(len(prompts))
        import random

        rng = random.Random(sampling.seed)  # the engine's contract: a call's randomness comes from its seed
        out = []
        assert len(systems) == len(prompts)
        for p, system in zip(prompts, systems):
            question = p.split("\n\n")[0]
            total = sum(int(x) for x in re.findall(r"\d+", question)) + (temperature > 0.3)
            extra = " Let me double-check the setup." * (1 + int(rng.random() * 3)) if "reflective" in system else ""
            out.append(f"Add the numbers.{extra}\n#### {total}")
        return out


def _read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_fake_collection_schema_scores_and_batching(tmp_path):
    st = RegimeWSettings(n_questions=3, batch_size=2, cf_arms=4, max_new_tokens=16)
    gen = FakeGen()
    seen = []
    res = collect_rollouts(_questions(5), tmp_path / "rollouts.jsonl", st, generate_fn=gen,
                           progress=lambda d, t: seen.append((d, t)))
    assert res.n_new == 3 and res.n_skipped == 0 and len(res.rows) == 3 and seen[-1] == (3, 3)
    # one call per temperature: 4 for the 8 arms + 2 for the 4 cf arms (T=0.2, 0.3), both styles x the chunk
    assert gen.calls == 2 * (4 + 2) and gen.batches == [4] * 6 + [2] * 6
    assert res.generated_tokens > 0 and res.tokens_per_s > 0
    for row in _read_lines(tmp_path / "rollouts.jsonl"):
        assert set(row) == ROW_KEYS
        assert [o["arm_id"] for o in row["arm_outputs"]] == [a.id for a in build_arms()]
        assert all(set(o) == ARM_KEYS for o in row["arm_outputs"])
        assert row["n_correct"] == 4  # the 0.2 and 0.3 arms of both styles
        assert row["s_end"] == pytest.approx(2 * 6 / 28) and row["s_cf"] == 1.0
        assert 0 <= row["s_path"] < 1 and 0 <= row["s_wm"] <= 1
        assert row["reward"] == pytest.approx(1.0 + 0.7 * row["s_wm"])
        cf = row["counterfactual"]
        assert len(cf["outputs"]) == 4 and cf["question"] != row["question"] and "rename" in cf["rules"]
        assert all(o["reasoning"] == "Add the numbers." + o["full_text"].split("numbers.")[1].split("\n")[0]
                   for o in row["arm_outputs"])
    assert json.loads(settings_path(tmp_path / "rollouts.jsonl").read_text())["cf_arms"] == 4
    summary = summarize_rollouts(res.rows)
    assert summary["n_questions"] == 3 and summary["any_correct_rate"] == 1.0 and summary["arm_correct_rate"] == 0.5
    assert summary["arm_accuracy"]["wolfram-0.2"] == 1.0 and summary["arm_accuracy"]["maudlin-0.5"] == 0.0
    assert summary["mean_s_cf"] == 1.0 and summary["no_answer_rate"] == 0.0
    assert summary["mean_reward"] == pytest.approx(sum(r["reward"] for r in res.rows) / 3)


def test_needs_a_generator(tmp_path):
    with pytest.raises(ValueError):
        collect_rollouts(_questions(1), tmp_path / "r.jsonl", RegimeWSettings(n_questions=1))


def test_resume_after_crash_is_identical_to_uninterrupted(tmp_path):
    st = RegimeWSettings(n_questions=5, batch_size=2, cf_arms=2, max_new_tokens=16)
    clean = collect_rollouts(_questions(5), tmp_path / "clean.jsonl", st, generate_fn=FakeGen())
    path = tmp_path / "resumed.jsonl"
    with pytest.raises(KeyboardInterrupt):
        collect_rollouts(_questions(5), path, st, generate_fn=FakeGen(fail_at=8))  # dies inside the 2nd chunk
    assert [r["question_id"] for r in _read_lines(path)] == ["q0", "q1"]
    gen = FakeGen()
    res = collect_rollouts(_questions(5), path, st, generate_fn=gen)
    assert res.n_skipped == 2 and res.n_new == 3 and gen.calls == 2 * (4 + 1)
    rows = _read_lines(path)
    assert [r["question_id"] for r in rows] == [f"q{i}" for i in range(5)]
    assert rows == clean.rows  # fixed chunks + per-chunk seeds: nothing lost, duplicated or changed
    again = collect_rollouts(_questions(5), path, st, generate_fn=FakeGen(fail_at=1))  # nothing left to do
    assert again.n_new == 0 and len(_read_lines(path)) == 5


def test_torn_last_line_is_dropped_and_redone(tmp_path):
    st = RegimeWSettings(n_questions=4, batch_size=1, cf_arms=0, max_new_tokens=16)
    path = tmp_path / "rollouts.jsonl"
    collect_rollouts(_questions(4), path, st.model_copy(update={"n_questions": 2}), generate_fn=FakeGen())
    full = path.read_text()
    third = json.dumps(collect_rollouts(_questions(4)[2:3], tmp_path / "x.jsonl", st, generate_fn=FakeGen()).rows[0])
    path.write_text(full + third[: len(third) // 2])  # a crash mid-write
    assert [r["question_id"] for r in read_rollouts(path)] == ["q0", "q1"]
    assert path.read_text() == full  # repaired atomically on disk
    path.write_text(full + third[: len(third) // 3])
    res = collect_rollouts(_questions(4), path, st, generate_fn=FakeGen())
    assert res.n_skipped == 2 and [r["question_id"] for r in _read_lines(path)] == ["q0", "q1", "q2", "q3"]


def test_missing_final_newline_and_corruption(tmp_path):
    st = RegimeWSettings(n_questions=2, batch_size=1, cf_arms=0, max_new_tokens=16)
    path = tmp_path / "rollouts.jsonl"
    collect_rollouts(_questions(2), path, st, generate_fn=FakeGen())
    text = path.read_text()
    path.write_text(text.rstrip("\n"))  # last row complete but its newline lost
    assert len(repair_rollouts(path)) == 2 and path.read_text() == text
    lines = text.splitlines()
    path.write_text(lines[0][:20] + "\n" + lines[1] + "\n")  # a torn line that is not the last: real corruption
    with pytest.raises(ValueError, match="corrupt"):
        read_rollouts(path)
    path.write_text(lines[0] + "\n" + lines[0] + "\n")
    with pytest.raises(ValueError, match="repeated"):
        read_rollouts(path)
    assert read_rollouts(tmp_path / "missing.jsonl") == []


def test_resume_with_other_settings_is_refused(tmp_path):
    st = RegimeWSettings(n_questions=1, batch_size=1, cf_arms=0, max_new_tokens=16)
    path = tmp_path / "rollouts.jsonl"
    collect_rollouts(_questions(2), path, st, generate_fn=FakeGen())
    with pytest.raises(ValueError, match="other settings"):
        collect_rollouts(_questions(2), path, st.model_copy(update={"max_new_tokens": 32}), generate_fn=FakeGen())
    res = collect_rollouts(_questions(2), path, st.model_copy(update={"n_questions": 2, "batch_size": 4}),
                           generate_fn=FakeGen())
    assert res.n_new == 1 and len(res.rows) == 2


FAKE_MODULE = textwrap.dedent(
    """
    import re, sys, time
    from ladderlib.config.regime_w import RegimeWSettings
    from ladderlib.regime_w import collect_rollouts

    QS = [{"id": f"q{i}", "question": f"Tom has {i} apples and {i + 1} pears. How many fruits?", "answer": str(2 * i + 1)}
          for i in range(40)]
    SETTINGS = RegimeWSettings(n_questions=40, batch_size=1, cf_arms=1)

    def gen(chats, sampling):
        time.sleep(0.01)
        return [f"Add.\\n#### {sum(int(x) for x in re.findall(r'[0-9]+', c.user.split(chr(10))[0]))}" for c in chats]

    if __name__ == "__main__":
        collect_rollouts(QS, sys.argv[1], SETTINGS, generate_fn=gen)
    """
)


def test_sigkill_mid_collection_then_resume(tmp_path):
    import importlib.util

    path = tmp_path / "rollouts.jsonl"
    module = tmp_path / "fake_collect.py"
    module.write_text(FAKE_MODULE)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, str(module), str(path)], env=env)
    try:
        deadline = time.time() + 120
        while time.time() < deadline and (not path.exists() or path.read_text().count("\n") < 3):
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    killed_at = len(read_rollouts(path))
    assert 3 <= killed_at < 40, "the subprocess should have been killed mid-collection"
    spec = importlib.util.spec_from_file_location("fake_collect", module)
    fake = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fake)
    res = collect_rollouts(fake.QS, path, fake.SETTINGS, generate_fn=fake.gen)
    ids = [r["question_id"] for r in _read_lines(path)]
    assert ids == [f"q{i}" for i in range(40)] and res.n_skipped == killed_at
    assert all(r["n_correct"] == 8 for r in res.rows)


@pytest.fixture()
def one_torch_thread():
    """One intra-op thread: on a shared 2-core box two spinning OpenMP threads can slow generation tenfold."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_real_collection_two_questions_eight_arms(tmp_path, embedded_model, shared_data, one_torch_thread):
    model, tokenizer = embedded_model
    from ladderlib.data.gsm8k import final_answer
    from ladderlib.io import read_jsonl

    raw = read_jsonl(shared_data / "gsm8k" / "train.jsonl")[:2]
    questions = [{"id": f"gsm8k-train-{i:05d}", "question": r["question"], "answer": final_answer(r["answer"])}
                 for i, r in enumerate(raw)]
    st = RegimeWSettings(n_questions=2, max_new_tokens=24, batch_size=8, cf_arms=1, seed=0)
    t0 = time.perf_counter()
    res = collect_rollouts(questions, tmp_path / "rollouts.jsonl", st, model=model, tokenizer=tokenizer)
    elapsed = time.perf_counter() - t0
    print(f"\nreal 2x8 collection (+1 cf arm): {elapsed:.1f}s, {res.generated_tokens} tokens, "
          f"{res.tokens_per_s:.1f} tok/s")
    rows = _read_lines(tmp_path / "rollouts.jsonl")
    assert [r["question_id"] for r in rows] == [q["id"] for q in questions]
    for row, q in zip(rows, questions):
        assert set(row) == ROW_KEYS and row["gold_answer"] == q["answer"]
        assert len(row["arm_outputs"]) == 8
        assert {(o["style"], o["temperature"]) for o in row["arm_outputs"]} == {
            (s, t) for s in ("wolfram", "maudlin") for t in (0.2, 0.3, 0.4, 0.5)}
        for o in row["arm_outputs"]:
            assert set(o) == ARM_KEYS and o["full_text"].strip()
            assert 0 < o["n_tokens"] <= 24 + 2 and o["n_reasoning_tokens"] <= o["n_tokens"]
        assert len(row["counterfactual"]["outputs"]) == 1
        for k in ("s_end", "s_path", "s_cf", "s_wm"):
            assert 0.0 <= row[k] <= 1.0
        assert -0.5 <= row["reward"] <= 1.7
    from ladderlib.widgets.reward_inspector import reward_inspector

    box = reward_inspector(res.rows)  # the inspector on real rows
    assert len(box.arms.children) == 8 and rows[0]["question"][:30] in box.summary.value
    box.selector.value = 1
    assert rows[1]["question"][:30] in box.summary.value
