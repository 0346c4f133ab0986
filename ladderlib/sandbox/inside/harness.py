"""The trusted harness: the one process in the sandbox that decides verdicts (stdlib only).

    python -I -S -c "import sys; sys.path.insert(0, DIR); import harness; sys.exit(harness.main(sys.argv))" RESULT_FD

reads two frames on stdin (the program and its limits; then the tests), writes records (``start``,
``load``, ``test`` per test, ``done``) as frames to RESULT_FD, which no other process holds.

Order matters. Before it reads any test the harness forks the *loader* (``server.loader_main``), which
drops stdin, sets the rlimits and runs the program once. The harness asks the loader to fork a *worker*
connected to the harness by a fresh socket (for every test with ``fork_per_test``, else once, and again
after a worker times out, dies or misbehaves), and runs each test's code itself, with the program's names
bound to proxies (``remote``). So the program never holds the tests, the expected values
or the result channel, and nothing it returns is more than plain data to compare.

Isolated, the harness is pid 1 of a fresh pid namespace: the kernel delivers to it no signal from inside
the namespace that it does not handle (so the program can neither kill nor stop it), and it ignores every
catchable terminating signal. As root it is uid 0 of the sandbox's user namespace while the program is
uid 65534 (so the program cannot signal, ptrace or read it); otherwise it makes itself non-dumpable (no
ptrace, no ``/proc/1/mem`` or ``/proc/1/fd`` for the program). After every test it kills every process
but itself and the loader; when it exits the kernel kills whatever is left in the namespace.
"""

from __future__ import annotations

import builtins
import marshal
import posix as os  # os.py itself costs ~2.5 ms of every sandbox start
import sys
import time

import _signal
import _socket
import resource

import control  # the launch line put this folder on sys.path
import remote
import server
import wire

IGNORED_SIGNALS = tuple(getattr(_signal, name) for name in (
    "SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGVTALRM", "SIGPROF",
    "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGXCPU", "SIGXFSZ", "SIGPIPE", "SIGIO", "SIGWINCH",
) if hasattr(_signal, name))
BUILTIN_NAMES = frozenset(vars(builtins))
CODE_TYPE = type((lambda: None).__code__)
HARNESS_MEMORY = 2 << 30  # soft address-space limit of the harness itself


def set_nondumpable() -> bool:
    """``prctl(PR_SET_DUMPABLE, 0)`` through ``_ctypes`` (the full ctypes package costs ~5 ms to import)."""
    try:
        import _ctypes

        class _Int(_ctypes._SimpleCData):
            _type_ = "i"

        class _Function(_ctypes.CFuncPtr):
            _flags_ = _ctypes.FUNCFLAG_CDECL
            _restype_ = _Int

        prctl = _Function(_ctypes.dlsym(_ctypes.dlopen(None), "prctl"))
        prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE
        return prctl(3, 0, 0, 0, 0) == 0  # PR_GET_DUMPABLE
    except Exception:  # noqa: BLE001 - no libffi, no prctl: reported in the start record
        return False


def forbid_namespaces() -> bool:
    """As root of the sandbox's own user namespace: let no process in it create namespaces of any kind
    (bubblewrap's ``--disable-userns`` does this only when it maps the namespace itself)."""
    done = True
    for kind in ("user", "mnt", "pid", "net", "ipc", "uts", "cgroup", "time"):
        try:
            with open(f"/proc/sys/user/max_{kind}_namespaces", "w") as fh:
                fh.write("0")
        except OSError:
            done = done and kind in ("cgroup", "time")  # absent on some kernels
    return done


def names_in(code: CODE_TYPE) -> set[str]:
    """Global names a compiled test (and the functions and comprehensions inside it) may look up."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, CODE_TYPE):
            names |= names_in(const)
    return names


class Reporter:
    """Writes records to the result channel."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def send(self, *record: object) -> None:
        wire.write_frame(self.fd, wire.dumps(record))


