"""The latent tasks' data: GSM8K equation steps from 01's real split, the procedural multi-hop task, and the
curriculum stages built from them."""

from __future__ import annotations

import copy
import random
import re

import pytest

from ladderlib.latent.coconut import END, IGNORE, LATENT, START
from ladderlib.latent.data import (
    ANSWER_MARK,
    gsm8k_examples,
    gsm8k_steps,
    parse_answer,
    procedural_examples,
    stage_example,
    stage_of,
    tokenize,
)

IDS = {START: 90001, END: 90002, LATENT: 90003}


@pytest.fixture(scope="module")
def gsm8k_rows(shared_data):
    """The first rows of 01's GSM8K train split (the same loader and row shape as 01_data's gsm8k_train)."""
    from ladderlib.config.data import GSM8KSettings
    from ladderlib.data.gsm8k import load_gsm8k

    splits, _ = load_gsm8k(GSM8KSettings(path=shared_data / "gsm8k", hub_id=None, max_train=300, max_val=1,
                                         max_test=1), seed=1234)
    return splits["train"]


@pytest.fixture(scope="module")
def tok(embedded_model):
    t = copy.deepcopy(embedded_model[1])
    t.add_special_tokens({"additional_special_tokens": [START, END, LATENT]})
    return t


def test_gsm8k_steps_are_the_calculator_annotations_in_order(gsm8k_rows):
    row = gsm8k_rows[0]
    assert set(row) == {"id", "question", "solution", "answer"}
    exs = gsm8k_examples(gsm8k_rows)
    by_id = {e.id: e for e in exs}
    for r in gsm8k_rows[:50]:
        found = re.findall(r"<<([^<>]*)>>", r["solution"])
        if r["id"] in by_id:
            assert list(by_id[r["id"]].steps) == [a.strip() for a in found if "=" in a]
            assert by_id[r["id"]].answer == r["answer"] and by_id[r["id"]].question == r["question"]
    # the kept steps are real equations: their left sides evaluate to their results (GSM8K rounds a few)
    checked = good = 0
    for e in exs[:100]:
        for s in e.steps:
            lhs, rhs = s.rsplit("=", 1)
            if re.fullmatch(r"[0-9.+\-*/() ]+", lhs) and re.fullmatch(r"-?[0-9.]+", rhs):
                checked += 1
                good += abs(eval(lhs) - float(rhs)) <= 0.01 * max(1.0, abs(float(rhs)))  # noqa: S307
    assert checked > 100 and good / checked > 0.95


def test_unannotated_gsm8k_rows_are_dropped(gsm8k_rows):
    bare = [r for r in gsm8k_rows if not gsm8k_steps(r["solution"])]
    kept = gsm8k_examples(gsm8k_rows)
    assert len(kept) == len(gsm8k_rows) - len(bare) > 250
    assert not {r["id"] for r in bare} & {e.id for e in kept}
    stripped = {**gsm8k_rows[0], "solution": re.sub(r"<<[^<>]*>>", "", gsm8k_rows[0]["solution"])}
    assert gsm8k_examples([stripped]) == []


def test_stages_on_real_gsm8k(gsm8k_rows, tok):
    ex = next(e for e in gsm8k_examples(gsm8k_rows) if len(e.steps) >= 4)
    t = tokenize(tok, ex)
    assert t.answer[-1] == tok.eos_token_id
    assert tok.decode(t.answer[:-1]) == f"{ANSWER_MARK} {ex.answer}"
    assert [tok.decode(s) for s in t.steps] == [s + "\n" for s in ex.steps]
    c, max_stage = 2, 3
    q = t.question
    steps = lambda a: [x for s in t.steps[a:] for x in s]  # noqa: E731
    for k in range(max_stage):
        ids, labels = stage_example(t, k, c, max_stage, IDS)
        head = q + [IDS[START]] + [IDS[LATENT]] * (k * c) + [IDS[END]]
        assert ids == head + steps(k) + t.answer  # stage k: the first k steps are k*c latents
        assert labels == [IGNORE] * len(head) + steps(k) + t.answer
    ids, labels = stage_example(t, max_stage, c, max_stage, IDS)
    head = q + [IDS[START]] + [IDS[LATENT]] * (max_stage * c) + [IDS[END]]
    assert ids == head + t.answer  # the last stage drops the remaining steps too
    assert labels == [IGNORE] * len(head) + t.answer
    assert stage_example(t, max_stage + 2, c, max_stage, IDS) == (ids, labels)  # capped at max_stage
    # no-CoT: answer only; CoT: every step in language; neither has markers
    ids, labels = stage_example(t, 0, c, max_stage, IDS, markers=False, language_steps=False)
    assert ids == q + t.answer and labels == [IGNORE] * len(q) + t.answer
    ids, labels = stage_example(t, 0, c, max_stage, IDS, markers=False)
    assert ids == q + steps(0) + t.answer and labels == [IGNORE] * len(q) + steps(0) + t.answer
    assert not set(ids) & set(IDS.values())


