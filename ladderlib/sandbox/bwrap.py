"""The bubblewrap command line of one sandbox run, and finding bubblewrap.

Why bubblewrap: it is the small, setuid-free namespace tool that Flatpak relies on, packaged everywhere,
and it does exactly the mount / namespace set-up we need in one ``execve``, in ~5 ms. What the command
gives the program:

* every namespace new (``--unshare-all`` + ``--unshare-user``): no network but a down loopback, no host
  processes (fresh ``/proc`` of a new pid namespace), private IPC and hostname; ``--disable-userns``
  forbids nested user namespaces;
* uid/gid 65534 inside, every capability dropped, ``no_new_privs`` (bubblewrap sets it);
* ``--new-session`` (no controlling terminal: the TIOCSTI escape), ``--die-with-parent``, and
  ``--as-pid-1`` so the trusted harness is the namespace's init;
* an empty root, read-only, holding only the Python layout (``layout.py``), the harness files at
  ``/ladder``, a minimal ``/dev`` and size-limited private tmpfs at ``/work`` (the working directory),
  ``/tmp`` and ``/dev/shm``;
* an empty environment (``--clearenv``; bubblewrap itself is started with an empty one too, because its
  own environment would be readable in ``/proc``), ``HOME=/work``.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess

from ladderlib.config.sandbox import SandboxSettings
from ladderlib.sandbox.errors import INSTALL_HINT, SandboxUnavailable
from ladderlib.sandbox.layout import PythonLayout

SANDBOX_UID = 65534
HARNESS_DIR = "/ladder"
WORKDIR = "/work"
INSIDE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "inside")
PYTHON_FLAGS = ("-I", "-S", "-B")


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


def bwrap_command(bwrap: str, layout: PythonLayout, settings: SandboxSettings, result_fd: int) -> list[str]:
    """The full ``bwrap ... python -I -S /ladder/harness.py FD`` command line."""
    tmpfs_bytes = str(settings.tmpfs_mb << 20)
    cmd = [
        bwrap, "--unshare-all", "--unshare-user", "--disable-userns",
        "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--hostname", "sandbox",
        "--die-with-parent", "--new-session", "--as-pid-1", "--cap-drop", "ALL",
        "--clearenv", "--setenv", "HOME", WORKDIR, "--setenv", "LANG", "C.UTF-8",
        "--proc", "/proc", "--dev", "/dev",
        "--size", tmpfs_bytes, "--tmpfs", "/dev/shm",
        "--size", tmpfs_bytes, "--tmpfs", "/tmp",
        "--size", tmpfs_bytes, "--tmpfs", WORKDIR,
    ]
    for path in layout.binds:
        cmd += ["--ro-bind", path, path]
    for path in layout.hidden:
        cmd += ["--tmpfs", path]
    cmd += ["--ro-bind", INSIDE_DIR, HARNESS_DIR, "--remount-ro", "/", "--chdir", WORKDIR]
    return cmd + [layout.executable, *PYTHON_FLAGS, f"{HARNESS_DIR}/harness.py", str(result_fd)]


def unisolated_command(layout: PythonLayout, result_fd: int) -> list[str]:
    """The harness run straight on the host (``isolation="none"``)."""
    return [layout.executable, *PYTHON_FLAGS, os.path.join(INSIDE_DIR, "harness.py"), str(result_fd)]
