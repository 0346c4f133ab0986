"""Run programs in the sandbox: one with its tests (``run_program``) or many in parallel (``run_many``), and
turn the harness's records into a :class:`SandboxResult`.

Each program gets one sandbox start for all its tests: as root a fork of a zygote into fresh namespaces
(``pool.py``), else a bubblewrap and an interpreter of its own; ``run_many`` drives ``workers`` such runs
at once from a thread pool (each thread just waits on its run's pipes). The host compiles the program and
the tests (marshal, when the sandbox's Python is this one) so the sandbox never pays for ``compile``.
"""

from __future__ import annotations

import compileall
import functools
import importlib.util
import marshal
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ladderlib.config.sandbox import SandboxSettings
from ladderlib.sandbox import bwrap, limits
from ladderlib.sandbox.capture import Captured, run_process
from ladderlib.sandbox.errors import SandboxUnavailable
from ladderlib.sandbox.inside import wire
from ladderlib.sandbox.layout import python_layout
from ladderlib.sandbox.pool import pool_for
from ladderlib.sandbox.result import SandboxResult, TestVerdict, overall_status
from ladderlib.sandbox.testplan import TestPlan, make_plan

LOAD_VERDICT = {"memory": "memory", "timeout": "timeout"}  # any other failed load: "error"
_NO_ZYGOTE: set[tuple] = set()  # (bubblewrap, layout) where zygotes failed: a bubblewrap per program there


def _byte_code(source: str, filename: str) -> bytes | None:
    """``source`` compiled here and marshalled (the sandbox's first ``compile`` would cost it 2-10 ms), or
    None if it does not compile (the sandbox then reports the error)."""
    try:
        return marshal.dumps(compile(source, filename, "exec", dont_inherit=True))
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError):
        return None


@dataclass(frozen=True)
class SandboxJob:
    """One program for ``run_many``: its code, its tests (a tests file, a list of tests, or None) and the
    entry point that HumanEval-style ``check(candidate)`` tests call."""

    code: str
    tests: str | Sequence[str] | None = None
    entry_point: str | None = None


@functools.lru_cache(maxsize=1)
def _precompile() -> None:
    """Byte-compile the in-sandbox modules once, so the sandbox (read-only) imports them from __pycache__."""
    compileall.compile_dir(bwrap.INSIDE_DIR, quiet=2)


class Launcher:
    """What every run with one settings object shares: isolation mode, bubblewrap, the Python layout."""

    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self.isolated = settings.isolation == "bwrap"
        self.bwrap = bwrap.find_bwrap(settings.bwrap_path) if self.isolated else ""
        self.layout = python_layout(settings.python, settings.site_packages)
        self.split_uid = self.isolated and os.geteuid() == 0  # see bwrap.py: root maps the namespace itself
        self.send_code = self.layout.magic == importlib.util.MAGIC_NUMBER.hex()
        _precompile()

    def run(self, code: str, plan: TestPlan) -> SandboxResult:
        """Run ``code`` against ``plan`` in a fresh sandbox."""
        if not isinstance(code, str):
            raise TypeError(f"the program must be a str of Python code, not {type(code).__name__}")
        s = self.settings
        workdir = bwrap.WORKDIR if self.isolated else tempfile.mkdtemp(prefix="ladder-sandbox-")
        spec = {
            "program": code, "module_name": "__main__" if plan.plain else "solution", "plain": plan.plain,
            "program_code": _byte_code(code, "<program>") if self.send_code else None,
            "rlimits": limits.rlimits(s, self.isolated, self.split_uid), "sys_path": list(self.layout.sys_path),
            "drop_to": [bwrap.SANDBOX_UID, bwrap.SANDBOX_UID] if self.split_uid else None,
            "workdir": workdir, "timeout_s": s.timeout_s, "total_timeout_s": s.total_timeout_s,
            "cpu_s": s.cpu_s, "fork_per_test": s.fork_per_test,
            "max_message_bytes": limits.MAX_MESSAGE_BYTES, "max_items": limits.MAX_ITEMS,
        }
        tests = {"tests": [t.code for t in plan.tests], "bind": dict(plan.bind),
                 "codes": [_byte_code(t.code, f"<test {i + 1}>") if self.send_code else None
                           for i, t in enumerate(plan.tests)]}
        stdin = wire.frame(wire.dumps(spec)) + wire.frame(wire.dumps(tests))
        deadline = limits.run_deadline(s, len(plan.tests))
        if self.split_uid and s.zygote and (self.bwrap, self.layout) not in _NO_ZYGOTE:
            try:
                zygotes = pool_for(self.bwrap, self.layout, s)
                captured = zygotes.run(stdin, deadline, s.max_output_bytes, s.tmpfs_mb << 20)
                return build_result(plan, captured, self.isolated, self.split_uid)
            except SandboxUnavailable as exc:  # e.g. a kernel that refuses a zygote's nested mounts
                _NO_ZYGOTE.add((self.bwrap, self.layout))
                warnings.warn(f"sandbox zygotes do not work here ({exc}); starting a bubblewrap per program",
                              RuntimeWarning, stacklevel=2)
        captured = self._capture(stdin, deadline, workdir)
        return build_result(plan, captured, self.isolated, self.split_uid)

    def _capture(self, stdin: bytes, deadline: float, workdir: str) -> Captured:
        """One run in a bubblewrap of its own, or (unisolated) on the host."""
        s = self.settings
        if self.isolated:
            userns = bwrap.UserNamespaceMap() if self.split_uid else None
            try:
                return run_process(lambda fd: bwrap.bwrap_command(self.bwrap, self.layout, s, fd, userns),
                                   stdin, deadline, s.max_output_bytes, {},
                                   extra_fds=userns.child_fds if userns else (),
                                   started=userns.after_start if userns else None)
            finally:
                if userns is not None:
                    userns.close()
        try:
            return run_process(lambda fd: bwrap.unisolated_command(self.layout, fd), stdin, deadline,
                               s.max_output_bytes, {"HOME": workdir, "LANG": "C.UTF-8"}, workdir)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)


