"""``ladder verify``: exit codes and the --pairs --json output (run as a subprocess)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

LADDER = Path(sys.executable).with_name("ladder")


def _ladder(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    cmd = [str(LADDER)] if LADDER.exists() else [sys.executable, "-m", "ladderlib.cli"]
    return subprocess.run([*cmd, "verify", *args], capture_output=True, text=True, timeout=timeout)


@pytest.mark.parametrize("problem, solution, code, word", [
    ("x**2*sin(x)", "-x**2*cos(x) + 2*x*sin(x) + 2*cos(x) + C", 0, "[ok]"),
    ("x**2*sin(x)", "sin(x) - x*cos(x)", 1, "[wrong]"),
    ("x**2", "Integral(x**2, x)", 2, "[unevaluated_integral]"),
])
def test_single_check_exit_codes_subprocess(problem: str, solution: str, code: int, word: str) -> None:
    proc = _ladder("--problem", problem, "--solution", solution)
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert word in proc.stdout


@pytest.mark.parametrize("problem, solution, code, word", [
    ("x**2", "x^2", 1, "[echo_integrand]"),
    ("x**2", "42", 1, "[constant]"),
    ("x**2", "the answer is banana", 2, "[not_math]"),
    ("x**2", "x^3/3 + y", 2, "[foreign_symbol]"),
    ("x**2*sin(", "x", 2, "[problem_error]"),
    (r"\int_0^1 x^2 dx", "x^3/3", 1, "[not_constant]"),
])
def test_single_check_exit_codes_in_process(problem: str, solution: str, code: int, word: str,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from ladderlib.cli import main

    assert main(["verify", "--problem", problem, "--solution", solution]) == code
    assert word in capsys.readouterr().out


def test_single_check_json_and_definite(capsys: pytest.CaptureFixture[str]) -> None:
    from ladderlib.cli import main

    assert main(["verify", "--problem", r"\int_0^1 x^2 dx", "--solution", r"\frac{1}{3}", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["correct"] is True and out["code"] == "ok"


def test_missing_arguments_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from ladderlib.cli import main

    assert main(["verify", "--problem", "x"]) == 2
    assert "--solution" in capsys.readouterr().err


def test_pairs_json(tmp_path: Path) -> None:
    rows = [
        json.dumps({"integrand": "1/x", "answer": "ln|x| + C", "id": "a"}),
        "this is not json",
        json.dumps({"integrand": "x"}),
        json.dumps({"integrand": "x**2", "answer": "x^2"}),
        json.dumps({"integrand": "cos(t)", "answer": "sin(t)", "variable": "t"}),
        "",
        json.dumps({"integrand": "x**2", "answer": "x^3/3", "lower": "0", "upper": "1"}),
        json.dumps({"integrand": "x**2", "answer": "1/3", "lower": 0, "upper": 1}),
        json.dumps(["not", "an", "object"]),
    ]
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(rows) + "\n")
    proc = _ladder("--pairs", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 7, 8, 9]
    assert [o["correct"] for o in out] == [True, False, False, False, True, False, True, False]
    assert [o["code"] for o in out] == ["ok", "bad_row", "bad_row", "echo_integrand", "ok", "not_constant", "ok",
                                        "bad_row"]
    assert out[0]["id"] == "a"
    assert "missing" in out[2]["reason"]
    assert all(isinstance(o["reason"], str) and o["reason"] for o in out)


def test_pairs_missing_file_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from ladderlib.cli import main

    assert main(["verify", "--pairs", str(tmp_path / "nope.jsonl"), "--json"]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_register_adds_the_verify_parser() -> None:
    from ladderlib.verify import cli

    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["verify", "--problem", "x", "--solution", "x^2/2"])
    assert args.func is cli.run
    assert cli.run(args) == 0
