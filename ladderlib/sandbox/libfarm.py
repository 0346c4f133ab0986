"""A cached folder of hard links to exactly the shared libraries the sandbox's Python loads.

Why: bubblewrap makes one mount per ``--ro-bind``, and binding the ~45 libraries one file at a time cost
15-25 ms of every sandbox start here (more than the interpreter's own start). Binding the whole system
library folder instead would be fast but would show the program every library on the host. So the
needed libraries are linked (or, across file systems, copied) once into a folder per original library
folder, under the user's cache, keyed by the libraries' identities (path, inode, size, mtime) so an
upgrade makes a new farm; each farm folder is then bound read-only at its original path.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from pathlib import Path

SYSTEM_LIB_DIRS = ("/lib", "/lib64", "/lib32", "/usr/lib", "/usr/lib64", "/usr/local/lib")


def within(path: str, folders: list[str] | tuple[str, ...]) -> bool:
    """Whether ``path`` is one of ``folders`` or inside one."""
    return any(path == f or path.startswith(f.rstrip("/") + "/") for f in folders)


def cache_dir() -> Path:
    """``<cache_root>/sandbox`` (``$LADDER_CACHE``, default ``~/.cache/ladderlib``)."""
    from ladderlib.io import cache_root

    return cache_root() / "sandbox"


def _key(libs: list[str]) -> str:
    digest = hashlib.sha256()
    for lib in libs:
        st = os.stat(lib)
        digest.update(f"{lib}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _link_or_copy(source: str, target: Path) -> None:
    real = os.path.realpath(source)
    try:
        os.link(real, target)
    except OSError:  # another file system, or protected_hardlinks for a file we do not own
        shutil.copy2(real, target)


def _build(root: Path, groups: list[tuple[str, list[str]]]) -> None:
    tmp = root.with_name(f"{root.name}.tmp-{os.getpid()}-{threading.get_ident()}")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        for index, (_, files) in enumerate(groups):
            folder = tmp / str(index)
            folder.mkdir(parents=True, mode=0o755)
            for lib in files:
                _link_or_copy(lib, folder / os.path.basename(lib))
        (tmp / "SOURCES").write_text("".join(f"{index}: {d}\n" for index, (d, _) in enumerate(groups)))
        os.rename(tmp, root)
    except OSError:
        if not root.is_dir():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def library_binds(libs: list[str]) -> list[tuple[str, str]]:
    """``(source, destination)`` read-only binds that show exactly ``libs`` at their paths: one farm folder
    per system library folder, single files for the rest (and for all of them if no farm can be made)."""
    system = sorted(lib for lib in libs if within(lib, SYSTEM_LIB_DIRS))
    singles = [(lib, lib) for lib in sorted(libs) if lib not in system]
    if not system:
        return singles
    by_dir: dict[str, list[str]] = {}
    for lib in system:
        by_dir.setdefault(os.path.dirname(lib), []).append(lib)
    groups = sorted(by_dir.items())
    try:
        root = cache_dir() / f"libs-{_key(system)}"
        if not root.is_dir():
            _build(root, groups)
    except OSError:
        return singles + [(lib, lib) for lib in system]
    return [(str(root / str(index)), folder) for index, (folder, _) in enumerate(groups)] + singles
