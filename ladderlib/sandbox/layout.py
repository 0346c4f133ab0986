"""What the sandbox must show of the host for Python to run: the interpreter, its standard library and the
shared libraries they load, nothing else.

Which Python: the real binary behind this process's interpreter (a venv's ``bin/python`` is a symlink to
its base Python), run with ``-I -S`` so no site-packages, no ``PYTHON*`` variables and no user site are
read. The standard library folder is bound read-only with the site-packages inside it covered by an empty
tmpfs; the shared libraries come from ``ldd`` over the interpreter and every extension module in
``lib-dynload`` (so ``ssl``, ``sqlite3`` and ``ctypes`` work), each bound as a single file. There is no
shell, no ``/usr/bin``, no ``/etc`` in the sandbox.
"""

from __future__ import annotations

import ast
import functools
import glob
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass

from ladderlib.sandbox.errors import SandboxUnavailable

SYSTEM_LIB_DIRS = ("/lib", "/lib64", "/lib32", "/usr/lib", "/usr/lib64", "/usr/local/lib")

_PROBE = """
import os, sys, sysconfig
base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
print(repr({
    "executable": os.path.realpath(sys.executable),
    "version": "%d.%d" % sys.version_info[:2],
    "path": [p for p in sys.path if p and os.path.exists(p)],
    "site": sorted({sysconfig.get_path(k) for k in ("purelib", "platlib")}),
    "base_site": sorted({sysconfig.get_path(k, vars=base) for k in ("purelib", "platlib")}),
}))
"""


@dataclass(frozen=True)
class PythonLayout:
    """The read-only host paths one interpreter needs, and the folders to hide or add to ``sys.path``."""

    executable: str
    version: str
    binds: tuple[str, ...]  # bound read-only at the same path inside the sandbox
    hidden: tuple[str, ...]  # folders inside a bind covered by an empty tmpfs (site-packages)
    sys_path: tuple[str, ...]  # extra import folders (site-packages, when asked for)


def _probe(python: str) -> dict:
    try:
        out = subprocess.run([python, "-I", "-S", "-c", _PROBE], capture_output=True, text=True, timeout=60,
                             check=True).stdout
        return ast.literal_eval(out.strip())
    except (OSError, subprocess.SubprocessError, ValueError, SyntaxError) as exc:
        raise SandboxUnavailable(f"cannot inspect the sandbox's Python {python!r}: {exc}") from exc


def shared_libraries(files: list[str]) -> list[str]:
    """Every shared library ``files`` load (their ``ldd`` closure, the dynamic loader included)."""
    ldd = shutil.which("ldd")
    if ldd is None or not files:
        return []
    out = subprocess.run([ldd, *files], capture_output=True, text=True, timeout=120).stdout
    libs: set[str] = set()
    for line in out.splitlines():
        line = line.strip()
        if line.endswith(":") or "not found" in line:
            continue
        target = line.split("=>", 1)[1] if "=>" in line else line
        path = target.strip().split(" (", 1)[0].strip()
        if path.startswith("/") and os.path.exists(path):
            libs.add(path)
    return sorted(libs)


def _within(path: str, folders: list[str]) -> bool:
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


@functools.lru_cache(maxsize=8)
def python_layout(python: str = "", site_packages: bool = False) -> PythonLayout:
    """The layout of ``python`` (default: this process's interpreter), probed once per process."""
    info = _probe(python or sys.executable)
    stdlib = [p for p in info["path"] if os.path.isdir(p) or p.endswith(".zip")]
    binds = [info["executable"], *stdlib]
    extra: list[str] = []
    if site_packages:
        extra = [p for p in info["site"] if os.path.isdir(p)]
        binds += extra + [d for d in SYSTEM_LIB_DIRS if os.path.isdir(d)]
    else:
        dynload = [f for p in stdlib if os.path.isdir(p) for f in glob.glob(os.path.join(p, "lib-dynload", "*.so"))]
        dynload += [f for p in stdlib if p.endswith("lib-dynload") for f in glob.glob(os.path.join(p, "*.so"))]
        libs = shared_libraries([info["executable"], *sorted(set(dynload))])
        if not libs:  # no ldd (a musl system, say): fall back to the system library folders
            libs = [d for d in SYSTEM_LIB_DIRS if os.path.isdir(d)]
        binds += [lib for lib in libs if not _within(lib, binds)]
    hidden = [p for p in sorted(set(info["site"]) | set(info["base_site"]))
              if os.path.isdir(p) and _within(p, stdlib) and p not in extra]
    return PythonLayout(executable=info["executable"], version=info["version"], binds=tuple(binds),
                        hidden=tuple(hidden), sys_path=tuple(extra))