def test_uniform_prob_draws_earlier_stages_seeded():
    draws = lambda seed: [stage_of(3, 5, 0.5, random.Random(seed + i)) for i in range(400)]  # noqa: E731
    a = draws(0)
    assert a == draws(0) and a != draws(1)
    assert all(0 <= k <= 5 for k in a)
    assert 0.35 < sum(k != 3 for k in a) / len(a) < 0.55  # about 0.5 x 5/6 of the draws move
    assert set(a) == set(range(6))
    rng = random.Random(0)
    assert [stage_of(2, 5, 0.0, rng) for _ in range(50)] == [2] * 50
    assert {stage_of(2, 5, 1.0, rng) for _ in range(200)} == set(range(6))  # always drawn


def recompute(question: str) -> tuple[list[str], str]:
    """Steps and answer of a procedural question, recomputed from its words."""
    m = re.fullmatch(r"Start at (\d), then (.*) \(mod 10\)\.", question)
    assert m, question
    x, steps = int(m.group(1)), []
    for part in m.group(2).split(", "):
        name, k = part.rsplit(" ", 1)
        k = int(k)
        op = {"add": "+", "subtract": "-", "multiply by": "*"}[name]
        y = {"+": x + k, "-": x - k, "*": x * k}[op] % 10
        steps.append(f"{x}{op}{k}={y}")
        x = y
    return steps, str(x)


def test_procedural_task_is_seeded_disjoint_and_correct():
    train, test = procedural_examples(300, 60, 3, 6, seed=5)
    again = procedural_examples(300, 60, 3, 6, seed=5)
    other = procedural_examples(300, 60, 3, 6, seed=6)
    assert (train, test) == again and (train, test) != other
    assert len(train) == 300 and len(test) == 60
    assert not {e.question for e in train} & {e.question for e in test}
    assert len({e.question for e in train}) == 300
    hops = set()
    for e in train + test:
        steps, answer = recompute(e.question)
        assert list(e.steps) == steps and e.answer == answer
        assert len(e.steps) == e.meta["hops"]
        hops.add(e.meta["hops"])
    assert hops == {3, 4, 5, 6}
    with pytest.raises(ValueError, match="distinct"):
        procedural_examples(500, 0, 1, 1, seed=0)  # only 10 starts x 21 operations: 210 one-hop questions


def test_links_task_follows_the_listed_links_among_distractors():
    train, test = procedural_examples(400, 50, 2, 4, seed=3, kind="links", nodes=6)
    assert (train, test) == procedural_examples(400, 50, 2, 4, seed=3, kind="links", nodes=6)
    assert not {e.question for e in train} & {e.question for e in test}
    for e in train + test:
        head, start_line = e.question.split("\n")
        links = dict(pair.split(">") for pair in head.removeprefix("Links:").rstrip(".").split(","))
        assert len(links) == 6 and all(u != v for u, v in links.items())  # one link out of each node
        x = start_line.removeprefix("Start:").split(",")[0]
        assert start_line.endswith(f"{e.meta['hops']} links.")
        steps = []
        for _ in range(e.meta["hops"]):
            steps.append(f"{x}>{links[x]}")
            x = links[x]
        assert list(e.steps) == steps and e.answer == x
    assert {e.meta["hops"] for e in train} == {2, 3, 4}
    with pytest.raises(ValueError, match="unknown procedural task kind 'maze'"):
        procedural_examples(1, 1, 2, 3, seed=0, kind="maze")
    with pytest.raises(ValueError, match="2..26 nodes"):
        procedural_examples(1, 1, 2, 3, seed=0, kind="links", nodes=30)


def test_step_result_is_what_a_step_arrives_at():
    from ladderlib.latent.data import step_result

    assert [step_result(s) for s in ("a>c", "3+4=7", "48/2=24", "1+2=3>2", "think")] == ["c", "7", "24", "2", "think"]


def test_parse_answer():
    assert parse_answer("3+4=7\n### 7") == "7"
    assert parse_answer("### 1\n### 42.") == "42"
    assert parse_answer("no mark") is None and parse_answer("###") is None
