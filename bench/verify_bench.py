"""Benchmark of the LADDER integral verifier against the paper's own check.

On integrand/antiderivative pairs (default: the Rubi textbook set) it checks the true antiderivative
and six corruptions of it (F + x, 1.1*F, F(2x), F + sin(x)/10, F with a non-constant term dropped,
F + 0.001*x) with

* this verifier in batch mode (``verify_batch``: one problem, its 7 answers),
* this verifier one call per answer (the problem re-prepared each time), and
* the paper's check (``ladderlib.verify.reference``: 5 points, quad over [a, a+0.1], rel. tol 1e-2,
  SymPy's parser as in the paper), and the same check parsing with this package's fast safe parser,

interleaved row by row so machine load affects all three alike. Each worker first runs every method once,
untimed, on its first row, so one-time process costs (imports, parser tables, first calls into NumPy, SciPy and
SymPy) are left out of every method's throughput (before, the verifier's batch mode, timed first, paid them).
Throughput is reported per CPU second of the benchmarking processes (robust on a shared machine) and per wall
second.
Corruptions a method accepts are re-examined with SymPy (symbolic derivative evaluated in 30-digit
arithmetic) to tell real false accepts from corruptions that are still correct (``log(2x)`` for ``1/x``).

A ``competition`` section checks the hand-made Integration-Bee style cases
(``ladderlib.verify.competition_cases``: improper integrals with far-away mass, integrands that are
identically 0, series and special functions, invisible wrong terms, code answers) and counts, per
group, the answers accepted and rejected and those whose code differs from the expected one.

With ``--repeats N`` the timed pass runs N times (each a fresh pool of workers); the speed ratios are the
median over the repeats, each repeat's figures are in ``repeats``, and every repeat must give the same verdicts.
The ratio depends on the host (it was 3.69x on one 2-core VM and 4.1-4.2x on another with slower absolute
speed), so a single run does not settle the target.

    python bench/verify_bench.py [--data FILE.jsonl] [--out bench/results/verify_bench.json]
                                 [--limit N] [--processes 2] [--repeats 3] [--no-reference] [--no-competition]
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

DEFAULT_DATA = "/work/shared/data/integrals/rubi_textbook.jsonl"
DEFAULT_OUT = "bench/results/verify_bench.json"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout without installing

from ladderlib.verify.corruptions import CORRUPTIONS, corruptions, still_correct  # noqa: E402


# ----------------------------------------------------------------------------------------------
# Worker: one shard of rows, all three methods interleaved
# ----------------------------------------------------------------------------------------------
def clear_caches() -> None:
    """Empty the verifier's caches so no timed mode profits from work another mode did."""
    from ladderlib.verify import backend_mpmath, backend_numpy, integrals

    backend_numpy._SCALAR_CACHE.clear()
    backend_mpmath._MP_CACHE.clear()
    integrals._prepared_cached.cache_clear()


def answers_of(row: dict) -> tuple[list[str], list[str]]:
    """(kinds, texts): the row's true antiderivative and each corruption of it that exists."""
    truth = row["antiderivative"]
    answers = {"true": truth, **corruptions(truth, row.get("variable", "x"))}
    kinds = [k for k, a in answers.items() if a is not None]
    return kinds, [answers[k] for k in kinds]


