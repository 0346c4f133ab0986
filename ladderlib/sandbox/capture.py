"""Drive one sandboxed run's pipes: feed its stdin, read stdout and stderr with a cap, collect the harness's
records, and kill it at the wall-clock deadline.

One ``selectors`` loop per run, so memory stays bounded whatever the program prints (past the cap bytes
are read and dropped, so the program never blocks on a full pipe) and no helper threads are needed. The
same loop serves both ways of starting a sandbox: a bubblewrap process of its own (``run_process``) and a
fork of a zygote (``pool.py``).
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from ladderlib.sandbox.inside import wire

CHUNK = 1 << 16
DRAIN_S = 0.5  # after the run has ended, how long to keep reading pipes that stray processes hold


@dataclass
class Sink:
    """Keeps the first ``cap`` bytes of a stream and counts the rest."""

    cap: int
    data: bytearray = field(default_factory=bytearray)
    dropped: int = 0

    def add(self, chunk: bytes) -> None:
        room = self.cap - len(self.data)
        if room > 0:
            self.data += chunk[:room]
        self.dropped += max(0, len(chunk) - max(room, 0))


@dataclass
class Captured:
    """What one sandboxed run produced."""

    records: list[tuple] = field(default_factory=list)
    stdout: Sink = field(default_factory=lambda: Sink(0))
    stderr: Sink = field(default_factory=lambda: Sink(0))
    returncode: int | None = None
    killed: bool = False  # the host's deadline passed and the run was killed
    elapsed_s: float = 0.0


@dataclass
class Pipes:
    """The host's ends of a run's four pipes, and the sandbox's (to hand over, then close here)."""

    stdin: int
    stdout: int
    stderr: int
    result: int
    theirs: tuple[int, int, int, int]  # stdin read end, stdout / stderr / result write ends

    @classmethod
    def make(cls) -> Pipes:
        ends = [os.pipe() for _ in range(4)]
        return cls(stdin=ends[0][1], stdout=ends[1][0], stderr=ends[2][0], result=ends[3][0],
                   theirs=(ends[0][0], ends[1][1], ends[2][1], ends[3][1]))

    def close_theirs(self) -> None:
        for fd in self.theirs:
            os.close(fd)


def pump(pipes: Pipes, stdin: bytes, deadline_s: float, max_output: int, kill: Callable[[], None],
         ended: Callable[[], bool] | None = None) -> Captured:
    """Run the pipes until every one is closed (``ended`` given: and ``ended()``, or ``DRAIN_S`` after it
    while strays hold a pipe); at ``deadline_s`` call ``kill()`` once. Closes the host's ends."""
    start = time.monotonic()
    out, err = Sink(max_output), Sink(max_output)
    sinks = {pipes.stdout: out, pipes.stderr: err}
    frames = wire.FrameReader()
    captured = Captured(stdout=out, stderr=err)
    sel = selectors.DefaultSelector()
    for fd in (pipes.stdout, pipes.stderr, pipes.result):
        sel.register(fd, selectors.EVENT_READ)
    os.set_blocking(pipes.stdin, False)
    pending = memoryview(stdin)
    sel.register(pipes.stdin, selectors.EVENT_WRITE)
    open_fds = {pipes.stdin, pipes.stdout, pipes.stderr, pipes.result}
    end = start + deadline_s
    finished = False
    try:
        while True:
            now = time.monotonic()
            if not finished and (ended is None or ended()):
                finished, end = True, min(end, now + DRAIN_S) if ended is not None else end
            if not sel.get_map() and (finished or captured.killed):
                break
            if now >= end:
                if captured.killed or finished:
                    break
                kill()
                captured.killed, end = True, now + DRAIN_S
                continue
            if not sel.get_map():  # every pipe is closed: the run is ending
                time.sleep(0.0005)
                continue
            for key, _ in sel.select(timeout=min(end - now, 0.25)):
                fd = key.fd
                if fd == pipes.stdin:
                    try:
                        pending = pending[os.write(fd, pending[:CHUNK]):]
                    except OSError:  # the harness died before reading everything
                        pending = pending[:0]
                    if not pending:
                        sel.unregister(fd)
                        os.close(fd)
                        open_fds.discard(fd)
                    continue
                chunk = os.read(fd, CHUNK)
                if not chunk:
                    sel.unregister(fd)
                elif fd == pipes.result:
                    captured.records += [wire.loads(f) for f in frames.feed(chunk)]
                else:
                    sinks[fd].add(chunk)
    finally:
        sel.close()
        for fd in open_fds:
            os.close(fd)
    captured.elapsed_s = time.monotonic() - start
    return captured


def _exited(pid: int) -> bool:
    """Whether ``pid`` has exited, without reaping it (so its pid, and process group, cannot be reused)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def run_process(command: Callable[[int], list[str]], stdin: bytes, deadline_s: float, max_output: int,
                env: dict[str, str], cwd: str | None = None, extra_fds: tuple[int, ...] = (),
                started: Callable[[], None] | None = None) -> Captured:
    """Start ``command(result_fd)`` in a new session (also passing ``extra_fds``), call ``started()``, and
    run it to its end or to ``deadline_s`` seconds, then kill what is left of its process group."""
    pipes = Pipes.make()
    try:
        proc = subprocess.Popen(command(pipes.theirs[3]), stdin=pipes.theirs[0], stdout=pipes.theirs[1],
                                stderr=pipes.theirs[2], pass_fds=(pipes.theirs[3], *extra_fds), env=env,
                                cwd=cwd, start_new_session=True)
    except BaseException:
        for fd in (pipes.stdin, pipes.stdout, pipes.stderr, pipes.result):
            os.close(fd)
        raise
    finally:
        pipes.close_theirs()
    try:
        if started is not None:
            started()
        captured = pump(pipes, stdin, deadline_s, max_output, lambda: _kill_group(proc.pid),
                        lambda: _exited(proc.pid))
    finally:
        _kill_group(proc.pid)  # the leader is not reaped yet, so the group id is still ours
        proc.wait()
    captured.returncode = proc.returncode
    return captured
