"""The program's side of the sandbox: load the program once, then fork worker processes that answer the
harness's calls (stdlib only; runs inside the sandbox).

Nothing in this module is trusted. It runs in the processes that also run the untrusted program (the
*loader*, forked from the harness before the harness has read any test, and the *workers* forked from
the loader), so the program can rewrite any of it. That is by design: these processes only
ever send plain data and object handles back (``wire``), and the verdicts are computed by the harness
from those values. A program that subverts this module can make its own answers wrong or missing, never
make a wrong answer count as right.
"""

from __future__ import annotations

import builtins
import gc
import marshal
import posix as os  # os.py itself costs ~2.5 ms of every sandbox start
import sys
import time
from builtins import BaseException, MemoryError, SystemExit, getattr, id, int, len, range, str, type  # noqa: A004

import _signal
import _socket
import resource

try:
    from . import wire
except ImportError:  # run as a plain script inside the sandbox
    import wire

CTL_ANCILLARY = _socket.CMSG_SPACE(4)


def _message(exc: BaseException) -> str:
    """The exception's text, without trusting its ``__str__`` to behave, and the program line it came from."""
    try:
        text = str(exc)[:500]
    except BaseException:  # noqa: BLE001 - a hostile __str__
        text = "<unprintable>"
    tb = exc.__traceback__
    line = ""
    for _ in range(1000):  # a RecursionError's traceback can be a million entries long
        if tb is None:
            break
        if tb.tb_frame.f_code.co_filename == "<program>":
            line = f" (line {tb.tb_lineno})"
        tb = tb.tb_next
    return text + line


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {_message(exc)}"


def _exit_code(exc: SystemExit) -> int | str:
    code = exc.code
    if code is None:
        return 0
    if type(code) in (int, str):
        return code
    return "non-integer exit status"


def prepare(spec: dict) -> None:
    """Set up the loader before the program runs: default signals, no stdin, its own uid, limits, import
    path."""
    for sig in spec["default_signals"]:  # as in any Python process: SIGPIPE, SIGXFSZ ignored, SIGINT raises
        keep_ignored = sig in (getattr(_signal, "SIGPIPE", None), getattr(_signal, "SIGXFSZ", None))
        _signal.signal(sig, _signal.SIG_IGN if keep_ignored else _signal.SIG_DFL)
    _signal.signal(_signal.SIGINT, _signal.default_int_handler)
    devnull = os.open("/dev/null", os.O_RDONLY)
    os.dup2(devnull, 0)  # also drops the harness's stdin pipe, which still holds the tests
    os.close(devnull)
    if spec["drop_to"]:  # the harness has a uid of its own: leave it, and with it every capability
        uid, gid = spec["drop_to"]
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    for name, (soft, hard) in spec["rlimits"].items():
        resource.setrlimit(getattr(resource, name), (soft, hard))
    sys.path[:0] = spec["sys_path"]
    os.chdir(spec["workdir"])


def load(source: str, byte_code: bytes | None, ns: dict) -> tuple:
    """Run the program's top level in ``ns``: ``("ok",)``, ``("exit", code)``, ``("memory", msg)`` or
    ``("error", msg)``. ``byte_code``: the program compiled by the host (marshal), if it compiles."""
    try:
        code = marshal.loads(byte_code) if byte_code else compile(source, "<program>", "exec")
    except (SyntaxError, ValueError) as exc:
        return ("error", _describe(exc) if not isinstance(exc, SyntaxError)
                else f"SyntaxError: {exc.msg} (line {exc.lineno})")
    try:
        exec(code, ns)
    except SystemExit as exc:
        return ("exit", _exit_code(exc))
    except MemoryError:
        return ("memory", "MemoryError while loading the program")
    except BaseException as exc:  # noqa: BLE001 - any failure of the program is a verdict
        return ("error", _describe(exc))
    return ("ok",)


def loader_main(ctl: _socket.socket, spec: dict) -> None:
    """The loader process: run the program once, report, then fork a worker per request."""
    prepare(spec)
    ns = {"__name__": spec["module_name"], "__builtins__": builtins}
    status = load(spec["program"], spec["program_code"], ns)
    _flush()  # before any fork, or every worker would print the loader's buffered output again
    gc.freeze()  # the workers' collections then never walk (and copy-on-write) what they inherit
    try:
        ctl.send(b"L" + wire.dumps(status))
    except OSError:
        _quit(1)
    # Even with nothing left to do the loader stays until the harness kills it: exiting with requests
    # unread would reset the socket, and the harness could lose the report it just sent.
    handles: dict[int, object] = {}

    def export(obj: object) -> wire.Handle:
        handles[id(obj)] = obj
        return wire.Handle(id(obj), type(obj).__name__)

    while True:
        try:
            msg, ancillary, _, _ = ctl.recvmsg(1 << 16, CTL_ANCILLARY)
        except OSError:
            _quit(0)
        if not msg:
            _quit(0)
        fds = [int.from_bytes(data[i:i + 4], sys.byteorder)
               for level, kind, data in ancillary if kind == _socket.SCM_RIGHTS
               for i in range(0, len(data) - len(data) % 4, 4)]
        if msg == b"F" and fds:
            _reap_finished()
            _flush()
            try:
                pid = os.fork()
            except OSError as exc:
                pid = -1
                ctl.send(b"E" + f"cannot start the test's process: {exc}".encode())
            if pid == 0:
                ctl.close()
                os.setsid()
                serve(fds[0], ns, handles, export)
            for fd in fds:
                os.close(fd)
            if pid > 0:
                ctl.send(b"P%d" % pid)
        elif msg[:1] == b"R" and msg[1:].isdigit():
            ctl.send(b"S" + wire.dumps(_wait(int(msg[1:]))))
        elif msg[:1] == b"N":  # the names all tests use: resolved once here, valid in every worker
            _resolve_once(ctl, msg[1:], ns, export)