def _run_shard(args: tuple[list[tuple[int, dict]], bool]) -> dict[str, Any]:
    rows, with_reference = args
    from ladderlib.config.verify import VerifySettings
    from ladderlib.verify.integrals import verify_batch
    from ladderlib.verify.reference import reference_check

    settings = VerifySettings()
    cpu = Counter()
    wall = Counter()
    records: list[dict[str, Any]] = []
    latencies: list[float] = []
    row_times: list[dict[str, Any]] = []
    if rows:  # warm-up, untimed: every method once on the first row pays the process's one-time costs
        row = rows[0][1]  # (imports, parser tables, first calls into NumPy/SciPy/SymPy) outside the timing
        variable = row.get("variable", "x")
        for text in answers_of(row)[1]:
            verify_batch({"integrand": row["integrand"], "variable": variable}, [text], settings)
            if with_reference:
                reference_check(row["integrand"], text, variable, seed=0, parser="sympy", trusted=True)
                reference_check(row["integrand"], text, variable, seed=0, parser="safe")
    for index, row in rows:
        variable = row.get("variable", "x")
        kinds, texts = answers_of(row)
        problem = {"integrand": row["integrand"], "variable": variable}

        clear_caches()
        c0, w0 = time.process_time(), time.perf_counter()
        batch = verify_batch(problem, texts, settings)
        row_cpu = {"batch": time.process_time() - c0}
        cpu["batch"] += row_cpu["batch"]
        wall["batch"] += time.perf_counter() - w0

        clear_caches()
        c1 = time.process_time()
        single = []
        for text in texts:
            c0, w0 = time.process_time(), time.perf_counter()
            single.append(verify_batch(dict(problem), [text], settings)[0])
            latencies.append(time.perf_counter() - w0)
            cpu["single"] += time.process_time() - c0
            wall["single"] += time.perf_counter() - w0

        row_cpu["single"] = time.process_time() - c1
        reference = [None] * len(texts)
        reference_safe = [None] * len(texts)
        c1 = time.process_time()
        if with_reference:
            for j, text in enumerate(texts):
                c0, w0 = time.process_time(), time.perf_counter()
                reference[j] = reference_check(row["integrand"], text, variable, seed=index * 10 + j,
                                               parser="sympy", trusted=True)
                cpu["reference"] += time.process_time() - c0
                wall["reference"] += time.perf_counter() - w0
                c0, w0 = time.process_time(), time.perf_counter()
                reference_safe[j] = reference_check(row["integrand"], text, variable, seed=index * 10 + j,
                                                    parser="safe")
                cpu["reference_safe"] += time.process_time() - c0
                wall["reference_safe"] += time.perf_counter() - w0

        row_cpu["reference_both"] = time.process_time() - c1
        row_times.append({"row": index, "answers": len(texts), **row_cpu})
        for j, kind in enumerate(kinds):
            records.append({
                "row": index, "kind": kind, "answer": texts[j],
                "correct": batch[j].correct, "code": batch[j].code, "reason": batch[j].reason,
                "single_agrees": single[j].correct == batch[j].correct,
                "reference": reference[j],
                "reference_safe": reference_safe[j],
            })
    return {"cpu": dict(cpu), "wall": dict(wall), "records": records, "latencies": latencies,
            "row_times": row_times}


def _timed_pass(shards: list, n_proc: int) -> list[dict[str, Any]]:
    """One pass of every method over all rows, the shards in fresh worker processes."""
    if n_proc == 1:
        return [_run_shard(shards[0])]
    with multiprocessing.get_context("spawn").Pool(n_proc) as pool:
        return pool.map(_run_shard, shards)


