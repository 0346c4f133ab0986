"""``ladder sandbox run``: run a Python file, and optionally its tests, in the bubblewrap sandbox.

A tests file holds assert statements (one test per top-level statement; imports and definitions between
them are shared context), or a HumanEval-style ``def check(candidate): ...`` with ``--entry-point``
(or a trailing ``check(NAME)``).

Exit codes: 0 every test passed (with no tests: the program ran to its end with exit status 0);
1 anything else (a failed, erroring, timed-out or out-of-memory test or program); 2 unusable input
(a missing or unreadable file, tests that do not parse, bubblewrap missing without --unisolated).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``sandbox`` sub-command (``ladder sandbox run ...``)."""
    p = subparsers.add_parser("sandbox", help="run untrusted Python code and its tests in a bubblewrap sandbox",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="sandbox_command", metavar="ACTION")
    run_p = sub.add_parser("run", help="run a program (and its tests) in the sandbox", description=__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    run_p.add_argument("--code", required=True, metavar="FILE.py", help="the program to run")
    run_p.add_argument("--tests", metavar="FILE.py", help="assert statements, or a HumanEval check(candidate)")
    run_p.add_argument("--entry-point", help="the function a check(candidate) tests file is called with")
    run_p.add_argument("--timeout", type=float, help="wall-clock seconds to load, and per test (default 5)")
    run_p.add_argument("--memory-mb", type=int, help="address space of each program process in MiB")
    run_p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    run_p.add_argument("--unisolated", action="store_true",
                       help="run WITHOUT isolation (rlimits only) where bubblewrap is missing; results say so")
    run_p.add_argument("--bwrap", metavar="PATH", help="the bubblewrap executable (default: bwrap on PATH)")
    run_p.set_defaults(func=run)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def _read(path: str, what: str) -> str:
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read the {what} file {path}: {exc}") from None


def _settings(args: argparse.Namespace) -> Any:
    from pydantic import ValidationError

    from ladderlib.config.sandbox import SandboxSettings

    overrides: dict[str, Any] = {}
    for key, value in (("timeout_s", args.timeout), ("memory_mb", args.memory_mb), ("bwrap_path", args.bwrap)):
        if value is not None:
            overrides[key] = value
    if args.unisolated:
        overrides["isolation"] = "none"
    try:
        return SandboxSettings(**overrides)
    except ValidationError as exc:
        raise ValueError("; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())) from None


def _print_text(result: Any) -> None:
    if not result.isolated:
        print("WARNING: ran UNISOLATED (no sandbox; rlimits only)")
    print(f"status: {result.status}  ({result.elapsed_s:.3f} s)" + (f"  {result.message}" if result.message else ""))
    for index, test in enumerate(result.tests, 1):
        first_line = test.test.splitlines()[0] if test.test else ""
        print(f"  {index:3d} {test.verdict:8s} {first_line}" + (f"  -- {test.message}" if test.message else ""))
    for name in ("stdout", "stderr"):
        text = getattr(result, name)
        if text:
            cut = " (truncated)" if getattr(result, f"{name}_truncated") else ""
            print(f"--- {name}{cut} ---\n{text.rstrip()}")


def run(args: argparse.Namespace) -> int:
    """Run ``ladder sandbox run``; returns the exit code."""
    from ladderlib.sandbox.errors import SandboxUnavailable, TestPlanError
    from ladderlib.sandbox.runner import run_program

    try:
        code = _read(args.code, "program")
        tests = _read(args.tests, "tests") if args.tests else None
        result = run_program(code, tests, entry_point=args.entry_point, settings=_settings(args))
    except (ValueError, TestPlanError, SandboxUnavailable) as exc:
        print(f"ladder sandbox run: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        _print_text(result)
    return 0 if result.passed else 1
