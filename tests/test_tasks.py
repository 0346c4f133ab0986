"""The Task interface on real data: prompts, grading, keys, references and rewards of every task."""

from __future__ import annotations

import pytest

from ladderlib.io import read_jsonl
from ladderlib.models.generation import Chat
from ladderlib.tasks import GSM8KTask, IntegralsTask, TextbookTask, get_task
from ladderlib.tasks.base import Task


def test_get_task_builds_each_task_and_rejects_unknown_names():
    assert isinstance(get_task("integrals", format_weight=0.1), IntegralsTask)
    assert get_task("integrals", format_weight=0.1).format_weight == 0.1
    assert isinstance(get_task("gsm8k"), GSM8KTask) and isinstance(get_task("textbook"), TextbookTask)
    with pytest.raises(KeyError, match="unknown task 'chess'"):
        get_task("chess")
    with pytest.raises(ValueError, match="format_weight"):
        IntegralsTask(format_weight=-1)


def test_integrals_grades_with_the_verifier_and_keys_by_meaning(shared_data):
    rows = read_jsonl(shared_data / "integrals" / "rubi_textbook.jsonl")[:5]
    task = IntegralsTask(format_weight=0.1)
    right = [f"\\boxed{{{r['antiderivative']}}}" for r in rows]
    grades = task.grade_batch(rows + rows, right + ["I cannot do this"] * 5)
    assert [g.correct for g in grades] == [True] * 5 + [False] * 5
    assert all(g.parsable for g in grades[:5]) and not any(g.parsable for g in grades[5:])
    rewards = task.rewards(rows[:2], [right[0], "\\boxed{x}"])
    assert rewards["correctness"] == [1.0, 0.0] and rewards["format"] == [0.1, 0.1]
    assert task.key({"integrand": "cot(x)"}) == task.key({"integrand": "1/tan(x)"})
    assert task.key({"integrand": "t*exp(-t)", "variable": "t"}) == task.key({"integrand": "x*exp(-x)"})
    assert task.key({"integrand": "x**2"}) != task.key({"integrand": "x**3"})
    assert task.reference(rows[0]) == right[0]
    assert task.reference({"integrand": "x", "antiderivative": "x**3"}) is None
    chat = task.prompt(rows[0])
    assert isinstance(chat, Chat) and rows[0]["integrand"] in chat.user and "\\boxed{}" in chat.user
    assert task.messages(rows[0]) == [{"role": "user", "content": chat.user}]


def test_gsm8k_prompt_grading_reference_and_key(shared_data):
    raw = read_jsonl(shared_data / "gsm8k" / "train.jsonl")[:3]
    task = GSM8KTask()
    for row in raw:
        ref = task.reference(row)
        assert "<<" not in ref and ref.splitlines()[-1].startswith("#### ")
        assert task.grade(row, ref).correct
    assert not task.grade(raw[0], "#### 123456789").correct
    assert task.grade(raw[0], "no digits here").code == "no_answer"
    run_row = {"question": "Q?", "solution": "3 + 4 = <<3+4=7>>7\n#### 7", "answer": "7"}
    assert task.reference(run_row) == "3 + 4 = 7\n#### 7" and task.grade(run_row, "so #### 7.0").correct
    assert task.key({"question": "  What   IS  2+2? "}) == task.key({"question": "what is 2+2?"})
    msgs = task.messages(raw[0])
    assert msgs[0]["role"] == "system" and "tutor" in msgs[0]["content"] and raw[0]["question"] in msgs[1]["content"]


def test_textbook_answers_are_exact():
    from ladderlib.data.textbook import load_textbook

    rows = {r["id"]: r for r in load_textbook()}
    task = TextbookTask()
    assert task.grade(rows["comb-12"], "#### \\frac{1}{6}").correct
    assert not task.grade(rows["comb-12"], "#### 0.1667").correct
    assert task.grade(rows["comb-01"], "The answer is 120").correct
    assert task.key(rows["cvx-01"]) == "cvx-01"


def test_rows_come_from_the_run_folder(tmp_path):
    from ladderlib.data.store import write_dataset

    write_dataset(tmp_path, "gsm8k_test", [{"id": "x", "question": "q", "answer": "1"}])
    assert GSM8KTask().rows(tmp_path, "test")[0]["id"] == "x"
    with pytest.raises(KeyError, match="no split 'dev'"):
        GSM8KTask().rows(tmp_path, "dev")


def test_a_new_task_needs_only_its_own_methods():
    class Parity(Task):
        name = "parity"
        datasets = {}

        def prompt(self, row):
            return Chat(f"Is {row['n']} even? Answer yes or no.")

        def grade(self, row, completion):
            from ladderlib.tasks.base import Grade

            said = "yes" in completion.lower()
            return Grade(said == (row["n"] % 2 == 0), "yes" if said else "no", "checked")

        def key(self, row):
            return str(row["n"])

    task = Parity(format_weight=0.5)
    rewards = task.rewards([{"n": 2}, {"n": 3}], ["yes", "yes"])
    assert rewards == {"correctness": [1.0, 0.0], "format": [0.5, 0.5]}
