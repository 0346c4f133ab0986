"""Hostile programs against the real bubblewrap sandbox: each must get the right verdict and leave the host
unharmed (canary files intact, nothing created outside, no process left behind)."""

from __future__ import annotations

import ast
import hashlib
import os
import secrets
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ladderlib.config.sandbox import SandboxSettings
from ladderlib.sandbox import run_program
from ladderlib.sandbox.errors import SandboxUnavailable
from ladderlib.sandbox.layout import python_layout
from ladderlib.sandbox.strays import wait_for_no_strays

pytestmark = pytest.mark.timeout(60)
REPO = Path(__file__).resolve().parents[1]
FAST = dict(timeout_s=1.5, cpu_s=2, memory_mb=256, max_processes=16, tmpfs_mb=8, max_file_mb=2)


def usable_settings() -> SandboxSettings:
    """Fast settings, once a probe run shows the sandbox works here (else the module is skipped)."""
    settings = SandboxSettings(**FAST)
    try:
        result = run_program("x = 1", settings=settings)
    except SandboxUnavailable as exc:
        pytest.skip(f"no usable bubblewrap sandbox here: {exc}")
    assert result.passed and result.isolated
    return settings


@pytest.fixture(scope="module")
def sandbox() -> SandboxSettings:
    return usable_settings()