def _flush() -> None:
    """Flush the program's buffered output (these processes end with ``os._exit``)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001 - the program may have closed or replaced its streams
            pass


def _quit(code: int = 0) -> None:
    _flush()
    os._exit(code)


_ended: dict[int, tuple] = {}  # how reaped workers ended, until the harness asks


def _reap_finished() -> None:
    try:
        while True:
            pid, status, usage = os.wait4(-1, os.WNOHANG)
            if not pid:
                return
            _ended[pid] = _how(status, usage)
    except ChildProcessError:
        pass


def _how(status: int, usage) -> tuple:
    cpu = usage.ru_utime + usage.ru_stime
    if os.WIFSIGNALED(status):
        return ("signal", os.WTERMSIG(status), cpu)
    return ("exit", os.WEXITSTATUS(status), cpu)


def _wait(pid: int, timeout_s: float = 0.5) -> tuple:
    """How worker ``pid`` ended: ``("exit", code, cpu_s)`` or ``("signal", signum, cpu_s)`` (the harness
    has killed it already; ``("unknown", 0, 0.0)`` if it is not our child or does not end in time)."""
    end = time.monotonic() + timeout_s
    while pid not in _ended:
        try:
            done, status, usage = os.wait4(pid, os.WNOHANG)
        except ChildProcessError:
            return ("unknown", 0, 0.0)
        if done:
            return _how(status, usage)
        if time.monotonic() > end:
            return ("unknown", 0, 0.0)
        time.sleep(0.001)
    return _ended.pop(pid)


def _resolve_once(ctl: _socket.socket, names: bytes, ns: dict, export) -> None:
    """Reply with the values of ``names`` (plain data and handles), or None: resolve in each worker."""
    try:
        wanted = wire.loads(names)
        ctl.send(b"V" + wire.dumps({n: ns[n] for n in wanted if type(n) is str and n in ns}, export))
    except BaseException:  # noqa: BLE001 - too big for one packet, or the program broke our helpers
        try:
            ctl.send(b"V" + wire.dumps(None))
        except OSError:
            pass


def serve(fd: int, ns: dict, handles: dict, export) -> None:
    """A worker: answer ``resolve`` / ``call`` / ``getattr`` requests on ``fd`` until the harness hangs up."""
    _signal.signal(_signal.SIGCHLD, _signal.SIG_DFL)

    def lookup(handle: wire.Handle) -> object:
        return handles[handle.id]

    while True:
        try:
            request = wire.loads(wire.read_frame(fd), lookup)
        except BaseException:  # noqa: BLE001 - hang-up, or a handle we never gave out
            _quit(0)
        reply = _answer(request, ns)
        _flush()
        try:
            data = wire.dumps(reply, export)
        except MemoryError:
            data = wire.dumps(("raise", "MemoryError", "the return value does not fit in memory"))
        except BaseException as exc:  # noqa: BLE001
            data = wire.dumps(("raise", "ValueError", "the return value cannot be sent: " + _describe(exc)))
        try:
            wire.write_frame(fd, data)
        except OSError:
            _quit(0)


def _answer(request: tuple, ns: dict) -> tuple:
    try:
        op = request[0]
        if op == "resolve":
            return ("ok", {name: ns[name] for name in request[1] if name in ns})
        if op == "call":
            return ("ok", request[1](*request[2], **request[3]))
        if op == "getattr":
            return ("ok", getattr(request[1], request[2]))
        return ("raise", "ValueError", f"unknown request {op!r}")
    except SystemExit as exc:
        return ("exit", _exit_code(exc))
    except MemoryError:
        return ("raise", "MemoryError", "")
    except BaseException as exc:  # noqa: BLE001 - reported to the harness as the program's exception
        try:
            return ("raise", type(exc).__name__, _message(exc))
        except BaseException:  # noqa: BLE001
            return ("raise", "Exception", "<unprintable>")
