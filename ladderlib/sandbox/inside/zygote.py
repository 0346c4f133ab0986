"""The zygote: a pre-started, sandboxed interpreter that gives each program a fresh sandbox by forking
(stdlib only; runs inside a bubblewrap sandbox of its own, as root of that sandbox's user namespace).

Why: starting bubblewrap and a Python interpreter costs ~25-40 ms per program here, more than checking
a HumanEval program takes. Forking this already-started, already-imported process and giving the child new
mount, pid, network, IPC and UTS namespaces costs ~3 ms and isolates as much (the user namespace, and
with it uid 65534's RLIMIT_NPROC count, is shared only by the programs this zygote runs, one at a time).

Per request (``R`` + id and tmpfs size, with the program's stdin, stdout, stderr and result fds) the zygote
forks a *keeper*, which unshares the namespaces, makes its mounts private, mounts fresh size-limited tmpfs
at ``/work``, ``/tmp`` and ``/dev/shm`` and a fresh devpts, and forks the harness as pid 1 of the new pid
namespace. The harness mounts the new pid namespace's ``/proc`` (its ``sys``, ``irq``, ``bus`` and
``sysrq-trigger`` read-only, as bubblewrap does), keeps only CAP_SETUID/CAP_SETGID/CAP_KILL and runs the
program exactly as under a bubblewrap of its own (``harness.main``). ``K`` + id kills a keeper (its harness
dies with it: parent-death signal; the namespace dies with the harness); ``D`` + id reports a keeper gone.
Nothing of a program reaches the zygote: it never runs program code, and from a program's namespaces it
is invisible.
"""

from __future__ import annotations

import ctypes
import gc
import posix as os  # os.py itself costs ~2.5 ms of every sandbox start
import select
import sys

import _signal
import _socket

import control
import harness  # imported once here, so every harness forked from us starts warm
import wire

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x20000, 0x4000000, 0x8000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_BIND, MS_REC, MS_PRIVATE = 4096, 16384, 1 << 18
MNT_DETACH = 2
PR_SET_PDEATHSIG = 1
PROC_READ_ONLY = ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus")
TMPFS = ("/work", "/tmp", "/dev/shm")
HARNESS_CAPS = (5, 6, 7)  # CAP_KILL, CAP_SETGID, CAP_SETUID
RESULT_FD = 3

libc = ctypes.CDLL(None, use_errno=True)