# ----------------------------------------------------------------------------------------------
# Report
# ----------------------------------------------------------------------------------------------
def _versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for name in ("numpy", "scipy", "sympy", "mpmath", "latex2sympy2_extended", "math-verify", "pydantic", "ladderlib"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _cpu_model() -> str | None:
    """The processor's model name (Linux: /proc/cpuinfo), which the speed ratio depends on."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _rates(records: list[dict], key: str, rows_by_index: dict[int, dict]) -> dict[str, Any]:
    """Accept/reject statistics of one method (``key`` = 'correct' or 'reference')."""
    out: dict[str, Any] = {}
    true = [r for r in records if r["kind"] == "true"]
    accepted = sum(bool(r[key]) for r in true)
    out["true_total"] = len(true)
    out["true_accepted"] = accepted
    out["true_accept_rate"] = accepted / len(true) if true else None
    per: dict[str, Any] = {}
    all_wrong = 0
    all_rejected = 0
    for kind in CORRUPTIONS:
        rs = [r for r in records if r["kind"] == kind]
        rejected = sum(not r[key] for r in rs)
        equivalent = [r for r in rs if r[key] and r.get("equivalent")]
        really_wrong = len(rs) - len(equivalent)
        per[kind] = {
            "total": len(rs),
            "rejected": rejected,
            "reject_rate": rejected / len(rs) if rs else None,
            "accepted_but_still_correct": len(equivalent),
            "reject_rate_of_truly_wrong": rejected / really_wrong if really_wrong else None,
        }
        all_wrong += really_wrong
        all_rejected += rejected
    out["corruptions"] = per
    out["reject_rate_of_truly_wrong_overall"] = all_rejected / all_wrong if all_wrong else None
    return out


def competition() -> dict[str, Any]:
    """Per group of the competition cases: how many answers were accepted and rejected, and which cases
    got another code than the expected one."""
    from ladderlib.verify.competition_cases import CASES, GROUPS
    from ladderlib.verify.integrals import verify_integral

    groups = {g: {"cases": 0, "must_accept": 0, "accepted": 0, "rejected": 0, "as_expected": 0} for g in GROUPS}
    unexpected = []
    start = time.perf_counter()
    for case in CASES:
        res = verify_integral(case.problem, case.answer)
        st = groups[case.group]
        st["cases"] += 1
        st["must_accept"] += case.correct
        st["accepted" if res.correct else "rejected"] += 1
        if res.code == case.code:
            st["as_expected"] += 1
        else:
            unexpected.append({"group": case.group, "problem": case.problem, "answer": case.answer,
                               "expected": case.code, "got": res.code, "reason": res.reason})
    return {"groups": groups, "unexpected": unexpected, "wall_s": time.perf_counter() - start}


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the JSON report; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=DEFAULT_DATA, help="JSONL of {integrand, antiderivative, variable}")
    parser.add_argument("--out", default=DEFAULT_OUT, help="where to write the JSON report")
    parser.add_argument("--limit", type=int, default=None, help="only the first N rows (quick runs)")
    parser.add_argument("--processes", type=int, default=2, help="worker processes (rows are sharded)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="timed passes over all rows; speed ratios are the median over them")
    parser.add_argument("--no-reference", action="store_true", help="skip the paper's check")
    parser.add_argument("--no-competition", action="store_true", help="skip the competition cases")
    args = parser.parse_args(argv)

    data = Path(args.data)
    if not data.exists():
        print(f"data file not found: {data}", file=sys.stderr)
        return 2
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.limit:
        rows = rows[: args.limit]
    indexed = list(enumerate(rows))
    n_proc = max(1, min(args.processes, len(indexed) or 1))
    shards = [(indexed[k::n_proc], not args.no_reference) for k in range(n_proc)]
    print(f"{len(rows)} rows, {n_proc} process(es) ...", file=sys.stderr)
    if args.repeats < 1:
        print(f"--repeats must be at least 1, got {args.repeats}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    passes = [_timed_pass(shards, n_proc) for _ in range(args.repeats)]
    elapsed = time.perf_counter() - start
    parts = passes[0]
    records = sorted((r for p in parts for r in p["records"]), key=lambda r: (r["row"], r["kind"]))
    verdicts = [(r["row"], r["kind"], r["correct"], r["reference"]) for r in records]
    for other in passes[1:]:
        again = sorted((r for p in other for r in p["records"]), key=lambda r: (r["row"], r["kind"]))
        if [(r["row"], r["kind"], r["correct"], r["reference"]) for r in again] != verdicts:
            print("the repeats gave different verdicts", file=sys.stderr)
            return 1
    repeats = []
    for one in passes:
        totals = Counter()
        for p in one:
            totals.update(p["cpu"])
        repeats.append(dict(totals))
    # each method's CPU seconds: the repeat whose batch-vs-reference ratio is the median (the figures stay one run's)
    ratio_of = [r["reference"] / r["batch"] if r.get("batch") and r.get("reference") else 0.0 for r in repeats]
    median_at = sorted(range(len(repeats)), key=lambda i: ratio_of[i])[len(repeats) // 2]
    parts = passes[median_at]
    cpu = Counter()
    wall = Counter()
    for p in parts:
        cpu.update(p["cpu"])
        wall.update(p["wall"])
    latencies = sorted(x for p in parts for x in p["latencies"])

    # adjudicate accepted corruptions
    by_index = dict(indexed)
    for r in records:
        if r["kind"] != "true" and (r["correct"] or r["reference"] or r["reference_safe"]):
            row = by_index[r["row"]]
            r["equivalent"] = still_correct(row["integrand"], r["answer"], row.get("variable", "x"))

    checks = len(records)
    mine = _rates(records, "correct", by_index)
    mine["codes"] = dict(Counter(r["code"] for r in records))
    mine["batch_cpu_s"] = cpu["batch"]
    mine["batch_wall_s"] = wall["batch"]
    mine["batch_checks_per_cpu_s"] = checks / cpu["batch"] if cpu["batch"] else None
    mine["batch_checks_per_wall_s"] = checks / wall["batch"] if wall["batch"] else None
    mine["single_cpu_s"] = cpu["single"]
    mine["single_checks_per_cpu_s"] = checks / cpu["single"] if cpu["single"] else None
    mine["single_checks_per_wall_s"] = checks / wall["single"] if wall["single"] else None
    mine["single_agrees_with_batch"] = all(r["single_agrees"] for r in records)
    if latencies:
        mine["single_latency_s"] = {
            "p50": statistics.median(latencies),
            "p99": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
            "max": latencies[-1],
        }
    report: dict[str, Any] = {
        "benchmark": "ladderlib.verify vs the LADDER paper's quadrature check",
        "timestamp": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "cpu_model": _cpu_model(),
            "processes_used": n_proc,
            "load_average_before": load_before,
            "load_average_after": os.getloadavg() if hasattr(os, "getloadavg") else None,
            "packages": _versions(),
        },
        "data": str(data),
        "rows": len(rows),
        "checks": checks,
        "elapsed_wall_s": elapsed,
        "warm_up": "each worker runs every method once, untimed, on its first row before timing",
        "repeats": [
            {"batch_cpu_s": r.get("batch"), "single_cpu_s": r.get("single"), "reference_cpu_s": r.get("reference"),
             "reference_with_safe_parser_cpu_s": r.get("reference_safe"),
             "speed_ratio_batch_vs_reference_cpu": ratio_of[i] or None}
            for i, r in enumerate(repeats)],
        "figures_from_repeat": median_at,
        "verifier": mine,
    }
    if not args.no_reference:
        ref = _rates(records, "reference", by_index)
        ref["cpu_s"] = cpu["reference"]
        ref["checks_per_cpu_s"] = checks / cpu["reference"] if cpu["reference"] else None
        ref["checks_per_wall_s"] = checks / wall["reference"] if wall["reference"] else None
        report["reference"] = ref
        ref2 = _rates(records, "reference_safe", by_index)
        ref2["cpu_s"] = cpu["reference_safe"]
        ref2["checks_per_cpu_s"] = checks / cpu["reference_safe"] if cpu["reference_safe"] else None
        ref2["checks_per_wall_s"] = checks / wall["reference_safe"] if wall["reference_safe"] else None
        ref2["note"] = "the paper's numeric check, but parsing with this package's fast safe parser"
        report["reference_with_safe_parser"] = ref2
        report["speed_ratio_batch_vs_reference_with_safe_parser_cpu"] = (
            mine["batch_checks_per_cpu_s"] / ref2["checks_per_cpu_s"] if ref2["checks_per_cpu_s"] else None)
        report["speed_ratio_batch_vs_reference_cpu"] = (
            mine["batch_checks_per_cpu_s"] / ref["checks_per_cpu_s"] if ref["checks_per_cpu_s"] else None)
        report["speed_ratio_single_vs_reference_cpu"] = (
            mine["single_checks_per_cpu_s"] / ref["checks_per_cpu_s"] if ref["checks_per_cpu_s"] else None)
        report["speed_ratio_batch_vs_reference_wall"] = (
            mine["batch_checks_per_wall_s"] / ref["checks_per_wall_s"] if ref["checks_per_wall_s"] else None)
    row_times = sorted((t for p in parts for t in p["row_times"]), key=lambda t: -t["batch"])
    report["slowest_rows_batch_cpu_s"] = [
        {**t, "integrand": by_index[t["row"]]["integrand"][:120]} for t in row_times[:15]
    ]
    report["rejected_true_antiderivatives"] = [
        {"row": r["row"], "source": by_index[r["row"]].get("source"), "integrand": by_index[r["row"]]["integrand"],
         "antiderivative": r["answer"][:400], "code": r["code"], "reason": r["reason"]}
        for r in records if r["kind"] == "true" and not r["correct"]
    ]
    report["accepted_corruptions"] = [
        {"row": r["row"], "corruption": r["kind"], "integrand": by_index[r["row"]]["integrand"],
         "answer": r["answer"][:400], "still_correct": r.get("equivalent"), "reason": r["reason"]}
        for r in records if r["kind"] != "true" and r["correct"]
    ]
    false_accepts = [a for a in report["accepted_corruptions"] if a["still_correct"] is not True]
    report["targets"] = {
        "accept_true_at_least_99_percent": (mine["true_accept_rate"] or 0) >= 0.99,
        "reject_all_truly_wrong_corruptions": not false_accepts,
        "batch_at_least_4x_reference": (report.get("speed_ratio_batch_vs_reference_cpu") or 0) >= 4,
    }
    if not args.no_competition:
        report["competition"] = competition()
        report["targets"]["competition_cases_as_expected"] = not report["competition"]["unexpected"]
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")

    print(f"wrote {out} ({elapsed:.0f} s)", file=sys.stderr)
    print(f"verifier: true accepted {mine['true_accepted']}/{mine['true_total']} "
          f"({100 * (mine['true_accept_rate'] or 0):.2f}%)")
    for kind, st in mine["corruptions"].items():
        print(f"  {kind:18s} rejected {st['rejected']}/{st['total']} "
              f"(still-correct accepted: {st['accepted_but_still_correct']})")
    print(f"  batch {mine['batch_checks_per_cpu_s']:.0f} checks/CPU-s, single {mine['single_checks_per_cpu_s']:.0f}")
    if "reference" in report:
        ref = report["reference"]
        print(f"reference: true accepted {ref['true_accepted']}/{ref['true_total']} "
              f"({100 * (ref['true_accept_rate'] or 0):.2f}%), {ref['checks_per_cpu_s']:.0f} checks/CPU-s")
        for kind, st in ref["corruptions"].items():
            print(f"  {kind:18s} rejected {st['rejected']}/{st['total']}")
        print(f"speed ratio (CPU): batch {report['speed_ratio_batch_vs_reference_cpu']:.2f}x, "
              f"single {report['speed_ratio_single_vs_reference_cpu']:.2f}x; batch vs the same check with "
              f"the safe parser {report['speed_ratio_batch_vs_reference_with_safe_parser_cpu']:.2f}x")
        if len(report["repeats"]) > 1:
            ratios = [r["speed_ratio_batch_vs_reference_cpu"] for r in report["repeats"]]
            print(f"  over {len(ratios)} repeats: " + ", ".join(f"{r:.2f}x" for r in ratios)
                  + f" (the figures above are repeat {report['figures_from_repeat']}, the median)")
    if "competition" in report:
        print("competition cases (accepted / rejected / as expected of cases):")
        for group, st in report["competition"]["groups"].items():
            print(f"  {group:10s} {st['accepted']:3d} / {st['rejected']:3d} / {st['as_expected']}/{st['cases']}")
    print("targets:", report["targets"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
