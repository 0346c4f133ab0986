"""Stage 09_ttrl_eval: TTRL on the held-out integrals, then the workbook's final evaluation — one table across
every system trained in the run, the train/test hygiene check, and the run's report (report.md, report.html)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ladderlib.config.params import Params
from ladderlib.pipeline.rundir import RunDir
from ladderlib.workbook.report import Report


@dataclass
class FinalStage:
    """TTRL's result (None when only the evaluation ran), its summary, the final table, hygiene, the figure and
    the report."""

    ttrl: Any
    ttrl_summary: dict[str, Any]
    table: Any
    hygiene: Any
    figure: Any
    report: Report

    @property
    def hygiene_ok(self) -> bool:
        """True when no test problem was found in a training set."""
        return self.report.hygiene_ok


FIGURE = "09_final_table"
"""The final table's figure in ``plots/``."""


def finish_run(run: RunDir, ttrl: Any = None) -> FinalStage:
    """Final table, hygiene, its figure (saved to ``plots/`` first, so the report shows it) and the report;
    records ``metrics.json['final']``."""
    from ladderlib.plots import save_figure
    from ladderlib.plots.final import plot_final_table
    from ladderlib.workbook.final_table import final_table
    from ladderlib.workbook.hygiene import hygiene_check, overlap_count
    from ladderlib.workbook.report import build_report

    table, hygiene = final_table(run), hygiene_check(run)
    figure = plot_final_table(table.to_dict("records"))
    save_figure(figure, run.path, FIGURE)
    report = build_report(run, table, hygiene)
    summary = json.loads(run.ttrl_summary.read_text()) if run.ttrl_summary.is_file() else {}
    run.record_metrics("final", {"table": json.loads(table.to_json(orient="records")), "hygiene_ok": report.hygiene_ok,
                                 "overlaps": overlap_count(hygiene), "missing": int((table["status"] == "missing").sum())})
    return FinalStage(ttrl, summary, table, hygiene, figure, report)


def run_final(params: Params, run: RunDir) -> FinalStage:
    """TTRL (``ladderlib.workbook.ttrl.run_ttrl``: ``ttrl/results.json``, ``ttrl/summary.json``), then
    ``finish_run``."""
    from ladderlib.workbook.ttrl import run_ttrl

    ttrl = run_ttrl(params, run)
    return finish_run(run, ttrl)
