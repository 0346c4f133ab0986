"""``ladder sandbox run`` as a subprocess: exit codes, the JSON shape, and the unisolated warning."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ladderlib.sandbox import SandboxUnavailable, run_program

pytestmark = pytest.mark.timeout(60)
REPO = Path(__file__).resolve().parents[1]
KEYS = {"status", "tests", "stdout", "stderr", "elapsed_s", "isolated", "message", "stdout_truncated",
        "stderr_truncated"}


@pytest.fixture(scope="module", autouse=True)
def sandbox() -> None:
    try:
        run_program("pass")
    except SandboxUnavailable as exc:
        pytest.skip(f"no usable bubblewrap sandbox here: {exc}")


def ladder(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ladderlib.cli", "sandbox", "run", *args], capture_output=True,
                          text=True, timeout=60, cwd=REPO)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_passing_tests_exit_0_with_json(tmp_path: Path) -> None:
    code = write(tmp_path, "p.py", "def add(a, b):\n    return a + b\nprint('loaded')\n")
    tests = write(tmp_path, "t.py", "assert add(1, 2) == 3\nassert add(0, 0) == 0\n")
    proc = ladder("--code", code, "--tests", tests, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert KEYS <= set(out) and out["status"] == "passed" and out["isolated"] is True
    assert out["stdout"] == "loaded\n"
    assert [t["verdict"] for t in out["tests"]] == ["passed", "passed"]
    assert set(out["tests"][0]) == {"test", "verdict", "message", "elapsed_s"}
    assert out["tests"][0]["test"] == "assert add(1, 2) == 3"


def test_failing_test_exit_1_and_text_output(tmp_path: Path) -> None:
    code = write(tmp_path, "p.py", "def add(a, b):\n    return a - b\n")
    tests = write(tmp_path, "t.py", "assert add(1, 0) == 1\nassert add(1, 2) == 3\n")
    proc = ladder("--code", code, "--tests", tests)
    assert proc.returncode == 1
    assert "status: failed" in proc.stdout and "passed   assert add(1, 0) == 1" in proc.stdout
    assert "failed   assert add(1, 2) == 3" in proc.stdout


def test_humaneval_check_with_entry_point_and_limits(tmp_path: Path) -> None:
    code = write(tmp_path, "p.py", "def inc(x):\n    return x + 1\ndef spin():\n    while True: pass\n")
    tests = write(tmp_path, "t.py",
                  "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(2) == 3\n")
    proc = ladder("--code", code, "--tests", tests, "--entry-point", "inc", "--json")
    assert proc.returncode == 0 and len(json.loads(proc.stdout)["tests"]) == 2
    slow = write(tmp_path, "s.py", "assert spin()\n")
    proc = ladder("--code", code, "--tests", slow, "--timeout", "1", "--memory-mb", "128", "--json")
    assert proc.returncode == 1 and json.loads(proc.stdout)["status"] == "timeout"


def test_program_without_tests(tmp_path: Path) -> None:
    assert ladder("--code", write(tmp_path, "ok.py", "print('hi')\n")).returncode == 0
    proc = ladder("--code", write(tmp_path, "bad.py", "raise SystemExit(4)\n"), "--json")
    assert proc.returncode == 1 and json.loads(proc.stdout)["tests"] == []


def test_unisolated_run_says_so(tmp_path: Path) -> None:
    code = write(tmp_path, "p.py", "print('hi')\n")
    proc = ladder("--code", code, "--unisolated")
    assert proc.returncode == 0 and "UNISOLATED" in proc.stdout
    proc = ladder("--code", code, "--unisolated", "--json")
    assert json.loads(proc.stdout)["isolated"] is False


@pytest.mark.parametrize("extra, words", [
    (["--tests", "/nonexistent/tests.py"], "cannot read the tests file"),
    (["--bwrap", "/nonexistent/bwrap"], "apt-get install bubblewrap"),
    (["--tests", "BAD"], "do not parse"),
    (["--timeout", "-1"], "timeout_s"),
])
def test_unusable_input_exit_2(tmp_path: Path, extra: list[str], words: str) -> None:
    code = write(tmp_path, "p.py", "x = 1\n")
    extra = [write(tmp_path, "bad.py", "assert (\n") if a == "BAD" else a for a in extra]
    proc = ladder("--code", code, *extra)
    assert proc.returncode == 2 and words in proc.stderr, proc.stderr
    missing = ladder("--code", str(tmp_path / "missing.py"))
    assert missing.returncode == 2 and "cannot read the program file" in missing.stderr
