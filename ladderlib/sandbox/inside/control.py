"""The harness's control of the program's processes: the loader's control socket, and killing and reaping
what the program leaves behind (stdlib only; runs inside the sandbox, in the trusted harness).

The loader is untrusted (it runs the program), so every message from it is bounded, parsed strictly and
only believed as far as it cannot matter: a lying loader can withhold or misreport its own tests' process
status, never produce a verdict.
"""

from __future__ import annotations

import posix as os  # os.py itself costs ~2.5 ms of every sandbox start
import sys
import time

import _signal
import _socket

try:
    from . import remote, wire
except ImportError:  # run as a plain script inside the sandbox
    import remote
    import wire

SIGNAL_NAMES = {getattr(_signal, n): n for n in dir(_signal) if n.startswith("SIG") and not n.startswith("SIG_")}


class Loader:
    """The harness's end of the control socket to the loader process (which is untrusted)."""

    def __init__(self, pid: int, ctl: _socket.socket) -> None:
        self.pid = pid
        self.ctl = ctl
        self.exit_status: int | None = None  # set once the loader has been reaped
        self.broken = ""  # why the loader can no longer start tests
        # requests sent ahead, answered in order: ("resolve", None) or ("fork", the harness's socket)
        self.pending: list[tuple[str, _socket.socket | None]] = []
        self.spare: tuple[_socket.socket, int] | None = None  # a preforked worker, idle
        self.resolved: bytes | None = None  # the loader's {name: value} for the tests' names

    def receive(self, deadline: float) -> bytes | None:
        """The next message, b"" if the loader is gone, None at the deadline."""
        self.ctl.settimeout(max(deadline - time.monotonic(), 0.0))
        try:
            return self.ctl.recv(1 << 20)
        except TimeoutError:
            return None
        except OSError:
            return b""

    def decode(self, message: bytes) -> object:
        try:
            return wire.loads(message[1:], max_items=64)
        except wire.WireError:
            return None

    def died(self) -> None:
        """Reap the loader once it has ended (waits up to a second for the kernel to report it)."""
        end = time.monotonic() + 1.0
        while self.exit_status is None and time.monotonic() < end:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                self.exit_status = status
            else:
                time.sleep(0.005)

    def kill(self) -> None:
        """SIGKILL the loader (it is our child, so its pid cannot have been reused before we reap it)."""
        if self.exit_status is None:
            try:
                os.kill(self.pid, _signal.SIGKILL)
            except OSError:
                pass
        self.broken = self.broken or "the program's loader was stopped"

    def wait_loaded(self, deadline: float) -> tuple[str, str]:
        """``(status, message)`` of running the program's top level."""
        message = self.receive(deadline)
        if message is None:
            return "timeout", "loading the program took longer than the time limit"
        if not message:
            self.died()
            status = self.exit_status
            if status is not None and os.WIFEXITED(status):
                return "exit", str(os.WEXITSTATUS(status))
            if status is not None and os.WTERMSIG(status) == _signal.SIGXCPU:
                return "timeout", "the program used up its CPU time while loading"
            return "error", "the program ended while loading: " + describe_status(status)
        status = self.decode(message) if message[:1] == b"L" else None
        if type(status) is not tuple or not status or status[0] not in ("ok", "exit", "memory", "error"):
            return "error", "unusable report from the program's loader"
        return status[0], "" if len(status) < 2 else str(status[1])

    def prefork(self) -> None:
        """Ask for the next test's worker now, so its fork overlaps other work (a fresh process waits a
        while for its first time slice on a busy machine)."""
        if not self.broken and self.spare is None and not any(k == "fork" for k, _ in self.pending):
            try:
                self.pending.append(("fork", self._ask_fork()))
            except remote.ProgramFailure:
                pass

    def ask_resolve(self, names: list[str]) -> None:
        """Ask for the values of the program's ``names``, looked up once in the loader (its handles are
        valid in every worker it forks); the answer lands in ``resolved`` (None: ask each worker)."""
        try:
            self.ctl.send(b"N" + wire.dumps(names))
            self.pending.append(("resolve", None))
        except OSError:
            pass

    def fork_worker(self, deadline: float) -> tuple[_socket.socket, int]:
        """A fresh worker process for one test and the harness's socket to it (the preforked one if any)."""
        self.settle(deadline)
        if self.spare is not None:
            worker, self.spare = self.spare, None
            return worker
        return self._await_fork(self._ask_fork(), deadline)

    def settle(self, deadline: float) -> None:
        """Collect the answers to the requests sent ahead (before asking anything else)."""
        while self.pending:
            kind, mine = self.pending.pop(0)
            if kind == "resolve":
                message = self.receive(deadline)
                ok = message and message[:1] == b"V" and message[1:] != wire.dumps(None)
                self.resolved = message[1:] if ok else None
                continue
            try:
                self.spare = self._await_fork(mine, deadline)
            except remote.ProgramFailure:
                self.spare = None

    @property
    def spare_pid(self) -> int:
        return self.spare[1] if self.spare is not None else 0

    def _ask_fork(self) -> _socket.socket:
        if self.broken:
            raise remote.ProgramFailure(self.broken)
        mine, theirs = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
        try:
            fd = theirs.fileno().to_bytes(4, sys.byteorder)
            self.ctl.sendmsg([b"F"], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fd)])
        except OSError:
            mine.close()
            self.broken = "the program's loader process is gone"
            raise remote.ProgramFailure(self.broken) from None
        finally:
            theirs.close()
        return mine

    def _await_fork(self, mine: _socket.socket, deadline: float) -> tuple[_socket.socket, int]:
        message = self.receive(deadline)
        if message and message[:1] == b"P" and message[1:].isdigit():
            return mine, int(message[1:])
        mine.close()
        if message and message[:1] == b"E":
            raise remote.ProgramFailure(message[1:200].decode("utf-8", "replace"))
        if message is None:
            self.broken = "the program's loader stopped answering"
            raise remote.ProgramTimeout("the program's loader did not start the test in time")
        self.broken = "the program's loader process is gone"
        raise remote.ProgramFailure(self.broken)

    def worker_status(self, pid: int) -> object:
        """How worker ``pid`` ended, as the (untrusted) loader reports it; None if it does not."""
        self.settle(time.monotonic() + 1.0)
        try:
            self.ctl.send(b"R%d" % pid)
        except OSError:
            return None
        message = self.receive(time.monotonic() + 1.0)
        return self.decode(message) if message and message[:1] == b"S" else None