class HostGuard:
    """Canary files and processes on the host, and paths that must not appear."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.token = secrets.token_hex(6)
        self.canary = tmp / "canary.txt"
        self.canary.write_text("precious " + self.token)
        self.shared_tmp = Path("/tmp") / f"ladder-canary-{self.token}"
        self.shared_tmp.write_text("precious")
        self.marker_name = f"ladder-escape-{self.token}"
        self.forbidden = [tmp / self.marker_name, Path("/tmp") / self.marker_name, Path("/dev/shm") / self.marker_name,
                          Path.home() / self.marker_name, REPO / self.marker_name, Path("/") / self.marker_name]
        self.sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
        self.stdlib_os = Path(os.__file__)
        self.stdlib_hash = hashlib.sha256(self.stdlib_os.read_bytes()).hexdigest()

    def check(self) -> None:
        assert self.canary.read_text() == "precious " + self.token
        assert self.shared_tmp.read_text() == "precious"
        assert hashlib.sha256(self.stdlib_os.read_bytes()).hexdigest() == self.stdlib_hash
        for path in self.forbidden:
            assert not path.exists(), f"the program created {path} on the host"
        assert self.sleeper.poll() is None, "a host process was killed"
        left = wait_for_no_strays((python_layout().executable,))
        assert not left, f"sandbox processes left on the host: {left}"

    def close(self) -> None:
        self.sleeper.kill()
        self.sleeper.wait()
        self.shared_tmp.unlink(missing_ok=True)


def guarded(tmp_path: Path):
    """A HostGuard for one test, checked (the host unharmed) when the test is done."""
    guard = HostGuard(tmp_path)
    yield guard
    try:
        guard.check()
    finally:
        guard.close()


@pytest.fixture()
def host(tmp_path: Path, sandbox: SandboxSettings):
    yield from guarded(tmp_path)


def run(code: str, tests, settings: SandboxSettings, **overrides):
    if overrides:
        settings = settings.model_copy(update=overrides)
    return run_program(textwrap.dedent(code), tests, settings=settings)


def verdicts(result) -> list[str]:
    return [t.verdict for t in result.tests]


# ----------------------------------------------------------------------------------------------------
# Processes, memory, disk
# ----------------------------------------------------------------------------------------------------
def test_fork_bomb(sandbox, host) -> None:
    code = """
    import os
    def solve(x):
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """
    start = time.monotonic()
    result = run(code, ["assert solve(1) == 2", "assert solve(2) == 3"], sandbox)
    assert verdicts(result) == ["timeout", "timeout"], result
    assert time.monotonic() - start < 15


def test_fork_bomb_at_load_then_a_clean_program(sandbox, host) -> None:
    result = run("import os\nwhile True:\n    try: os.fork()\n    except OSError: pass\n", ["assert True"], sandbox)
    assert result.status == "timeout" and verdicts(result) == ["timeout"]
    after = run("def f(): return 1", ["assert f() == 1"], sandbox)
    assert after.passed


def test_thread_bomb(sandbox, host) -> None:
    code = """
    import threading, time
    def solve(x):
        while True:
            threading.Thread(target=time.sleep, args=(60,), daemon=True).start()
    """
    result = run(code, ["assert solve(1) == 2"], sandbox)
    assert verdicts(result) in (["error"], ["memory"]), result
    assert "thread" in result.tests[0].message or result.tests[0].verdict == "memory"


def test_memory_bomb_at_once_and_gradual(sandbox, host) -> None:
    code = """
    def at_once():
        return len(bytearray(8 << 30))
    def gradual():
        chunks = []
        while True:
            chunks.append(bytearray(10 << 20))
    def small():
        return len(bytearray(10 << 20))
    """
    result = run(code, ["assert at_once() == 1", "assert gradual() == 1", "assert small() == 10 << 20"], sandbox)
    assert verdicts(result) == ["memory", "memory", "passed"], result
    assert result.status == "memory"


def test_disk_fill_one_big_file_and_many(sandbox, host) -> None:
    code = """
    import os
    def big():
        with open('/work/big', 'wb') as fh:
            fh.write(b'x' * (64 << 20))
    def many():
        for i in range(10_000):
            with open(f'/tmp/f{i}', 'wb') as fh:
                fh.write(b'x' * (1 << 20))
    """
    result = run(code, ["assert big() is None", "assert many() is None"], sandbox)
    assert verdicts(result) == ["error", "error"], result
    assert "File too large" in result.tests[0].message
    assert "No space left" in result.tests[1].message


# ----------------------------------------------------------------------------------------------------
# The file system
# ----------------------------------------------------------------------------------------------------
def test_writes_outside_the_work_dir_by_every_route(sandbox, host) -> None:
    targets = [str(p) for p in host.forbidden] + [str(host.canary), str(host.shared_tmp)]
    code = f"""
    import os
    TARGETS = {targets!r}
    def attempt(label, fn):
        try:
            fn()
            return label + ':ok'
        except Exception as exc:
            return label + ':' + type(exc).__name__
    def write(path):
        with open(path, 'w') as fh:
            fh.write('pwned')
    def solve():
        out = []
        for t in TARGETS:
            out.append(attempt('abs ' + t, lambda: write(t)))
            out.append(attempt('dotdot ' + t, lambda: write('../../../../../../..' + t)))
            link = '/work/link' + str(len(out))
            out.append(attempt('symlink ' + t, lambda: (os.symlink(t, link), write(link))))
            out.append(attempt('proc root ' + t, lambda: write('/proc/self/root' + t)))
            out.append(attempt('remove ' + t, lambda: os.remove(t)))
        out.append(attempt('stdlib', lambda: write(os.__file__)))
        out.append(attempt('harness', lambda: write('/ladder/harness.py')))
        out.append(attempt('root dir', lambda: write('/new-file')))
        return out
    """
    result = run(code, ["x = solve()\nprint(x)\nassert True"], sandbox)
    assert result.passed, result
    # inside the sandbox /tmp and /dev/shm are private tmpfs: writing there is allowed, and must not reach the host
    for line in ("stdlib:OSError", "harness:OSError", "root dir:OSError"):
        assert line in result.stdout, result.stdout


def test_subprocess_system_ctypes_and_subclasses_escapes(sandbox, host) -> None:
    target = str(host.tmp / host.marker_name)
    code = f"""
    import os, subprocess, sys, ctypes
    T = {target!r}
    def attempt(fn):
        try:
            return repr(fn())
        except Exception as exc:
            return type(exc).__name__
    def solve():
        return [
            attempt(lambda: subprocess.run(['/bin/sh', '-c', 'touch ' + T]).returncode),
            attempt(lambda: os.system('touch ' + T)),
            attempt(lambda: ctypes.CDLL(None).system(('touch ' + T).encode())),
            attempt(lambda: [c for c in ().__class__.__base__.__subclasses__()
                             if c.__name__ == '_wrap_close'][0].__init__.__globals__['system']('touch ' + T)),
            attempt(lambda: subprocess.run([sys.executable, '-c', f'open({{T!r}}, "w")']).returncode),
            attempt(lambda: os.listdir('/')),
        ]
    """
    result = run(code, ["print(solve())\nassert True"], sandbox)
    assert result.passed, result
    assert "FileNotFoundError" in result.stdout  # no /bin/sh at all
    assert "['dev', 'ladder', 'lib', 'lib64', 'proc', 'root', 'tmp', 'work']" in result.stdout.replace('"', "'") or \
        "'ladder'" in result.stdout


def test_privilege_calls_fail(sandbox, host) -> None:
    code = """
    import ctypes, os
    libc = ctypes.CDLL(None, use_errno=True)
    def solve():
        return [libc.setuid(0), libc.unshare(0x10000000), libc.mount(b'none', b'/work', b'tmpfs', 0, None),
                libc.ptrace(16, 1, 0, 0), os.getuid(), os.geteuid(), os.getgid()]
    def caps():
        return [l.split()[1] for l in open('/proc/self/status') if l.startswith(('CapEff', 'CapPrm', 'NoNewPrivs'))]
    """
    result = run(code, ["assert solve() == [-1, -1, -1, -1, 65534, 65534, 65534]",
                        "assert caps() == ['0000000000000000', '0000000000000000', '1']"], sandbox)
    assert verdicts(result) == ["passed", "passed"], result


# ----------------------------------------------------------------------------------------------------
# Network
# ----------------------------------------------------------------------------------------------------
def test_network_is_unreachable(sandbox, host) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", port))
    udp.settimeout(0.5)
    abstract = f"\0ladder-test-{host.token}"
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(abstract)
    unix.listen(1)
    unix.settimeout(0.5)
    code = f"""
    import socket, errno
    def connect(family, address, kind=socket.SOCK_STREAM):
        s = socket.socket(family, kind)
        s.settimeout(2)
        try:
            s.connect(address)
            if kind == socket.SOCK_DGRAM:
                s.send(b'x')
            return 'connected'
        except OSError as exc:
            return errno.errorcode.get(exc.errno, str(exc))
    def solve():
        return [connect(socket.AF_INET, ('127.0.0.1', {port})),
                connect(socket.AF_INET, ('192.0.2.1', 80)),
                connect(socket.AF_INET6, ('2001:db8::1', 80)),
                connect(socket.AF_UNIX, {abstract!r}),
                connect(socket.AF_INET, ('127.0.0.1', {port}), socket.SOCK_DGRAM),
                [name for _, name in socket.if_nameindex()]]
    """
    try:
        result = run(code, ["print(solve())\nassert True"], sandbox)
        for sock in (listener, unix):
            with pytest.raises(TimeoutError):
                sock.accept()
        with pytest.raises(TimeoutError):
            udp.recv(16)  # the datagram went to the sandbox's own loopback, not ours
    finally:
        for sock in (listener, udp, unix):
            sock.close()
    assert result.passed, result
    # the sandbox has its own network namespace: a loopback of its own (up under bubblewrap, down in a
    # zygote's fresh namespace) and no route anywhere
    outcome = ast.literal_eval(result.stdout.strip())
    assert outcome[0] in ("ECONNREFUSED", "ENETUNREACH") and outcome[1] == "ENETUNREACH", outcome
    assert outcome[2] in ("ENETUNREACH", "EADDRNOTAVAIL") and outcome[3] == "ECONNREFUSED", outcome
    assert outcome[4] in ("connected", "ENETUNREACH") and outcome[5] == ["lo"], outcome


# ----------------------------------------------------------------------------------------------------
# Killing, signals
# ----------------------------------------------------------------------------------------------------
def test_kill_everything_and_pid_1(sandbox, host) -> None:
    code = f"""
    import os, signal
    def kill_one():
        for sig in (signal.SIGKILL, signal.SIGSTOP, signal.SIGTERM):
            try:
                os.kill(1, sig)
            except PermissionError:
                pass
        return 42
    def kill_host():
        try:
            os.kill({host.sleeper.pid}, signal.SIGKILL)
            return 'killed'
        except OSError as exc:
            return type(exc).__name__
    def kill_all():
        os.kill(-1, signal.SIGKILL)
        return 42
    def after():
        return 42
    """
    tests = ["assert kill_one() == 42", "assert kill_host() == 'ProcessLookupError'", "assert kill_all() == 42",
             "assert after() == 42"]
    result = run(code, tests, sandbox)
    # pid 1 (the harness) survives every signal; the worker that sent kill(-1) lives on and answers
    assert verdicts(result) == ["passed"] * 4, result
    fresh = run(code, tests, sandbox, fork_per_test=True)
    # ...but kill(-1) took the loader down, so no fresh worker can be forked for the last test
    assert verdicts(fresh)[:3] == ["passed"] * 3 and verdicts(fresh)[3] == "error", fresh


def test_killpg_and_kill_self(sandbox, host) -> None:
    code = """
    import os, signal
    def group():
        os.killpg(os.getpgid(0), signal.SIGKILL)
    def me():
        os.kill(os.getpid(), signal.SIGKILL)
    def parent():
        os.kill(os.getppid(), signal.SIGKILL)
        return 1
    """
    result = run(code, ["assert group() is None", "assert me() is None", "assert parent() == 1",
                        "assert parent() == 1"], sandbox, fork_per_test=True)
    # the last test's worker was forked ahead, before its parent (the loader) was killed: it may answer
    assert verdicts(result)[:3] == ["error", "error", "passed"] and verdicts(result)[3] in ("error", "passed")
    assert "SIGKILL" in result.tests[0].message and "SIGKILL" in result.tests[1].message


def test_signal_games_cannot_stop_the_timeout(sandbox, host) -> None:
    code = """
    import signal, os
    for sig in (signal.SIGTERM, signal.SIGALRM, signal.SIGXCPU, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    signal.setitimer(signal.ITIMER_REAL, 0)
    def spin():
        signal.alarm(0)
        while True:
            pass
    def sleep():
        import time
        time.sleep(30)
    def stop_all():
        os.kill(-1, signal.SIGSTOP)
        return 1
    """
    start = time.monotonic()
    result = run(code, ["assert spin() == 1", "assert sleep() == 1", "assert stop_all() == 1",
                        "assert stop_all() == 1"], sandbox, fork_per_test=True)
    assert verdicts(result)[:2] == ["timeout", "timeout"], result
    assert verdicts(result)[2] == "passed"  # only the loader was stopped...
    assert verdicts(result)[3] in ("timeout", "error")  # ...so the next test cannot start
    assert time.monotonic() - start < 20


def test_daemon_left_running_is_killed(sandbox, host) -> None:
    code = """
    import os, time
    def solve():
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(300)
            os._exit(0)
        return 7
    """
    result = run(code, ["assert solve() == 7"], sandbox)
    assert result.passed, result


# ----------------------------------------------------------------------------------------------------
# Output and stdio
# ----------------------------------------------------------------------------------------------------
def test_huge_output_is_capped(sandbox, host) -> None:
    code = """
    import sys
    def loud():
        for _ in range(200):
            sys.stdout.write('x' * 100_000)
            sys.stderr.write('y' * 100_000)
        return 1
    def forever():
        while True:
            print('z' * 10000)
    """
    result = run(code, ["assert loud() == 1", "assert forever() == 1"], sandbox, max_output_bytes=1000)
    assert verdicts(result) == ["passed", "timeout"], result
    assert len(result.stdout) == 1000 and len(result.stderr) == 1000
    assert result.stdout_truncated and result.stderr_truncated


def test_closed_stdio_does_not_hide_verdicts(sandbox, host) -> None:
    code = """
    import os
    os.close(0); os.close(1); os.close(2)
    def f(x):
        return x * 2
    """
    result = run(code, ["assert f(2) == 4", "assert f(3) == 7"], sandbox)
    assert verdicts(result) == ["passed", "failed"], result