def _records(captured: Captured) -> tuple[dict | None, tuple | None, dict[int, tuple], bool]:
    start, load, tests, done = None, None, {}, False
    for record in captured.records:
        tag = record[0] if isinstance(record, tuple) and record else None
        if tag == "start":
            start = record[1]
        elif tag == "load":
            load = record[1:]
        elif tag == "test":
            tests[record[1]] = record[2:]
        elif tag == "done":
            done = True
    return start, load, tests, done


def _check_start(start: dict | None, captured: Captured, isolated: bool, split_uid: bool) -> None:
    if start is None and not captured.killed:
        tail = bytes(captured.stderr.data[-2000:]).decode("utf-8", "replace").strip()
        raise SandboxUnavailable(f"the sandbox did not start (exit status {captured.returncode}): "
                                 f"{tail or 'no message'}")
    if start is not None and isolated:
        uid = 0 if split_uid else bwrap.SANDBOX_UID
        if start.get("uid") != uid or start.get("pid") != 1:
            raise SandboxUnavailable(f"the sandbox's harness runs as uid {start.get('uid')}, pid "
                                     f"{start.get('pid')}; expected uid {uid}, pid 1")
        if start.get("nondumpable") is False:
            warnings.warn("the sandbox's harness could not make itself non-dumpable (no _ctypes?): a program "
                          "could ptrace it", RuntimeWarning, stacklevel=3)


def _load_message(status: str, message: str) -> str:
    if status == "exit":
        return f"the program exited while loading (exit status {message})"
    if status == "ok":
        return ""
    return message or f"loading the program failed ({status})"


def build_result(plan: TestPlan, captured: Captured, isolated: bool, split_uid: bool = False) -> SandboxResult:
    """The result of one run from what its process produced."""
    start, load, done_tests, done = _records(captured)
    _check_start(start, captured, isolated, split_uid)
    if load is None:
        status, message = ("timeout", "the sandbox ran past its wall-clock limit") if captured.killed else \
            ("error", f"the harness ended before the program loaded (exit status {captured.returncode})")
    else:
        status, message = str(load[0]), _load_message(str(load[0]), str(load[1]))
    loaded = status == "ok"
    tests = []
    for index, test in enumerate(plan.tests):
        if index in done_tests:
            verdict, text, elapsed = done_tests[index]
            tests.append(TestVerdict(test.text, str(verdict), str(text), round(float(elapsed), 6)))
        elif not loaded:
            tests.append(TestVerdict(test.text, LOAD_VERDICT.get(status, "error"), message))
        elif captured.killed:
            tests.append(TestVerdict(test.text, "timeout", "the sandbox ran past its wall-clock limit"))
        else:
            tests.append(TestVerdict(test.text, "error", "the harness ended before this test ran "
                                                          f"(exit status {captured.returncode})"))
    if plan.plain:
        clean = loaded or (status == "exit" and load is not None and str(load[1]) == "0")
        overall = "passed" if clean else LOAD_VERDICT.get(status, "error")
    else:
        overall = overall_status([t.verdict for t in tests]) if loaded else LOAD_VERDICT.get(status, "error")
    return SandboxResult(
        status=overall, tests=tests,
        stdout=bytes(captured.stdout.data).decode("utf-8", "replace"),
        stderr=bytes(captured.stderr.data).decode("utf-8", "replace"),
        elapsed_s=round(captured.elapsed_s, 6), isolated=isolated,
        message="" if overall == "passed" else message,
        stdout_truncated=captured.stdout.dropped > 0, stderr_truncated=captured.stderr.dropped > 0,
    )


def run_program(code: str, tests: str | Sequence[str] | None = None, *, entry_point: str | None = None,
                settings: SandboxSettings | None = None) -> SandboxResult:
    """Run ``code`` with its ``tests`` (a tests file, a list of single tests, or None: just run it)."""
    settings = settings or SandboxSettings()
    plan = make_plan(tests, entry_point)
    return Launcher(settings).run(code, plan)


def run_many(jobs: Iterable[SandboxJob | tuple], settings: SandboxSettings | None = None,
             workers: int | None = None) -> list[SandboxResult]:
    """Run many programs, ``workers`` at once (default ``settings.workers``); results in input order.
    A job is a :class:`SandboxJob` or a tuple ``(code, tests[, entry_point])``. Bad tests raise before any
    program runs."""
    settings = settings or SandboxSettings()
    items = [job if isinstance(job, SandboxJob) else SandboxJob(*job) for job in jobs]
    plans = [make_plan(job.tests, job.entry_point) for job in items]
    launcher = Launcher(settings)
    with ThreadPoolExecutor(max_workers=max(1, workers or settings.workers)) as pool:
        return list(pool.map(launcher.run, [job.code for job in items], plans))
