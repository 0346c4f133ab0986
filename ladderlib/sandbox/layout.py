"""What the sandbox must show of the host for Python to run: the interpreter, its standard library and the
shared libraries they load, nothing else.

Which Python: the real binary behind this process's interpreter (a venv's ``bin/python`` is a symlink to
its base Python), run with ``-I -S`` so no site-packages, no ``PYTHON*`` variables and no user site are
read. The standard library folder is bound read-only with the site-packages inside it covered by an empty
tmpfs; the shared libraries come from ``ldd`` over the interpreter and every extension module in
``lib-dynload`` (so ``ssl``, ``sqlite3`` and ``ctypes`` work; not ``tkinter``, useless without a display),
shown through a farm of links (``libfarm.py``). There is no shell, no ``/usr/bin``, no ``/etc`` in the
sandbox.
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
from ladderlib.sandbox.libfarm import SYSTEM_LIB_DIRS, library_binds, within

_PROBE = """
import importlib.util, os, sys, sysconfig
base = {"base": sys.base_prefix, "platbase": sys.base_exec_prefix}
print(repr({
    "executable": os.path.realpath(sys.executable),
    "version": "%d.%d" % sys.version_info[:2],
    "magic": importlib.util.MAGIC_NUMBER.hex(),
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
    magic: str  # byte-code magic number: code compiled here can be sent in when it matches ours
    binds: tuple[tuple[str, str], ...]  # (host source, sandbox path), bound read-only
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


@functools.lru_cache(maxsize=8)
def python_layout(python: str = "", site_packages: bool = False) -> PythonLayout:
    """The layout of ``python`` (default: this process's interpreter), probed once per process."""
    info = _probe(python or sys.executable)
    stdlib = [p for p in info["path"] if os.path.isdir(p) or p.endswith(".zip")]
    paths = [info["executable"], *(p for p in stdlib if not within(p, [q for q in stdlib if q != p]))]
    extra: list[str] = []
    if site_packages:
        extra = [p for p in info["site"] if os.path.isdir(p)]
        paths += extra + [d for d in SYSTEM_LIB_DIRS if os.path.isdir(d)]
        binds = [(p, p) for p in paths]
    else:
        dynload = {f for p in stdlib if os.path.isdir(p)
                   for f in glob.glob(os.path.join(p, "lib-dynload", "*.so")) + glob.glob(os.path.join(p, "*.so"))
                   if not os.path.basename(f).startswith("_tkinter")}
        libs = [lib for lib in shared_libraries([info["executable"], *sorted(dynload)]) if not within(lib, paths)]
        if not libs:  # no ldd (a musl system, say): fall back to the system library folders
            libs = [d for d in SYSTEM_LIB_DIRS if os.path.isdir(d)]
            binds = [(p, p) for p in paths + libs]
        else:
            binds = [(p, p) for p in paths] + library_binds(libs)
    hidden = [p for p in sorted(set(info["site"]) | set(info["base_site"]))
              if os.path.isdir(p) and within(p, stdlib) and p not in extra]
    return PythonLayout(executable=info["executable"], version=info["version"], magic=info["magic"],
                        binds=tuple(binds),
                        hidden=tuple(hidden), sys_path=tuple(extra))
