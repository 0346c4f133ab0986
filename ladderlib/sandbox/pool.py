"""Zygotes on the host side: start them (one bubblewrap each), hand them runs, kill and replace them.

A zygote (``inside/zygote.py``) runs one program at a time, each in namespaces of its own, so a pool keeps
one zygote per concurrent run and a run waits for its zygote's report that the run's keeper, and with it
every process of the run, is gone before the zygote takes the next one. Pools are kept per interpreter
layout and bubblewrap, shared by all settings (limits travel with each run), closed at exit, and die with
this process anyway (``--die-with-parent``). A zygote that stops answering is killed and replaced.

Zygotes are started from one long-lived thread: the kernel's parent-death signal, which
``--die-with-parent`` sets, fires when the *thread* that started a process ends, and ``run_many``'s
worker threads end with each batch.
"""

from __future__ import annotations

import atexit
import itertools
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

from ladderlib.config.sandbox import SandboxSettings
from ladderlib.sandbox import bwrap
from ladderlib.sandbox.capture import Captured, Pipes, pump
from ladderlib.sandbox.errors import SandboxUnavailable
from ladderlib.sandbox.inside import wire
from ladderlib.sandbox.layout import PythonLayout

START_TIMEOUT_S = 30.0
REPORT_TIMEOUT_S = 5.0  # how long a killed run may take to be reported gone
_ids = itertools.count(1)


class Zygote:
    """One pre-started sandbox that forks a fresh sandbox per run."""

    def __init__(self, bwrap_path: str, layout: PythonLayout, settings: SandboxSettings) -> None:
        self.ctl, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        userns = bwrap.UserNamespaceMap()
        self.log = tempfile.TemporaryFile()
        command = bwrap.zygote_command(bwrap_path, layout, settings, theirs.fileno(), userns)
        try:
            self.proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                         pass_fds=(theirs.fileno(), *userns.child_fds), env={},
                                         start_new_session=True)
            userns.after_start()
        finally:
            theirs.close()
            userns.close()
        self.pid = self.proc.pid
        self.broken = False
        if self._receive(time.monotonic() + START_TIMEOUT_S) != b"Z":
            self.close()
            self.log.seek(0)
            text = self.log.read()[-2000:].decode("utf-8", "replace").strip()
            raise SandboxUnavailable(f"the sandbox zygote did not start: {text or 'no message'}")

    def _receive(self, deadline: float) -> bytes | None:
        self.ctl.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            return self.ctl.recv(4096)
        except (TimeoutError, OSError):
            return None

    def run(self, stdin: bytes, deadline_s: float, max_output: int, tmpfs_bytes: int) -> Captured:
        """One sandboxed run of the harness, fed ``stdin``."""
        ident = next(_ids)
        pipes = Pipes.make()
        try:
            self.ctl.sendmsg([b"R" + wire.dumps((ident, tmpfs_bytes))],
                             [(socket.SOL_SOCKET, socket.SCM_RIGHTS, b"".join(
                                 fd.to_bytes(4, sys.byteorder) for fd in pipes.theirs))])
        except OSError as exc:
            self.broken = True
            for fd in (pipes.stdin, pipes.stdout, pipes.stderr, pipes.result):
                os.close(fd)
            raise SandboxUnavailable(f"the sandbox zygote is gone: {exc}") from None
        finally:
            pipes.close_theirs()
        # the run's pipes close when its harness, and with it its pid namespace, is gone
        captured = pump(pipes, stdin, deadline_s, max_output, lambda: self._kill(ident))
        self._await_end(ident, captured.killed)
        return captured

    def _kill(self, ident: int) -> None:
        try:
            self.ctl.send(b"K" + wire.dumps(ident))
        except OSError:
            self.broken = True

    def _await_end(self, ident: int, killed: bool) -> None:
        """Wait for the zygote to report run ``ident`` gone; a zygote that does not is replaced."""
        deadline = time.monotonic() + REPORT_TIMEOUT_S
        while not self.broken:
            message = self._receive(deadline)
            if message is None:
                if not killed:  # the harness is done but something still holds the run: kill it
                    self._kill(ident)
                    killed, deadline = True, time.monotonic() + REPORT_TIMEOUT_S
                    continue
                self.broken = True
            elif message[:1] == b"D" and wire.loads(message[1:]) == ident:
                return

    def close(self) -> None:
        """Kill the zygote and everything in it."""
        self.broken = True
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except OSError:
            pass
        self.proc.wait()
        self.ctl.close()
        self.log.close()