class Session:
    """Runs the loaded program's tests one by one and reports each verdict."""

    def __init__(self, spec: dict, plan: dict, loader: control.Loader, out: Reporter) -> None:
        self.spec = spec
        self.plan = plan
        self.loader = loader
        self.out = out
        self.pid1 = os.getpid() == 1
        self.worker: tuple[_socket.socket, int] | None = None

    def cleanup(self, keep_loader: bool = True) -> None:
        """Close the current worker and kill whatever the program left running (the loader too, unless
        more tests need it)."""
        killed = 0
        if self.worker is not None:
            sock, pid = self.worker
            sock.close()
            self.worker = None
            killed = pid if control.kill_worker(self.loader, pid, self.pid1) else 0
        if not keep_loader:
            self.loader.kill()
        else:
            self.loader.settle(time.monotonic() + self.spec["timeout_s"])  # to spare the spare
        if self.pid1:
            control.kill_strays(self.loader, killed)
        control.reap_children(self.loader)

    def run(self) -> None:
        """Load the program, then run every test (or, with no tests, just report the load)."""
        start = time.monotonic()
        total = self.spec["total_timeout_s"]
        budget_end = start + total if total else float("inf")
        codes = [self.compiled(i) for i in range(len(self.plan["tests"]))]
        if codes:  # asked while the program loads: the loader answers as soon as it is done
            self.loader.ask_resolve(sorted(set().union(*(self.wanted(c) for c in codes
                                                         if isinstance(c, CODE_TYPE)))))
            self.loader.prefork()
        status, message = self.loader.wait_loaded(min(start + self.spec["timeout_s"], budget_end))
        self.out.send("load", status, message, time.monotonic() - start)
        if status != "ok" or self.spec["plain"]:
            self.cleanup(keep_loader=False)
            return
        self.cleanup()
        for index, code in enumerate(codes):
            start = time.monotonic()
            if start >= budget_end:
                verdict, message = "timeout", f"the run's time budget ({total} s) was used up before this test"
            else:
                verdict, message = self.run_test(index, code, min(start + self.spec["timeout_s"], budget_end))
            self.out.send("test", index, verdict, message, time.monotonic() - start)
        self.cleanup(keep_loader=False)

    def compiled(self, index: int) -> CODE_TYPE | str:
        """Test ``index`` as a code object (sent compiled by the host, or compiled here), or why not."""
        try:
            byte_code = self.plan["codes"][index]
            if byte_code:
                return marshal.loads(byte_code)
            return compile(self.plan["tests"][index], f"<test {index + 1}>", "exec")
        except (SyntaxError, ValueError, TypeError, EOFError) as exc:
            return f"the test does not compile: {exc}"

    def wanted(self, code: CODE_TYPE) -> set[str]:
        """The program names a test may use: its global names that are not builtins, and the bindings."""
        names = {n for n in names_in(code) if n not in BUILTIN_NAMES and not n.startswith("__")}
        return names | set(self.plan["bind"].values())

    def run_test(self, index: int, code: CODE_TYPE | str, deadline: float) -> tuple[str, str]:
        """``(verdict, message)`` of one test, evaluated here against a worker holding the program."""
        if not isinstance(code, CODE_TYPE):
            return "error", code
        verdict, message, healthy = "error", "", True
        try:
            if self.worker is None:
                self.worker = self.loader.fork_worker(deadline)
                if self.spec["fork_per_test"] and index + 1 < len(self.plan["tests"]):
                    self.loader.prefork()
            channel = remote.Channel(self.worker[0].fileno(), deadline, self.spec["max_message_bytes"],
                                     self.spec["max_items"])
            exec(code, self.namespace(code, channel))
            verdict = "passed"
        except AssertionError as exc:
            verdict, message = "failed", _text(exc) or "assertion failed"
        except remote.ProgramGone as exc:
            pid = self.worker[1] if self.worker else 0
            self.cleanup()
            verdict, message = self.explain_gone(str(exc), pid)
        except remote.ProgramFailure as exc:
            verdict, message, healthy = exc.verdict, str(exc), False
        except BaseException as exc:  # noqa: BLE001 - the test's own error, or the program's exception
            verdict, message = "error", f"{type(exc).__name__}: {_text(exc)}"
        if self.spec["fork_per_test"] or not healthy:
            self.cleanup()
        return verdict, message[:2000]

    def namespace(self, code: CODE_TYPE, channel: remote.Channel) -> dict:
        """Globals for one test: builtins, the test's bindings, and the program names it uses (as proxies)."""
        bind = self.plan["bind"]
        wanted = self.wanted(code)
        if self.loader.resolved is not None:
            try:
                found = wire.loads(self.loader.resolved, channel.proxy, self.spec["max_items"])
            except wire.WireError as exc:
                raise remote.ProgramFailure(f"unusable answer from the program: {exc}") from None
        else:
            found = channel.request("resolve", sorted(wanted))
        if type(found) is not dict:
            raise remote.ProgramFailure("unusable answer from the program: not a name table")
        ns = {"__name__": "__test__", "__builtins__": builtins}
        ns.update((k, v) for k, v in found.items() if type(k) is str and k in wanted)
        for alias, target in bind.items():
            if target not in found:
                raise NameError(f"the program does not define {target!r}")
            ns[alias] = found[target]
        return ns

    def explain_gone(self, message: str, pid: int) -> tuple[str, str]:
        """Verdict for worker ``pid`` that vanished, from the loader's report of how it ended."""
        status = self.loader.worker_status(pid)
        if type(status) is tuple and len(status) == 3 and type(status[1]) is int:
            how, code, cpu = status
            cpu = cpu if type(cpu) is float else 0.0
            if how == "signal" and (code == _signal.SIGXCPU or cpu >= self.spec["cpu_s"] - 0.05):
                return "timeout", f"the test used up its CPU time ({self.spec['cpu_s']} s)"
            if how == "signal":
                return "error", f"{message}: killed by {control.SIGNAL_NAMES.get(code, code)}"
            if how == "exit":
                return "error", f"{message}: exit status {code} before the test finished"
        return "error", message


