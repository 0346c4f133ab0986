"""The run's report: ``report.md`` and a self-contained ``report.html`` written into the run folder.

Both hold the final table across systems, the train/test hygiene checks (a failed check is a banner at the
top), every notebook's plots from ``plots/``, the params profile, the git commit and package versions from
``manifest.json`` and the data card's hashes. The HTML page embeds the plots as base64 PNGs and escapes every
table cell (model names and notes are run data), so it can be mailed or archived on its own; the Markdown file
links the plots relatively. Everything is read from the run folder, so ``ladder report RUN_DIR`` rebuilds it.
"""

from __future__ import annotations

import base64
import html
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ladderlib.pipeline.rundir import RunDir

TABLE_IDS = ("final-table", "hygiene", "notebooks", "packages", "data-card")
"""The ``id`` of each table in report.html, in page order."""


@dataclass
class Report:
    """What a report build produced: both files, the final table and the hygiene checks (DataFrames)."""

    md_path: Path
    html_path: Path
    table: Any
    hygiene: Any
    hygiene_ok: bool


def _cell(value: Any, count: bool = False) -> str:
    """One cell as text: a dash for missing, counts as integers, other numbers with three decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) and count:
        return str(int(value))
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def display_rows(table: Any) -> list[dict[str, str]]:
    """The final table as text cells: accuracy with its CI in one column, missing values as a dash."""
    out = []
    for r in table.to_dict("records"):
        missing = r["status"] == "missing"
        acc = "missing" if missing else f"{_cell(r['accuracy'])} [{_cell(r['ci_low'])}, {_cell(r['ci_high'])}]"
        out.append({"system": r["system"], "model": r["model"], "task": r["task"], "n": _cell(r["n"], True),
                    "correct": _cell(r["correct"], True), "accuracy [95% CI]": acc,
                    "wall s": "—" if missing else _cell(r["wall_s"]).replace("—", "not recorded"),
                    "generated tokens": "—" if missing else _cell(r["gen_tokens"], True).replace("—", "not recorded"),
                    "status": r["status"], "source": r["source"], "note": r["note"] or ""})
    return out


def _records(frame: Any, counts: Sequence[str] = ("rows", "test rows", "overlaps")) -> list[dict[str, str]]:
    return [{k: _cell(v, k in counts) for k, v in r.items()} for r in frame.to_dict("records")]


def md_table(rows: Sequence[dict[str, Any]]) -> str:
    """A GitHub Markdown table; ``|`` and newlines in cells are escaped."""
    if not rows:
        return "_(none)_"
    cols = list(rows[0])
    esc = lambda v: str(v).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(esc(c) for c in cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(esc(r.get(c, "")) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def html_table(rows: Sequence[dict[str, Any]], table_id: str, row_class: str = "") -> str:
    """An escaped HTML table with ``id``; rows whose ``status`` cell is ``row_class``-worthy get that class."""
    if not rows:
        return f'<table id="{table_id}"><tr><td>(none)</td></tr></table>'
    cols = list(rows[0])
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = []
    for r in rows:
        status = str(r.get("status", ""))
        cls = f' class="{html.escape(status.lower())}"' if status else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{html.escape(str(r.get(c, '')))}</td>" for c in cols) + "</tr>")
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def plots_by_notebook(run: RunDir) -> dict[str, list[Path]]:
    """PNG files of ``plots/`` grouped by the notebook whose number their name starts with (``01_data``: …)."""
    from ladderlib.workbook import STAGES

    names = {stem.split("_", 1)[0]: stem for stem in STAGES}
    out: dict[str, list[Path]] = {}
    for png in sorted(run.plots_dir.glob("*.png")) if run.plots_dir.is_dir() else []:
        number = png.name.split("_", 1)[0]
        out.setdefault(names.get(number, number), []).append(png)
    return out


def _manifest(run: RunDir) -> dict[str, Any]:
    return json.loads(run.manifest_path.read_text()) if run.manifest_path.is_file() else {}


def _data_card_rows(run: RunDir) -> list[dict[str, Any]]:
    if not run.data_card.is_file():
        return [{"dataset": "—", "file": "data/data_card.json not found (01_data has not run)", "rows": "", "sha256": ""}]
    card = json.loads(run.data_card.read_text())
    return [{"dataset": name, "file": d.get("file", ""), "rows": d.get("rows", ""), "sha256": d.get("sha256", "")}
            for name, d in card.get("datasets", {}).items()]


def hygiene_banner(hygiene: Any) -> str:
    """One sentence: hygiene passed, or FAILED with the overlapping pairs."""
    from ladderlib.workbook.hygiene import hygiene_passed, overlap_count

    if hygiene_passed(hygiene):
        return "Train/test hygiene: passed (no test problem, nor a variant of one, in any training set of the run)."
    bad = hygiene[hygiene["status"] == "OVERLAP"]
    pairs = ", ".join(f"{r['training set']} ∩ {r['test set']}" for r in bad.to_dict("records"))
    return (f"TRAIN/TEST HYGIENE FAILED: {overlap_count(hygiene)} test problems found in training sets ({pairs}). "
            "The numbers below are not held-out results.")


@dataclass
class _Parts:
    title: str
    banner: str
    ok: bool
    final: list[dict[str, str]]
    hygiene: list[dict[str, str]]
    plots: dict[str, list[Path]]
    params: str
    manifest: dict[str, Any]
    notebooks: list[dict[str, Any]]
    packages: list[dict[str, Any]]
    data_card: list[dict[str, Any]]


def _parts(run: RunDir, table: Any, hygiene: Any, ok: bool) -> _Parts:
    m = _manifest(run)
    notebooks = [{"notebook": nb["name"], "status": nb["status"], "seconds": _cell(nb.get("duration_s"))}
                 for nb in m.get("notebooks", [])]
    packages = [{"package": k, "version": v} for k, v in m.get("packages", {}).items()]
    return _Parts(
        title=f"Run report · {run.path.name}", banner=hygiene_banner(hygiene), ok=ok, final=display_rows(table),
        hygiene=_records(hygiene), plots=plots_by_notebook(run),
        params=run.params_path.read_text() if run.params_path.is_file() else "(params.yaml not found)",
        manifest=m, notebooks=notebooks, packages=packages, data_card=_data_card_rows(run))


def _provenance(m: dict[str, Any]) -> list[tuple[str, str]]:
    git = m.get("git") or {}
    return [("profile", str(m.get("profile", "—"))), ("status", str(m.get("status", "no manifest.json"))),
            ("git commit", str(git.get("commit") or "unknown") + (" (uncommitted changes)" if git.get("dirty") else "")),
            ("python", str(m.get("python", "—"))), ("platform", str(m.get("platform", "—"))),
            ("started", str(m.get("started", "—"))), ("ended", str(m.get("ended") or "—"))]


def render_markdown(p: _Parts, run: RunDir) -> str:
    """report.md: plots linked relative to the run folder."""
    out = [f"# {p.title}", "", f"> **{p.banner}**" if p.ok else f"> ⚠️ **{p.banner}**", ""]
    out += ["## Final table", "", md_table(p.final), "", "## Train/test hygiene", "", md_table(p.hygiene), ""]
    out += ["## Plots", ""]
    for nb, pngs in p.plots.items():
        out += [f"### {nb}", ""] + [f"![{png.stem}]({png.relative_to(run.path).as_posix()})" for png in pngs]
        out.append("")
    if not p.plots:
        out += ["_(no plots in this run)_", ""]
    out += ["## Provenance", "", md_table([{"field": k, "value": v} for k, v in _provenance(p.manifest)]), "",
            "### Notebooks", "", md_table(p.notebooks), "", "### Packages", "", md_table(p.packages), "",
            "### Data card", "", md_table(p.data_card), "", "## Params profile", "", "```yaml", p.params.rstrip(), "```",
            ""]
    return "\n".join(out)


_CSS = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:0.5em 0 1.5em;font-size:0.9em}td,th{border:1px solid #ccc;padding:3px 8px;
text-align:left;vertical-align:top}th{background:#f3f3f3}tr.missing td{color:#888;background:#fafafa}
tr.overlap td{background:#fde2e2}tr.filtered td{background:#fff6d5}.banner{padding:0.8em;border-radius:4px;font-weight:bold}.banner.ok{background:#e3f5e1}
.banner.failed{background:#f8d0d0;border:2px solid #c00}img{max-width:100%;border:1px solid #eee;margin:0.3em 0}
pre{background:#f6f6f6;padding:0.8em;overflow:auto}"""