class SetupError(Exception):
    """A namespace or mount operation of the keeper failed."""


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise SetupError(f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = (lambda s: None if s is None else s.encode())
    _check(libc.mount(enc(source), enc(target), enc(fstype), flags, enc(data)), f"mount {target}")


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def keep_capabilities(caps: tuple[int, ...]) -> None:
    """Drop every capability but ``caps`` (all below 32) from the effective and permitted sets."""
    mask = 0
    for cap in caps:
        mask |= 1 << cap
    header = _CapHeader(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
    data = (_CapData * 2)(_CapData(mask, mask, 0), _CapData(0, 0, 0))
    _check(libc.capset(ctypes.byref(header), data), "capset")


def keeper(fds: list[int], tmpfs_bytes: int) -> None:
    """In a fresh child: new namespaces and mounts, then the harness as pid 1; wait for it; exit."""
    _check(libc.unshare(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    for path in PROC_READ_ONLY:  # the zygote's own /proc, shadowed below; detached so a new proc may mount
        libc.umount2(path.encode(), MNT_DETACH)
    for path in TMPFS:
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmpfs_bytes},mode=1777")
    try:
        _mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620")
    except SetupError:
        pass  # then the zygote's own pty instance is shared by its programs, one at a time
    alive_r, alive_w = os.pipe()  # open here as long as the keeper lives
    pid = os.fork()
    if pid == 0:
        os.close(alive_w)
        _check(libc.prctl(PR_SET_PDEATHSIG, _signal.SIGKILL, 0, 0, 0), "prctl")
        os.set_blocking(alive_r, False)
        try:
            if os.read(alive_r, 1) == b"":  # the keeper died before the death signal was set
                os._exit(1)
        except BlockingIOError:
            pass
        os.close(alive_r)
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        for path in PROC_READ_ONLY:
            try:
                _mount(path, path, None, MS_BIND | MS_REC)
                _mount(None, path, None, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
            except SetupError:
                if path != "/proc/sysrq-trigger":  # absent on kernels without magic SysRq
                    raise
        keep_capabilities(HARNESS_CAPS)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        os.closerange(len(fds), 1 << 16)
        code = harness.main(["zygote", str(RESULT_FD)], zygote=True)
        for stream in (sys.stdout, sys.stderr):  # a test may print; os._exit does not flush
            stream.flush()
        os._exit(code)
    os.close(alive_r)
    for fd in fds:
        os.close(fd)
    devnull = os.open("/dev/null", os.O_RDWR)
    for target in (0, 1, 2):
        os.dup2(devnull, target)
    os.waitpid(pid, 0)
    os._exit(0)


def serve(ctl: _socket.socket) -> None:
    """The zygote's loop: start, kill and report keepers until the host hangs up."""
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    _signal.set_wakeup_fd(wake_w)
    _signal.signal(_signal.SIGCHLD, lambda *_: None)
    keepers: dict[int, int] = {}  # pid -> request id
    poller = select.poll()
    poller.register(ctl.fileno(), select.POLLIN)
    poller.register(wake_r, select.POLLIN)
    while True:
        for fd, _ in poller.poll():
            if fd == wake_r:
                os.read(wake_r, 512)
                continue
            try:
                msg, ancillary, _, _ = ctl.recvmsg(4096, _socket.CMSG_SPACE(4 * 4))
            except InterruptedError:
                continue
            if not msg:
                for pid in keepers:
                    os.kill(pid, _signal.SIGKILL)
                os._exit(0)
            fds = [int.from_bytes(data[i:i + 4], sys.byteorder) for _, kind, data in ancillary
                   if kind == _socket.SCM_RIGHTS for i in range(0, len(data) - len(data) % 4, 4)]
            request, ident = msg[:1], wire.loads(msg[1:])
            if request == b"R":
                keepers[_start(ctl, fds, ident)] = ident[0]
            elif request == b"K":
                for pid, other in keepers.items():
                    if other == ident:
                        os.kill(pid, _signal.SIGKILL)
        for pid, _ in control.exited_children():
            if pid in keepers:
                ctl.send(b"D" + wire.dumps(keepers.pop(pid)))


def _start(ctl: _socket.socket, fds: list[int], ident: tuple[int, int]) -> int:
    pid = os.fork()
    if pid == 0:
        try:
            ctl.close()
            _signal.set_wakeup_fd(-1)
            _signal.signal(_signal.SIGCHLD, _signal.SIG_DFL)
            keeper(fds, ident[1])
        except BaseException as exc:  # noqa: BLE001 - tell the program's stderr why, then give up
            try:
                os.write(fds[2], f"sandbox setup failed: {exc}\n".encode())
            except (OSError, IndexError):
                pass
        os._exit(1)
    for fd in fds:
        os.close(fd)
    return pid


def main(argv: list[str]) -> int:
    """``zygote CTL_FD``: forbid new user namespaces for good, say ready, serve."""
    for sig in harness.IGNORED_SIGNALS:
        _signal.signal(sig, _signal.SIG_IGN)
    with open("/proc/sys/user/max_user_namespaces", "w") as fh:  # no program may make one, ever
        fh.write("0")
    ctl = _socket.socket(_socket.AF_UNIX, _socket.SOCK_SEQPACKET, 0, int(argv[1]))
    gc.freeze()  # every fork of ours shares these pages until it writes them; collections would write all
    ctl.send(b"Z")
    serve(ctl)
    return 0
