"""Run one sandbox process: feed its stdin, read stdout and stderr with a cap, collect the harness's records,
and kill the whole process group at the wall-clock deadline.

One ``selectors`` loop per run, so memory stays bounded whatever the program prints (past the cap bytes
are read and dropped, so the program never blocks on a full pipe) and no helper threads are needed.
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
DRAIN_S = 0.5  # after the harness has exited, how long to keep reading pipes that stray processes hold


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
    """What one sandbox process produced."""

    records: list[tuple]
    stdout: Sink
    stderr: Sink
    returncode: int | None
    killed: bool  # the host's deadline passed and the process group was killed
    elapsed_s: float


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def _exited(pid: int) -> bool:
    """Whether ``pid`` has exited, without reaping it (so its pid, and process group, cannot be reused)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def run_captured(command: Callable[[int], list[str]], stdin: bytes, deadline_s: float, max_output: int,
                 env: dict[str, str], cwd: str | None = None, extra_fds: tuple[int, ...] = (),
                 started: Callable[[], None] | None = None) -> Captured:
    """Start ``command(result_fd)`` in a new session (also passing ``extra_fds``), call ``started()``, and
    run it to its end or to ``deadline_s`` seconds."""
    start = time.monotonic()
    result_r, result_w = os.pipe()
    try:
        proc = subprocess.Popen(command(result_w), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, pass_fds=(result_w, *extra_fds), env=env, cwd=cwd,
                                start_new_session=True)
    except BaseException:
        os.close(result_r)
        raise
    finally:
        os.close(result_w)
    if started is not None:
        started()
    out, err = Sink(max_output), Sink(max_output)
    sinks = {proc.stdout.fileno(): out, proc.stderr.fileno(): err}
    stdin_fd = proc.stdin.fileno()
    frames = wire.FrameReader()
    records: list[tuple] = []
    sel = selectors.DefaultSelector()
    for fd in (*sinks, result_r):
        sel.register(fd, selectors.EVENT_READ)
    os.set_blocking(stdin_fd, False)
    pending = memoryview(stdin)
    sel.register(stdin_fd, selectors.EVENT_WRITE)
    end = start + deadline_s
    killed = False
    exited = False
    try:
        while True:
            now = time.monotonic()
            if not exited and _exited(proc.pid):
                exited, end = True, min(end, now + DRAIN_S)
            if exited and not sel.get_map():
                break
            if now >= end:
                if killed or exited:
                    break
                _kill_group(proc.pid)
                killed, end = True, now + DRAIN_S
                continue
            if not sel.get_map():  # every pipe is closed: the process is exiting
                time.sleep(0.001)
                continue
            for key, _ in sel.select(timeout=min(end - now, 0.25)):
                fd = key.fd
                if fd == stdin_fd:
                    try:
                        pending = pending[os.write(fd, pending[:CHUNK]):]
                    except OSError:  # the harness died before reading everything
                        pending = pending[:0]
                    if not pending:
                        sel.unregister(fd)
                        proc.stdin.close()
                    continue
                chunk = os.read(fd, CHUNK)
                if not chunk:
                    sel.unregister(fd)
                elif fd == result_r:
                    records += [wire.loads(f) for f in frames.feed(chunk)]
                else:
                    sinks[fd].add(chunk)
    finally:
        sel.close()
        _kill_group(proc.pid)  # the leader is not reaped yet, so the group id is still ours
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            try:
                stream.close()
            except OSError:
                pass
        os.close(result_r)
        proc.wait()
    return Captured(records=records, stdout=out, stderr=err, returncode=proc.returncode, killed=killed,
                    elapsed_s=time.monotonic() - start)