def render_html(p: _Parts) -> str:
    """report.html: one page, plots embedded as base64 PNGs, every cell escaped."""
    e = html.escape
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{e(p.title)}</title>",
           f"<style>{_CSS}</style></head><body>", f"<h1>{e(p.title)}</h1>",
           f'<p class="banner {"ok" if p.ok else "failed"}" id="hygiene-banner">{e(p.banner)}</p>',
           "<h2>Final table</h2>", html_table(p.final, "final-table"),
           "<h2>Train/test hygiene</h2>", html_table(p.hygiene, "hygiene"), "<h2>Plots</h2>"]
    for nb, pngs in p.plots.items():
        out.append(f"<h3>{e(nb)}</h3>")
        for png in pngs:
            data = base64.b64encode(png.read_bytes()).decode("ascii")
            out.append(f'<figure><img alt="{e(png.stem)}" src="data:image/png;base64,{data}">'
                       f"<figcaption>{e(png.stem)}</figcaption></figure>")
    if not p.plots:
        out.append("<p>(no plots in this run)</p>")
    out += ["<h2>Provenance</h2>", "<dl>"] + [f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in _provenance(p.manifest)]
    out += ["</dl>", "<h3>Notebooks</h3>", html_table(p.notebooks, "notebooks"), "<h3>Packages</h3>",
            html_table(p.packages, "packages"), "<h3>Data card</h3>", html_table(p.data_card, "data-card"),
            "<h2>Params profile</h2>", f"<pre>{e(p.params)}</pre>", "</body></html>", ""]
    return "\n".join(out)


def build_report(run: RunDir, table: Any | None = None, hygiene: Any | None = None) -> Report:
    """Write ``run.report_md`` and ``run.report_html`` from what the run folder holds (the final table and the
    hygiene checks are computed unless given)."""
    from ladderlib.io import atomic_write_text
    from ladderlib.workbook.final_table import final_table
    from ladderlib.workbook.hygiene import hygiene_check, hygiene_passed

    table = final_table(run) if table is None else table
    hygiene = hygiene_check(run) if hygiene is None else hygiene
    ok = hygiene_passed(hygiene)
    parts = _parts(run, table, hygiene, ok)
    atomic_write_text(run.report_md, render_markdown(parts, run))
    atomic_write_text(run.report_html, render_html(parts))
    return Report(run.report_md, run.report_html, table, hygiene, ok)
