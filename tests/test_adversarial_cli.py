"""``ladder adversarial train`` and ``ladder code-solve`` refuse unusable input with exit code 2 and a message
naming the file or flag (no model is loaded for any of these)."""

from __future__ import annotations

import json

import pytest

from ladderlib.adversarial.solve import problem_from_text, split_test_string
from ladderlib.cli import main
from ladderlib.io import atomic_write_text
from ladderlib.train.checkpoints import COMMITTED


@pytest.fixture()
def fake_checkpoint(tmp_path):
    """A folder shaped like a committed adversarial checkpoint (enough for argument checks)."""
    ckpt = tmp_path / "checkpoint-1"
    (ckpt / "generator").mkdir(parents=True)
    (ckpt / "generator" / "adapter_config.json").write_text("{}")
    (ckpt / "metadata.json").write_text(json.dumps({"stage": 1}))
    atomic_write_text(ckpt / COMMITTED, "1\n")
    return ckpt


def _run(argv, capsys):
    code = main(argv)
    return code, capsys.readouterr().err


def test_code_solve_bad_input_exits_2_naming_the_problem(tmp_path, fake_checkpoint, capsys):
    cases = [
        (["--checkpoint", str(tmp_path / "nope"), "--problem", "x"], "does not exist"),
        (["--checkpoint", str(tmp_path), "--problem", "x"], "not a complete adversarial checkpoint"),
        (["--checkpoint", str(fake_checkpoint), "--problem", "add", "--signature", "def add(a, b"],
         "--signature 'def add(a, b' does not parse"),
        (["--checkpoint", str(fake_checkpoint), "--problem-file", str(tmp_path / "missing.txt")],
         "cannot read the problem file"),
        (["--checkpoint", str(fake_checkpoint), "--batch", "--problems-file", str(tmp_path / "missing.json")],
         "cannot read the problems file"),
        (["--checkpoint", str(fake_checkpoint), "--batch"], "--batch needs --problems-file"),
        (["--checkpoint", str(fake_checkpoint)], "give --problem TEXT"),
        (["--checkpoint", str(fake_checkpoint), "--problem", "add", "--execute-tests"], "--execute-tests needs --tests"),
        (["--checkpoint", str(fake_checkpoint), "--problem", "add", "--tests", "assert add(1,2)==3"], "need --signature"),
        (["--checkpoint", str(fake_checkpoint), "--problem", "add", "--top-p", "0"], "top_p must be in (0, 1]"),
    ]
    for args, fragment in cases:
        code, err = _run(["code-solve", *args], capsys)
        assert code == 2 and fragment in err, (args, err)
        assert err.startswith("ladder code-solve: ")


def test_adversarial_train_bad_input_exits_2_naming_the_problem(tmp_path, capsys):
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{")
    no_sig = tmp_path / "nosig.json"
    no_sig.write_text(json.dumps([{"id": "a", "description": "d", "function_signature": "def (",
                                   "baseline_tests": ["assert f(1)"], "reference_solution": "def f(x):\n    return x"}]))
    occupied = tmp_path / "out"
    (occupied / "checkpoints" / "checkpoint-1").mkdir(parents=True)
    (occupied / "checkpoints" / "checkpoint-1" / COMMITTED).write_text("1\n")
    cases = [
        (["--generator-model", "embedded", "--discriminator-model", "other/model"], "must name the same"),
        (["--problems-file", str(tmp_path / "missing.json")], "cannot read the problems file"),
        (["--problems-file", str(bad_json)], "not valid JSON"),
        (["--problems-file", str(no_sig)], "function_signature 'def (' does not parse"),
        (["--params", str(tmp_path / "missing.yaml")], "missing.yaml"),
        (["--output-dir", str(occupied)], "holds checkpoints of an earlier run"),
        (["--resume-from", str(tmp_path / "nope")], "does not exist"),
        (["--n-generator-steps", "-1"], "n_generator_steps"),
        ([], "no training problems"),
    ]
    for args, fragment in cases:
        code, err = _run(["adversarial", "train", "--output-dir", str(tmp_path / "o"), *args], capsys)
        assert code == 2 and fragment in err, (args, err)


def test_test_strings_and_problems_from_text():
    assert split_test_string("assert f(1)==2; assert f('a;b')=='x';") == ["assert f(1)==2", "assert f('a;b')=='x'"]
    p = problem_from_text("Add them.", "def add(a, b)", ["assert add(1, 2) == 3"])
    assert (p.entry_point, p.signature, p.tests) == ("add", "def add(a, b):", "assert add(1, 2) == 3")
    with pytest.raises(ValueError, match="empty"):
        problem_from_text("  ")
