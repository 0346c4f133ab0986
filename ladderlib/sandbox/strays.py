"""Find processes that sandboxes started by this library left on the host (there should never be any).

Used by the tests and the benchmark to check the claim that a run leaves nothing behind: a process
counts if it runs the in-sandbox harness (its command line is the harness's launch line), or runs a
sandbox interpreter inside a pid namespace other than ours, unless it is an idle zygote of a live pool.
"""

from __future__ import annotations

import os
import time

from ladderlib.sandbox.bwrap import HARNESS_DIR, INSIDE_DIR, LAUNCH
from ladderlib.sandbox.pool import zygote_pids


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return b""


def sandbox_processes(executables: tuple[str, ...] = ()) -> list[int]:
    """Host pids of live (non-zombie) sandbox processes; ``executables``: the sandbox interpreters to look
    for in foreign pid namespaces (e.g. ``(python_layout().executable,)``)."""
    try:
        own_ns = os.readlink("/proc/self/ns/pid")
    except OSError:
        return []
    markers = (LAUNCH.format(INSIDE_DIR).encode(), LAUNCH.format(HARNESS_DIR).encode())
    skip = zygote_pids() | {os.getpid()}
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in skip:
            continue
        stat = _read(f"/proc/{name}/stat")
        if not stat or stat.rsplit(b")", 1)[-1].split()[:1] in ([b"Z"], [b"X"]):
            continue
        cmdline = _read(f"/proc/{name}/cmdline")
        if any(m in cmdline for m in markers):
            found.append(int(name))
            continue
        try:
            exe = os.readlink(f"/proc/{name}/exe")
            ns = os.readlink(f"/proc/{name}/ns/pid")
        except OSError:
            continue
        if exe in executables and ns != own_ns:
            found.append(int(name))
    return found


def wait_for_no_strays(executables: tuple[str, ...] = (), timeout_s: float = 3.0) -> list[int]:
    """Wait up to ``timeout_s`` for sandbox processes to disappear; return those still there."""
    end = time.monotonic() + timeout_s
    while True:
        left = sandbox_processes(executables)
        if not left or time.monotonic() > end:
            return left
        time.sleep(0.05)