def _text(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # noqa: BLE001
        return "<unprintable>"


def main(argv: list[str], zygote: bool = False) -> int:
    """Run one program and its tests; see the module docstring for the protocol. ``zygote``: forked by
    ``zygote.py``, which has forbidden new user namespaces already (and needs the other kinds itself)."""
    result_fd = int(argv[1])
    for sig in IGNORED_SIGNALS:
        _signal.signal(sig, _signal.SIG_IGN)
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY or hard > HARNESS_MEMORY:
        resource.setrlimit(resource.RLIMIT_AS, (HARNESS_MEMORY, hard))
    out = Reporter(result_fd)
    split = os.getpid() == 1 and os.getuid() == 0  # a uid of our own: the program cannot ptrace us anyway
    out.send("start", {"pid": os.getpid(), "uid": os.getuid(), "gid": os.getgid(),
                       "nondumpable": None if split else set_nondumpable(),
                       "namespaces_forbidden": zygote or (split and forbid_namespaces())})
    spec = wire.loads(wire.read_frame(0))
    spec["default_signals"] = list(IGNORED_SIGNALS)
    ctl, ctl_child = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
    pid = os.fork()
    if pid == 0:
        try:
            ctl.close()
            os.close(result_fd)
            server.loader_main(ctl_child, spec)
        finally:
            os._exit(1)
    ctl_child.close()
    plan = wire.loads(wire.read_frame(0))
    devnull = os.open("/dev/null", os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    loader = control.Loader(pid, ctl)
    Session(spec, plan, loader, out).run()
    ctl.close()
    out.send("done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
