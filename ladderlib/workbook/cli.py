"""``ladder report RUN_DIR``: rebuild a run's ``report.md`` and ``report.html`` from its folder.

    ladder report RUN_DIR [--json]

Reads the run folder only (final table, train/test hygiene, plots, params, manifest, data card; see
``ladderlib.workbook.report``). Exit codes: 0 written and hygiene clean, 1 written but a test problem was found
in a training set (the report says which), 2 RUN_DIR is not a run folder.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``report``."""
    p = sub.add_parser("report", help="rebuild a run folder's report.md and report.html", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", metavar="RUN_DIR", help="a run folder (holds params.yaml)")
    p.add_argument("--json", action="store_true", help="print the paths, the final table and the hygiene result as JSON")
    p.set_defaults(func=report_command)


def report_command(args: argparse.Namespace) -> int:
    """Build the report of ``args.run_dir``."""
    from ladderlib.pipeline.rundir import PARAMS_FILE, RunDir

    run = RunDir(args.run_dir)
    if not run.path.is_dir() or not run.params_path.is_file():
        why = "does not exist" if not run.path.exists() else f"is not a run folder (no {PARAMS_FILE})"
        print(f"ladder report: {Path(args.run_dir)} {why}", file=sys.stderr)
        return 2
    from ladderlib.workbook.hygiene import overlap_count
    from ladderlib.workbook.report import build_report

    report = build_report(run)
    if args.json:
        print(json.dumps({"report_md": str(report.md_path), "report_html": str(report.html_path),
                          "hygiene_ok": report.hygiene_ok, "overlaps": overlap_count(report.hygiene),
                          "final_table": json.loads(report.table.to_json(orient="records"))}, indent=2))
    else:
        missing = int((report.table["status"] == "missing").sum())
        print(f"wrote {report.md_path} and {report.html_path}: {len(report.table)} rows ({missing} missing); "
              f"hygiene {'passed' if report.hygiene_ok else 'FAILED: %d overlaps' % overlap_count(report.hygiene)}")
    return 0 if report.hygiene_ok else 1
