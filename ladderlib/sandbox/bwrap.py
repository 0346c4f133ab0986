"""The bubblewrap command line of one sandbox run, and finding bubblewrap.

Why bubblewrap: it is the small, setuid-free namespace tool that Flatpak relies on, packaged everywhere,
and it does exactly the mount / namespace set-up we need in one ``execve``, in ~5 ms. What the command
gives the program:

* every namespace new (``--unshare-all`` + ``--unshare-user``): no network but a loopback of its own, no
  host processes (fresh ``/proc`` of a new pid namespace), private IPC and hostname; no nested user
  namespaces (``--disable-userns``, or, as root, the harness sets the namespace limits to 0);
* the program runs as uid/gid 65534 with no capabilities and ``no_new_privs`` (bubblewrap sets it). When
  we are root, a plain ``bwrap --uid 65534`` would map that uid to host uid 0, and the kernel exempts
  processes of host uid 0 from RLIMIT_NPROC (a fork bomb then runs unbounded). So as root we map the
  user namespace ourselves (``--userns-block-fd``): inside uid 0 is host uid 0 and runs only the trusted
  harness, with nothing but CAP_SETUID/CAP_SETGID/CAP_SYS_RESOURCE/CAP_KILL of the sandbox's own namespace; the
  loader switches to uid 65534, which is host uid 65534 (``nobody``), before any program code runs. The
  program then cannot signal, ptrace or read the harness, and its processes are counted by RLIMIT_NPROC.
  When we are not root, bubblewrap's own mapping (uid 65534 inside = our uid) is used as is;
* ``--new-session`` (no controlling terminal: the TIOCSTI escape), ``--die-with-parent``, and
  ``--as-pid-1`` so the trusted harness is the namespace's init;
* an empty root, read-only, holding only the Python layout (``layout.py``), the harness files at
  ``/ladder``, a minimal ``/dev`` and size-limited private tmpfs at ``/work`` (the working directory),
  ``/tmp`` and ``/dev/shm``;
* an empty environment (``--clearenv``; bubblewrap itself is started with an empty one too, because its
  own environment would be readable in ``/proc``), ``HOME=/work``.

As root, programs are normally started not by a bubblewrap each but by forking a *zygote* that runs in
such a sandbox and gives each program fresh namespaces and mounts of its own (``pool.py``,
``inside/zygote.py``); ``zygote=False`` (or not being root) starts a bubblewrap per program.
"""

from __future__ import annotations

import functools
import json
import os
import select
import shutil
import subprocess
import time

from ladderlib.config.sandbox import SandboxSettings
from ladderlib.sandbox.errors import INSTALL_HINT, SandboxUnavailable
from ladderlib.sandbox.layout import PythonLayout

SANDBOX_UID = 65534
HARNESS_DIR = "/ladder"
WORKDIR = "/work"
INSIDE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "inside")
PYTHON_FLAGS = ("-I", "-S", "-B")
# The harness is imported rather than run as a script, so its byte code comes from __pycache__.
LAUNCH = "import sys; sys.path.insert(0, {!r}); import harness; sys.exit(harness.main(sys.argv))"
ZYGOTE_LAUNCH = "import sys; sys.path.insert(0, {!r}); import zygote; sys.exit(zygote.main(sys.argv))"


def find_bwrap(path: str) -> str:
    """The bubblewrap executable named by ``path`` (a name on PATH or a file), else SandboxUnavailable."""
    found = shutil.which(path) if os.sep not in path else (path if os.access(path, os.X_OK) else None)
    if found is None or not os.path.isfile(found):
        raise SandboxUnavailable(f"bubblewrap (bwrap) not found at {path!r}: {INSTALL_HINT}")
    return found


