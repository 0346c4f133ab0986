"""Hostile programs that try to fake a pass, or to read what they must not (the host's secrets, the
expected values, the harness's channel), against the real bubblewrap sandbox. Fixtures and host checks
come from ``test_sandbox_hostile``."""

from __future__ import annotations

import pytest

from test_sandbox_hostile import guarded, run, usable_settings, verdicts

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def sandbox():
    return usable_settings()


@pytest.fixture()
def host(tmp_path, sandbox):
    yield from guarded(tmp_path)


# ----------------------------------------------------------------------------------------------------
# Fake passes
# ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("code, expected", [
    ("print('all tests passed')\nprint('OK: 3/3 passed')\ndef f(x):\n    return 0\n", ["failed", "failed"]),
    ("import sys\nsys.exit(0)\ndef f(x):\n    return x + 1\n", ["error", "error"]),
    ("import os\nos._exit(0)\ndef f(x):\n    return x + 1\n", ["error", "error"]),
    ("import sys\ndef f(x):\n    sys.exit(0)\n", ["error", "error"]),
    ("import os\ndef f(x):\n    os._exit(0)\n", ["error", "error"]),
    ("def f(x):\n    raise SystemExit(0)\n", ["error", "error"]),
    ("def f(x):\n    raise KeyboardInterrupt\n", ["error", "error"]),
], ids=["prints", "exit-at-load", "_exit-at-load", "exit-in-call", "_exit-in-call", "SystemExit", "KeyboardInterrupt"])
def test_fake_passes_by_exiting_or_printing(sandbox, host, code: str, expected: list[str]) -> None:
    result = run(code, ["assert f(1) == 2", "assert f(2) == 3"], sandbox)
    assert verdicts(result) == expected, result
    assert not result.passed


def test_overriding_builtins_and_assertion_error(sandbox, host) -> None:
    code = """
    import builtins
    class Never(Exception):
        pass
    builtins.AssertionError = Never
    builtins.abs = lambda x: 0
    builtins.all = lambda xs: True
    builtins.isinstance = lambda *a: True
    builtins.len = lambda x: 3
    def f(x):
        return 'wrong'
    """
    tests = ["assert abs(f(1) - 2.0) < 1e-6", "assert all(f(i) == i for i in range(3))",
             "assert isinstance(f(1), int)", "assert len(f(1)) == 3 and f(1) == 'abc'"]
    result = run(code, tests, sandbox)
    assert verdicts(result) == ["error", "failed", "failed", "failed"], result


def test_always_equal_objects_and_rigged_subclasses(sandbox, host) -> None:
    code = """
    class AlwaysEqual:
        def __eq__(self, other): return True
        def __ne__(self, other): return False
        def __bool__(self): return True
        def __lt__(self, other): return True
        def __sub__(self, other): return self
        def __abs__(self): return self
        __hash__ = object.__hash__
    class Str(str):
        def __eq__(self, other): return True
        __hash__ = str.__hash__
    def f(x):
        return AlwaysEqual()
    def g(x):
        return Str('nope')
    def h(x):
        return [AlwaysEqual()]
    """
    tests = ["assert f(1) == 2", "assert abs(f(1) - 2.0) < 1e-6", "assert g(1) == 'yes'", "assert h(1) == [3]",
             "assert f(1) != 2", "assert not (f(1) == 2)"]
    result = run(code, tests, sandbox)
    assert verdicts(result)[:4] == ["failed", "error", "failed", "failed"], result
    assert verdicts(result)[4:] == ["passed", "passed"]  # the proxy honestly equals nothing


def test_monkeypatching_the_harness_and_forging_records(sandbox, host) -> None:
    code = """
    import os, sys
    main = sys.modules.get('__main__')
    wire = sys.modules.get('wire')
    patched = []
    if main is not None and hasattr(main, 'Session'):
        main.Session.run_test = lambda self, *a: ('passed', '')
        patched.append('Session')
    for name in ('remote', 'control', 'server'):
        mod = sys.modules.get(name)
        if mod is not None:
            patched.append(name)
    def forge():
        frames = []
        if wire is not None:
            for i in range(5):
                frames.append(wire.frame(wire.dumps(('test', i, 'passed', '', 0.0))))
            frames.append(wire.frame(wire.dumps(('done',))))
        data = b''.join(frames)
        for fd in range(3, 64):
            try:
                os.write(fd, data)
            except OSError:
                pass
        for path in ('/proc/1/fd/3', '/proc/1/fd/4', '/proc/1/fd/5'):
            try:
                with open(path, 'wb') as fh:
                    fh.write(data)
                return 'opened ' + path
            except OSError:
                pass
        return patched
    """
    result = run(code, ["assert forge() == 1", "assert forge() == 2"], sandbox)
    # the frames it wrote to every fd reached only its own socket to the harness: garbage, so an error
    assert verdicts(result) == ["error", "error"], result
    assert all("unusable answer" in t.message for t in result.tests)


