"""The two ways of starting a sandbox: a zygote fork (the default as root) and a bubblewrap of its own.

Each program must get a fresh sandbox either way: nothing a program leaves (files, processes) reaches the
next one, hostile programs cannot harm the zygote, and a dead zygote is replaced."""

from __future__ import annotations

import os
import signal
import textwrap
import time

import pytest

from ladderlib.config.sandbox import SandboxSettings
from ladderlib.sandbox import SandboxUnavailable, run_many, run_program
from ladderlib.sandbox import pool
from ladderlib.sandbox.layout import python_layout
from ladderlib.sandbox.strays import sandbox_processes, wait_for_no_strays

pytestmark = pytest.mark.timeout(60)
FAST = SandboxSettings(timeout_s=1.5, cpu_s=2, memory_mb=256, max_processes=16, tmpfs_mb=8)


@pytest.fixture(scope="module", autouse=True)
def usable() -> None:
    try:
        run_program("pass", settings=FAST)
    except SandboxUnavailable as exc:
        pytest.skip(f"no usable bubblewrap sandbox here: {exc}")


@pytest.fixture(params=["zygote", "bwrap"])
def mode(request) -> SandboxSettings:
    if request.param == "zygote" and os.geteuid() != 0:
        pytest.skip("zygotes are used when running as root")
    return FAST.model_copy(update={"zygote": request.param == "zygote"})


def zygotes() -> set[int]:
    return pool.zygote_pids()


LEAVE = """
import os, subprocess, sys
for path in ('/work/left', '/tmp/left', '/dev/shm/left'):
    open(path, 'w').write('x')
if os.fork() == 0:
    os.setsid()
    import time
    time.sleep(300)
def f():
    return 1
"""
LOOK = """
import os
def seen():
    files = [p for p in ('/work/left', '/tmp/left', '/dev/shm/left') if os.path.exists(p)]
    return files, sorted(int(p) for p in os.listdir('/proc') if p.isdigit())
"""


def test_nothing_of_a_program_reaches_the_next(mode) -> None:
    first = run_program(LEAVE, ["assert f() == 1"], settings=mode)
    assert first.passed, first
    second = run_program(LOOK, ["files, pids = seen()\nassert files == []", "assert len(seen()[1]) <= 4"],
                         settings=mode)
    assert [t.verdict for t in second.tests] == ["passed", "passed"], second
    assert not wait_for_no_strays((python_layout().executable,))


@pytest.mark.parametrize("code", [
    "import os, signal\ndef f():\n    os.kill(-1, signal.SIGKILL)\n    return 1\n",
    "import os\ndef f():\n    while True:\n        try:\n            os.fork()\n"
    "        except OSError:\n            pass\n",
    "import os, signal\nfor s in range(1, 65):\n    try:\n        os.kill(1, s) if s not in (9, 19) else None\n"
    "    except OSError:\n        pass\ndef f():\n    return 1\n",
], ids=["kill-all", "fork-bomb", "signal-pid-1"])
def test_hostile_programs_leave_the_next_run_intact(mode, code: str) -> None:
    before = zygotes()
    run_program(code, ["assert f() == 1"], settings=mode)
    after = run_program("def g():\n    return 2\n", ["assert g() == 2"], settings=mode)
    assert after.passed, after
    if mode.zygote:
        assert zygotes() == before or not before  # the same zygote served both
    assert not wait_for_no_strays((python_layout().executable,))


def test_program_identity_and_view_in_both_modes(mode) -> None:
    code = textwrap.dedent("""
    import os, socket
    def who():
        caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith(('CapEff', 'CapBnd'))][:1]
        return [os.getuid(), os.getgid(), os.getgroups(), caps, socket.gethostname(), sorted(os.listdir('/'))]
    """)
    result = run_program(code, ["assert who()[:5] == [65534, 65534, [], ['0000000000000000'], 'sandbox']",
                                "assert who()[5] == ['dev', 'ladder', 'lib', 'lib64', 'proc', 'root', 'tmp', "
                                "'work']"], settings=mode)
    assert result.passed, result


def test_a_killed_zygote_is_replaced() -> None:
    if os.geteuid() != 0:
        pytest.skip("zygotes are used when running as root")
    assert run_program("x = 1", ["assert x == 1"], settings=FAST).passed
    victims = zygotes()
    assert victims
    for pid in victims:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    time.sleep(0.1)
    results = run_many([("x = 1", ["assert x == 1"])] * 3, settings=FAST)
    assert all(r.passed for r in results)
    assert zygotes() and not (zygotes() & victims)


def test_closing_the_pools_leaves_no_process() -> None:
    run_many([("x = 1", ["assert x == 1"])] * 2, settings=FAST)
    pool.close_pools()
    assert not zygotes()
    deadline = time.monotonic() + 3
    while sandbox_processes((python_layout().executable,)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not sandbox_processes((python_layout().executable,))
    assert run_program("x = 1", ["assert x == 1"], settings=FAST).passed  # a new pool starts on demand


def test_falls_back_to_a_bubblewrap_per_program_when_zygotes_fail(monkeypatch) -> None:
    from ladderlib.sandbox import runner

    if os.geteuid() != 0:
        pytest.skip("zygotes are used when running as root")
    pool.close_pools()

    def refuse(*args, **kwargs):
        raise SandboxUnavailable("the sandbox zygote did not start: simulated")

    monkeypatch.setattr(pool, "Zygote", refuse)
    monkeypatch.setattr(runner, "_NO_ZYGOTE", set())
    with pytest.warns(RuntimeWarning, match="simulated"):
        first = run_program("x = 1", ["assert x == 1"], settings=FAST)
    assert first.passed and not zygotes()
    assert run_program("x = 2", ["assert x == 2"], settings=FAST).passed  # no second warning, no zygote
    assert not zygotes()