@functools.lru_cache(maxsize=4)
def bwrap_version(bwrap: str) -> str:
    """``bwrap --version`` (e.g. ``bubblewrap 0.8.0``)."""
    try:
        return subprocess.run([bwrap, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return f"unknown ({exc})"


class UserNamespaceMap:
    """The root-only split mapping: uid/gid 0 -> host 0 (the harness), 65534 -> host 65534 (the program).

    bubblewrap creates the user namespace, reports its child's pid on the info fd and waits on the block
    fd; ``after_start`` writes the maps and lets it go on.
    """

    MAP = f"0 0 1\n{SANDBOX_UID} {SANDBOX_UID} 1\n"

    def __init__(self) -> None:
        self.block_r, self.block_w = os.pipe()
        self.info_r, self.info_w = os.pipe()

    @property
    def child_fds(self) -> tuple[int, int]:
        """The fds bubblewrap must inherit."""
        return self.block_r, self.info_w

    def args(self) -> list[str]:
        return ["--userns-block-fd", str(self.block_r), "--info-fd", str(self.info_w)]

    def after_start(self, timeout_s: float = 10.0) -> None:
        """Read bubblewrap's child pid, write the maps, release it (if bubblewrap failed, just return)."""
        os.close(self.block_r)
        os.close(self.info_w)
        self.block_r = self.info_w = -1
        data, end = b"", time.monotonic() + timeout_s
        while b"}" not in data and time.monotonic() < end:
            if not select.select([self.info_r], [], [], max(end - time.monotonic(), 0))[0]:
                break
            chunk = os.read(self.info_r, 4096)
            if not chunk:
                break
            data += chunk
        try:
            pid = int(json.loads(data.decode())["child-pid"])
            for name in ("uid_map", "gid_map"):
                with open(f"/proc/{pid}/{name}", "w") as fh:
                    fh.write(self.MAP)
            os.write(self.block_w, b"1")
        except (ValueError, KeyError, OSError):
            pass  # bubblewrap died before reporting: its stderr says why

    def close(self) -> None:
        for fd in (self.block_r, self.block_w, self.info_r, self.info_w):
            if fd >= 0:
                os.close(fd)
        self.block_r = self.block_w = self.info_r = self.info_w = -1


def _parents(paths: list[str]) -> list[str]:
    """Every ancestor folder of ``paths`` (parents first), so bubblewrap can create them world-readable."""
    out: list[str] = []
    for path in paths:
        parts = path.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            folder = "/" + "/".join(parts[:i])
            if folder not in out:
                out.append(folder)
    return out


def _sandbox(bwrap: str, layout: PythonLayout, settings: SandboxSettings, userns: UserNamespaceMap | None,
             extra_caps: tuple[str, ...] = ()) -> list[str]:
    """bubblewrap's options for one sandbox (everything up to the command it runs)."""
    tmpfs_bytes = str(settings.tmpfs_mb << 20)
    cmd = [bwrap, "--unshare-all", "--unshare-user"]
    if userns is not None:
        cmd += [*userns.args(), "--cap-drop", "ALL"]
        for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_SYS_RESOURCE", "CAP_KILL", *extra_caps):
            cmd += ["--cap-add", cap]
    else:
        cmd += ["--disable-userns", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--cap-drop", "ALL"]
    cmd += [
        "--hostname", "sandbox", "--die-with-parent", "--new-session", "--as-pid-1",
        "--clearenv", "--setenv", "HOME", WORKDIR, "--setenv", "LANG", "C.UTF-8",
        "--proc", "/proc", "--dev", "/dev",
    ]
    for path in ("/dev/shm", "/tmp", WORKDIR):
        cmd += ["--perms", "01777", "--size", tmpfs_bytes, "--tmpfs", path]
    for folder in _parents([dest for _, dest in layout.binds]):
        cmd += ["--perms", "0755", "--dir", folder]
    for source, dest in layout.binds:
        cmd += ["--ro-bind", source, dest]
    for path in layout.hidden:
        cmd += ["--tmpfs", path]
    return cmd + ["--ro-bind", INSIDE_DIR, HARNESS_DIR, "--remount-ro", "/", "--chdir", WORKDIR]


def bwrap_command(bwrap: str, layout: PythonLayout, settings: SandboxSettings, result_fd: int,
                  userns: UserNamespaceMap | None = None) -> list[str]:
    """The full ``bwrap ... python -I -S -c 'import harness ...' FD`` command line (``userns``: as root)."""
    return [*_sandbox(bwrap, layout, settings, userns), layout.executable, *PYTHON_FLAGS, "-c",
            LAUNCH.format(HARNESS_DIR), str(result_fd)]


def zygote_command(bwrap: str, layout: PythonLayout, settings: SandboxSettings, ctl_fd: int,
                   userns: UserNamespaceMap) -> list[str]:
    """A zygote's sandbox (``inside/zygote.py``): as ``bwrap_command``, plus CAP_SYS_ADMIN of its own user
    namespace, which it needs to give each program new namespaces and mounts (its harnesses drop it)."""
    return [*_sandbox(bwrap, layout, settings, userns, ("CAP_SYS_ADMIN",)), layout.executable, *PYTHON_FLAGS,
            "-c", ZYGOTE_LAUNCH.format(HARNESS_DIR), str(ctl_fd)]


def unisolated_command(layout: PythonLayout, result_fd: int) -> list[str]:
    """The harness run straight on the host (``isolation="none"``)."""
    return [layout.executable, *PYTHON_FLAGS, "-c", LAUNCH.format(INSIDE_DIR), str(result_fd)]
