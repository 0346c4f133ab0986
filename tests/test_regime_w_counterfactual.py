"""Counterfactual rewrites keep the numbers and the final question, and are deterministic."""

from __future__ import annotations

import json

import pytest

from ladderlib.regime_w.counterfactual import (
    MALE,
    FEMALE,
    check_rewrite,
    names_in,
    numbers_in,
    rewrite_question,
    split_sentences,
)

NATALIA = ("Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. "
           "How many clips did Natalia sell altogether in April and May?")


def test_rename_paraphrase_keeps_numbers_and_question():
    r = rewrite_question(NATALIA, seed=0)
    assert r.changed and r.applied == ["rename", "paraphrase"]
    new = r.renames["Natalia"]
    assert new in FEMALE and new != "Natalia" and "Natalia" not in r.text
    assert numbers_in(r.text) == numbers_in(NATALIA) == ["48"]
    assert r.text.endswith(f"how many clips did {new} sell altogether in April and May?")
    assert " her friends" in r.text and "she sold" in r.text  # same-gender name: pronouns stay right
    assert check_rewrite(NATALIA, r.text, r.renames) == []


def test_deterministic_and_seed_dependent():
    assert rewrite_question(NATALIA, seed=3) == rewrite_question(NATALIA, seed=3)
    texts = {rewrite_question(NATALIA, seed=s).text for s in range(8)}
    assert len(texts) > 1


def test_renames_do_not_chain_or_collide():
    q = "John gives Mary 3 apples. Mary gives Bob 2 apples and John's sister 1 apple. How many apples does Mary have now?"
    r = rewrite_question(q, rules=["rename"], seed=1)
    assert set(r.renames) == {"John", "Mary", "Bob"}
    assert len(set(r.renames.values())) == 3 and not set(r.renames.values()) & {"John", "Mary", "Bob"}
    assert r.renames["John"] in MALE and r.renames["Bob"] in MALE and r.renames["Mary"] in FEMALE
    assert f"{r.renames['John']}'s sister" in r.text
    assert names_in(r.text) == [r.renames[n] for n in ("John", "Mary", "Bob")]
    assert numbers_in(r.text) == numbers_in(q)


def test_reorder_only_when_safe_and_question_stays_last():
    safe = "Oliver has 10 $20 bills. William has 15 $10 bills. How much more money does Oliver have than William?"
    r = rewrite_question(safe, rules=["reorder"])
    assert r.applied == ["reorder"]
    assert split_sentences(r.text) == ["William has 15 $10 bills.", "Oliver has 10 $20 bills.",
                                       "How much more money does Oliver have than William?"]
    # pronoun after the pair, shared name, temporal word: never swapped
    for unsafe in (
        "Anna has 5 pens. Mary has 3 pens. She gives 1 to Tom. How many pens does Tom have?",
        "Anna has 5 pens. Anna buys 3 pens. How many pens does Anna have?",
        "Anna has 5 pens. Then Mary buys 3 pens. How many pens are there?",
    ):
        assert rewrite_question(unsafe, rules=["reorder"]).text == unsafe


def test_abbreviations_and_decimals_are_not_split():
    q = "Mr. Smith paid $2.50 for tea. Dr. Jones paid $3.25. How much did they pay in total?"
    assert split_sentences(q) == ["Mr. Smith paid $2.50 for tea.", "Dr. Jones paid $3.25.",
                                  "How much did they pay in total?"]


def test_paraphrase_keeps_capitalised_names():
    r = rewrite_question("A cat eats 2 fish a day. Tom wants to know the total for 7 days.", rules=["paraphrase"])
    assert r.applied == ["paraphrase"] and r.text.endswith("Tom wants to know the total for 7 days.")


def test_unknown_rule_rejected():
    with pytest.raises(ValueError):
        rewrite_question(NATALIA, rules=["shuffle"])


def test_real_gsm8k_questions_keep_numbers_and_question(shared_data):
    changed = 0
    with open(shared_data / "gsm8k" / "train.jsonl") as fh:
        for n, line in enumerate(fh):
            if n == 600:
                break
            q = json.loads(line)["question"]
            r = rewrite_question(q, seed=n)
            assert numbers_in(r.text) == numbers_in(q)
            assert check_rewrite(q.strip(), r.text, r.renames) == []
            changed += r.changed
    assert changed == 600