def test_reading_the_expected_values_is_impossible(sandbox, host) -> None:
    marker = "EXPECTED-" + host.token
    code = """
    import gc, sys, os
    def peek():
        found = [o for o in gc.get_objects() if isinstance(o, str) and 'EXPECTED-' in o]
        frame = sys._getframe()
        while frame is not None:
            found += [c for c in frame.f_code.co_consts if isinstance(c, str) and 'EXPECTED-' in c]
            frame = frame.f_back
        for path in ('/proc/1/mem', '/proc/1/cmdline', '/proc/1/environ', '/proc/self/mem'):
            try:
                with open(path, 'rb') as fh:
                    if b'EXPECTED-' in fh.read(1 << 20):
                        found.append(path)
            except OSError:
                pass
        return found[0] if found else 'nothing'
    """
    result = run(code, [f"assert peek() == {marker!r}"], sandbox)
    assert verdicts(result) == ["failed"], result


# ----------------------------------------------------------------------------------------------------
# Host secrets, /proc, terminals
# ----------------------------------------------------------------------------------------------------
def test_host_secrets_are_out_of_reach(sandbox, host, monkeypatch) -> None:
    secret = "SECRET-" + host.token
    (host.tmp / "secret.txt").write_text(secret)
    monkeypatch.setenv("LADDER_TEST_SECRET", secret)
    code = f"""
    import os
    def look():
        seen = [repr(dict(os.environ))]
        for path in [{str(host.tmp / 'secret.txt')!r}, '/proc/1/environ', '/proc/self/environ',
                     *('/proc/%s/environ' % p for p in os.listdir('/proc') if p.isdigit())]:
            try:
                with open(path, 'rb') as fh:
                    seen.append(fh.read().decode('latin-1'))
            except OSError as exc:
                seen.append(type(exc).__name__)
        print(seen)
        return seen
    """
    result = run(code, ["assert look() is not None"], sandbox)
    assert result.passed, result
    assert secret not in result.stdout and "LADDER_TEST_SECRET" not in result.stdout
    assert "HOME" in result.stdout  # the program's own minimal environment is there


def test_proc_shows_only_the_sandbox(sandbox, host) -> None:
    code = """
    import os
    def pids():
        return sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
    def pid1_env():
        try:
            return open('/proc/1/environ').read()
        except OSError as exc:
            return type(exc).__name__
    """
    result = run(code, ["assert len(pids()) <= 4 and pids()[0] == 1", "assert pid1_env() == 'PermissionError'"],
                 sandbox)
    assert verdicts(result) == ["passed", "passed"], result


def test_tiocsti_has_no_terminal(sandbox, host) -> None:
    code = """
    import fcntl, termios, os
    def inject():
        out = []
        fds = [0, 1, 2]
        try:
            fds.append(os.open('/dev/tty', os.O_RDWR))
        except OSError as exc:
            out.append('tty:' + type(exc).__name__)
        for fd in fds:
            try:
                fcntl.ioctl(fd, termios.TIOCSTI, b'x')
                out.append('INJECTED')
            except OSError as exc:
                out.append(type(exc).__name__)
        return out
    """
    result = run(code, ["print(inject())\nassert 'INJECTED' not in inject()"], sandbox)
    assert result.passed, result
    assert "tty:OSError" in result.stdout


# ----------------------------------------------------------------------------------------------------
# Attacks on the harness's decoding
# ----------------------------------------------------------------------------------------------------
def test_garbage_and_oversized_answers(sandbox, host) -> None:
    code = """
    import sys, os
    wire = sys.modules['wire']
    def huge():
        return b'x' * (16 << 20)
    def many():
        return [None] * 1_100_000
    def nested():
        x = []
        for _ in range(100_000):
            x = [x]
        return x
    def garbage():
        real = wire.write_frame
        wire.write_frame = lambda fd, payload: os.write(fd, (2**31).to_bytes(4, 'big') + b'l99999999:')
        return 1
    def recursion():
        sys.setrecursionlimit(10**6)
        def r(n):
            return r(n + 1)
        return r(0)
    """
    result = run(code, ["assert huge() == b''", "assert many() == []", "assert nested() == []",
                        "assert garbage() == 1", "assert recursion() == 1"], sandbox, memory_mb=512)
    assert verdicts(result)[:4] == ["error", "error", "failed", "error"], result
    assert verdicts(result)[4] in ("error", "memory", "timeout")
    assert "exceeds the limit" in result.tests[0].message and "too many items" in result.tests[1].message
    assert "unusable answer" in result.tests[3].message