def describe_status(status: int | None) -> str:
    """A wait status in words."""
    if status is None:
        return "its exit status is unknown"
    if os.WIFSIGNALED(status):
        return f"killed by {SIGNAL_NAMES.get(os.WTERMSIG(status), os.WTERMSIG(status))}"
    return f"exit status {os.WEXITSTATUS(status)}"


def exited_children():
    """Reap and yield ``(pid, wait status)`` of every child that has exited, without blocking."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if not pid:
            return
        yield pid, status


def reap_children(loader: Loader) -> None:
    """Collect every exited child (as pid 1 that includes orphans); note the loader's own end."""
    for pid, status in exited_children():
        if pid == loader.pid:
            loader.exit_status = status


def _stat(pid: int) -> tuple[str, int]:
    """(state letter, parent pid) from ``/proc/PID/stat``; ("", 0) once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            fields = fh.read().rsplit(b")", 1)[1].split()
        return fields[0].decode(), int(fields[1])
    except (OSError, IndexError, ValueError):
        return "", 0


def kill_strays(loader: Loader, killed: int = 0) -> None:
    """As pid 1 of the sandbox: SIGKILL every process but the harness (and the loader, while it is needed).

    Without the loader to spare one ``kill(-1)`` does it at once. Otherwise the worker (``killed``) was
    killed by process group already, and this finds the rest (processes that left the group); stopping
    them before the kill keeps a fork bomb from refilling the table while we go.
    """
    if loader.broken:
        try:
            os.kill(-1, _signal.SIGKILL)
        except OSError:
            pass
        _reap_all(loader)
        return
    keep = {os.getpid(), loader.pid, killed, loader.spare_pid}
    for attempt in range(100):
        alive = [pid for pid in (int(n) for n in os.listdir("/proc") if n.isdigit())
                 if pid not in keep and _stat(pid)[0] not in ("", "Z", "X")]
        if not alive:
            return
        for sig in (_signal.SIGSTOP, _signal.SIGKILL):
            for pid in alive:
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
        reap_children(loader)
        if attempt > 2:
            time.sleep(0.0005)
        else:
            os.sched_yield()  # the killed usually need just a moment to become zombies


def _reap_all(loader: Loader, timeout_s: float = 2.0) -> None:
    """After ``kill(-1)``: wait for every child (orphans included) to be gone."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == loader.pid:
            loader.exit_status = status
        if not pid:
            time.sleep(0.0005)


def kill_worker(loader: Loader, pid: int, anywhere: bool) -> bool:
    """Kill the worker's process group (it called setsid); whether that worked. Unless ``anywhere`` (inside
    our own pid namespace, where every group is the program's), only if the pid still is the loader's
    child: the loader reported it, and it is not to be trusted with host pids."""
    done = False
    if anywhere or _stat(pid)[1] == loader.pid:
        try:
            os.killpg(pid, _signal.SIGKILL)
            done = True
        except OSError:
            pass
    reap_children(loader)
    return done
