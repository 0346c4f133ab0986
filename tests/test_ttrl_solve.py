"""``ladder solve`` (plain, LaTeX and definite input; a real direct answer and a real TTRL step) and its error
cases, and competition integrals from a user JSONL (LaTeX, definite and indefinite answer keys)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ladderlib.cli import main
from ladderlib.ladder.solve import SolveInputError, read_problem
from ladderlib.tasks.competition import CompetitionFileError, read_competition_file
from ladderlib.tasks.integrals import IntegralsTask

TINY = """
profile: tiny_solve
model: {name: embedded, device: cpu, dtype: float32, lora: {r: 4, alpha: 8, target_modules: [q_proj, v_proj]}}
variants: {difficulty_timeout_s: 0.3}
ttrl: {max_steps: 1, num_generations: 2, per_device_train_batch_size: 2, max_completion_length: 8, probe_samples: 1,
       answer_max_new_tokens: 12, variant_source: symbolic, max_variants: 2, variant_depth: 1}
"""


@pytest.mark.parametrize("text, expected", [
    ("Integrate x^2 * sin(x) dx", ("x**2*sin(x)", "x", None, None)),
    ("x**2*sin(x)", ("x**2*sin(x)", "x", None, None)),
    (r"\int \frac{1}{1+t^2}\,dt", ("1/(t**2 + 1)", "t", None, None)),
    (r"\int_0^{\pi} x \sin x \, dx", ("x*sin(x)", "x", "0", "pi")),
    ("Integral(exp(-x**2), (x, -oo, oo))", ("exp(-x**2)", "x", "-oo", "oo")),
    ("∫ e^x dx from 0 to 1", ("exp(x)", "x", "0", "1")),
])
def test_read_problem_plain_sympy_latex_definite(text, expected):
    row = read_problem(text)
    assert (row["integrand"], row["variable"], row["lower"], row["upper"]) == expected and row["problem"] == text


@pytest.mark.parametrize("text, needle", [("", "empty"), ("Integrate foo(x) dx", "foo"),
                                          (r"\int_0^{1} 1/x \, dx", "cannot be computed")])
def test_read_problem_rejects_unusable_input(text, needle):
    with pytest.raises(SolveInputError, match=needle):
        read_problem(text)


def _solve(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ladderlib.cli", "solve", *args], capture_output=True, text=True,
                          timeout=120)


def test_solve_process_exits_2_naming_the_problem():
    proc = _solve(["--problem", "Integrate foo(((x dx", "--model", "embedded"])
    assert proc.returncode == 2 and "foo" in proc.stderr and proc.stdout == "", proc.stderr[-2000:]


@pytest.mark.parametrize("args, needle", [
    (["--problem", "x", "--model", "/no/such/model"], "/no/such/model"),
    (["--problem", "x", "--adapter", "/no/such/adapter"], "--adapter /no/such/adapter"),
    (["--problem", "x", "--ttrl-steps", "-1"], "--ttrl-steps"),
    (["--problem", "x", "--params", "/no/such.yaml"], "/no/such.yaml"),
])
def test_solve_exits_2_naming_the_problem(args, needle, capsys):
    assert main(["solve", *args]) == 2
    out = capsys.readouterr()
    assert needle in out.err and out.out == ""


def test_solve_answers_definite_latex_then_adapts(tmp_path, capsys):
    profile = tmp_path / "tiny.yaml"
    profile.write_text(TINY)
    cache = tmp_path / "cache"
    code = main(["solve", "--problem", r"\int_0^{1} x e^{x} \, dx", "--params", str(profile), "--ttrl-steps", "1",
                 "--cache", str(cache), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["problem"]["lower"] == "0" and out["problem"]["upper"] == "1" and out["problem"]["integrand"] == "x*exp(x)"
    assert out["direct"]["correct"] is False  # the 135M model does not know it: TTRL ran
    t = out["ttrl"]
    assert t["steps"] == 1 and t["variants"] >= 1 and t["cache"] == "miss" and t["probe_samples"] == 1
    assert out["correct"] == t["final_correct"] and t["code"]
    assert len(list(cache.glob("*/adapter/adapter_config.json"))) == 1  # stored for the next similar problem


# --- competition integrals from a user file ---------------------------------------------------------------------

PROBLEMS = [
    {"id": "d1", "problem": r"\int_0^{\pi} x \sin x \, dx", "answer": r"\pi"},
    {"id": "d2", "problem": r"$\int_{0}^{1} \frac{\ln(1+x)}{1+x^2}\, dx$", "answer": r"\frac{\pi \ln 2}{8}"},
    {"id": "d3", "problem": r"\int_{-\infty}^{\infty} e^{-x^2} \, dx", "answer": r"\sqrt{\pi}"},
    {"id": "i1", "problem": r"\int \frac{1}{1+x^2}\,dx", "answer": r"\arctan x"},
    {"id": "i2", "problem": r"\int \sec^2(x) \, dx", "answer": r"\tan x + C"},
    {"id": "i3", "problem": "Integrate x^2*sin(x) dx", "answer": "-x^2 cos(x) + 2x sin(x) + 2cos(x)"},
]


def _write(path: Path, objs: list) -> Path:
    path.write_text("\n".join(o if isinstance(o, str) else json.dumps(o) for o in objs) + "\n")
    return path


def test_competition_file_reads_definite_and_indefinite_keys(tmp_path):
    rows = read_competition_file(_write(tmp_path / "bee.jsonl", PROBLEMS))
    by_id = {r["id"]: r for r in rows}
    assert (by_id["d1"]["lower"], by_id["d1"]["upper"], by_id["d1"]["value"]) == ("0", "pi", r"\pi")
    assert by_id["d3"]["lower"] == "-oo" and by_id["i1"]["lower"] is None and "antiderivative" in by_id["i1"]
    task = IntegralsTask()
    assert "from 0 to pi" in task.prompt(by_id["d1"]).user and "indefinite" in task.prompt(by_id["i2"]).user
    # graded without the key: the verifier integrates (definite) or differentiates (indefinite) numerically
    assert task.grade(by_id["d1"], r"so \boxed{\pi}").correct and not task.grade(by_id["d1"], r"\boxed{2}").correct
    assert task.grade(by_id["i2"], r"\boxed{\tan(x)}").correct
    assert task.key(by_id["d1"]) != task.key({"integrand": "x*sin(x)"})  # bounds are part of the identity


@pytest.mark.parametrize("line, needle", [
    ({"id": "bad", "problem": r"\int_0^1 x \, dx", "answer": "1"}, "rejects the answer key '1'"),
    ({"id": "bad", "problem": r"\int wat(x) \, dx", "answer": "1"}, "cannot read the problem"),
    ({"id": "bad", "answer": "1"}, "needs a 'problem'"),
    ("{not json", "not JSON"),
    ({"problem": "x", "lower": "0"}, "both 'lower' and 'upper'"),
])
def test_competition_file_errors_name_the_line(tmp_path, line, needle):
    path = _write(tmp_path / "bee.jsonl", [PROBLEMS[0], line])
    with pytest.raises(CompetitionFileError, match=needle) as err:
        read_competition_file(path)
    assert f"{path}:2" in str(err.value)


def test_eval_integrals_path_is_checked_by_the_profile(tmp_path):
    from ladderlib.config.load import ParamsError, load_params

    _write(tmp_path / "bee.jsonl", PROBLEMS)
    (tmp_path / "p.yaml").write_text("profile: p\nevaluation: {integrals_path: bee.jsonl}\n")
    assert load_params(tmp_path / "p.yaml").evaluation.integrals_path == (tmp_path / "bee.jsonl").resolve()
    (tmp_path / "q.yaml").write_text("profile: q\nevaluation: {integrals_path: missing.jsonl}\n")
    with pytest.raises(ParamsError, match="missing.jsonl"):
        load_params(tmp_path / "q.yaml")