class _Starter:
    """A daemon thread that starts every zygote, so they live as long as this process."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue = queue.SimpleQueue()
        threading.Thread(target=self._loop, name="sandbox-zygote-starter", daemon=True).start()

    def _loop(self) -> None:
        while True:
            args, reply = self.jobs.get()
            try:
                reply.put((Zygote(*args), None))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller
                reply.put((None, exc))

    def start(self, *args: object) -> Zygote:
        reply: queue.SimpleQueue = queue.SimpleQueue()
        self.jobs.put((args, reply))
        zygote, error = reply.get()
        if error is not None:
            raise error
        return zygote


_starter_lock = threading.Lock()
_starter: _Starter | None = None


def _start_zygote(*args: object) -> Zygote:
    global _starter
    with _starter_lock:
        if _starter is None:
            _starter = _Starter()
    return _starter.start(*args)


class ZygotePool:
    """Idle zygotes for one interpreter layout; ``run`` borrows one (starting it if none is idle)."""

    def __init__(self, bwrap_path: str, layout: PythonLayout, settings: SandboxSettings) -> None:
        self.args = (bwrap_path, layout, settings)
        self.idle: queue.SimpleQueue[Zygote] = queue.SimpleQueue()
        self.all: set[Zygote] = set()
        self.lock = threading.Lock()

    def run(self, stdin: bytes, deadline_s: float, max_output: int, tmpfs_bytes: int) -> Captured:
        """Run on an idle zygote (or a new one); broken zygotes are closed, not returned."""
        for attempt in range(2):
            zygote = self._borrow()
            try:
                return zygote.run(stdin, deadline_s, max_output, tmpfs_bytes)
            except SandboxUnavailable:
                if attempt:  # a fresh zygote that failed at once: something is wrong here
                    raise
            finally:
                self._give_back(zygote)
        raise AssertionError("unreachable")

    def _borrow(self) -> Zygote:
        """A live idle zygote (dead ones found on the way are closed), or a new one."""
        found, others = None, []
        while True:
            try:
                zygote = self.idle.get_nowait()
            except queue.Empty:
                break
            if zygote.proc.poll() is not None:
                self._give_back(zygote)
            elif found is None:
                found = zygote
            else:
                others.append(zygote)
        for zygote in others:
            self.idle.put(zygote)
        if found is not None:
            return found
        zygote = _start_zygote(*self.args)
        with self.lock:
            self.all.add(zygote)
        return zygote

    def _give_back(self, zygote: Zygote) -> None:
        if zygote.broken or zygote.proc.poll() is not None:
            zygote.close()
            with self.lock:
                self.all.discard(zygote)
        else:
            self.idle.put(zygote)

    def pids(self) -> set[int]:
        """Host pids of this pool's zygotes (bubblewrap's sandboxed child is the zygote itself)."""
        with self.lock:
            return {z.pid for z in self.all if z.proc.poll() is None}

    def close(self) -> None:
        with self.lock:
            zygotes, self.all = list(self.all), set()
        for zygote in zygotes:
            zygote.close()


_pools: dict[tuple, ZygotePool] = {}
_pools_lock = threading.Lock()


def pool_for(bwrap_path: str, layout: PythonLayout, settings: SandboxSettings) -> ZygotePool:
    """The shared pool for this bubblewrap and layout (what the zygote's own sandbox depends on)."""
    key = (bwrap_path, layout)
    with _pools_lock:
        if key not in _pools:
            _pools[key] = ZygotePool(bwrap_path, layout, settings)
        return _pools[key]


def zygote_pids() -> set[int]:
    """Host pids of every live zygote (of bubblewrap, and of the zygote process bubblewrap runs)."""
    with _pools_lock:
        pools = list(_pools.values())
    pids = set().union(*(p.pids() for p in pools)) if pools else set()
    children = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as fh:
                children |= {int(c) for c in fh.read().split()}
        except OSError:
            pass
    return pids | children


def zygote_cpu_seconds() -> float:
    """CPU seconds used so far by the live zygotes and every run they have finished (their reaped
    children's times included); a closed zygote's share moves to this process's children's times."""
    total = 0
    for pid in zygote_pids():
        try:
            with open(f"/proc/{pid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
        except (OSError, IndexError, ValueError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


@atexit.register
def close_pools() -> None:
    """Close every pool (their zygotes would die with this process anyway)."""
    with _pools_lock:
        pools = list(_pools.values())
        _pools.clear()
    for pool in pools:
        pool.close()
