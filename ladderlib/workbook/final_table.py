"""The workbook's final table: every system trained in a run, one row per (model, task), read from the run folder.

Each source is an artifact some notebook wrote (``ttrl/results.json``, ``metrics.json['gsm8k_test']``,
``latent/results.json``, ``metrics.json['adversarial']``). A source that is absent (its notebook skipped with
``--only``, failed, or not written yet) still gives its expected rows, marked ``missing`` with the reason, so a
gap in the run is visible instead of silently dropped. ``gen_tokens`` is the total number of tokens generated for
the ``n`` answers; ``wall_s`` the generation and grading time; either is None where the run did not record it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ladderlib.pipeline.manifest import Manifest
from ladderlib.pipeline.rundir import RunDir

ROW_KEYS: tuple[str, ...] = ("system", "model", "task", "n", "correct", "accuracy", "ci_low", "ci_high", "wall_s",
                             "gen_tokens")
"""The row schema every system's results file shares (a JSON list of dicts with these keys)."""

COLUMNS: tuple[str, ...] = (*ROW_KEYS, "status", "source", "note")
"""Columns of the final table: the row schema, ``ok``/``missing``, where the row came from, and why it is missing."""


def notebook_state(run: RunDir, notebook: str) -> str:
    """Why a notebook's artifact may be absent: "not part of this run (skipped with --only)", "failed: …", …."""
    if not run.manifest_path.is_file():
        return f"{notebook}: no manifest.json in this run folder"
    manifest = Manifest.load(run.manifest_path)
    try:
        rec = manifest.record(notebook)
    except KeyError:
        return f"{notebook} is not part of this run (skipped with --only)"
    if rec.status == "failed":
        return f"{notebook} failed: {(rec.error or '').strip().splitlines()[-1:] or ['no message']}"[:300]
    if rec.status == "completed":
        return f"{notebook} completed without writing it"
    return f"{notebook} is {rec.status}"


def complete_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A schema row with accuracy and the Wilson 95% CI filled in from ``correct``/``n`` where a system recorded
    only counts."""
    from ladderlib.evaluate.stats import wilson_interval

    out = {k: row.get(k) for k in ROW_KEYS}
    n, k = out["n"], out["correct"]
    if n is not None and k is not None:
        if out["accuracy"] is None:
            out["accuracy"] = k / n if n else 0.0
        if out["ci_low"] is None or out["ci_high"] is None:
            out["ci_low"], out["ci_high"] = wilson_interval(int(k), int(n))
    return out


def _missing(system: str, models: list[str], task: str, source: str, note: str) -> list[dict[str, Any]]:
    return [{**dict.fromkeys(ROW_KEYS), "system": system, "model": m, "task": task, "status": "missing",
             "source": source, "note": note} for m in models]


def _ok(rows: list[dict[str, Any]], source: str) -> list[dict[str, Any]]:
    return [{**complete_row(r), "status": "ok", "source": source, "note": ""} for r in rows]


def _rel(run: RunDir, path: Path) -> str:
    return str(Path(path).relative_to(run.path))


def _records_tokens(path: Path) -> int | None:
    """Total ``n_tokens`` of an evaluation records file (None when absent or not recorded)."""
    from ladderlib.io import read_jsonl

    if not path.is_file():
        return None
    counts = [r.get("n_tokens") for r in read_jsonl(path)]
    return None if not counts or any(c is None for c in counts) else int(sum(counts))


def results_file_rows(run: RunDir, path: Path, system: str, models: list[str], task: str,
                      writer: str) -> list[dict[str, Any]]:
    """Rows of a shared-schema results file (``ttrl/results.json``, ``latent/results.json``), or missing rows."""
    src = _rel(run, path)
    if not path.is_file():
        return _missing(system, models, task, src, f"{src} not found: {notebook_state(run, writer)}")
    rows = json.loads(path.read_text())
    return _ok([{"system": system, "task": task, **r} for r in rows], src)


def integrals_rows(run: RunDir) -> list[dict[str, Any]]:
    """Integrals: base, LADDER GRPO and LADDER GRPO + TTRL (09_ttrl_eval's ``ttrl/results.json``)."""
    return results_file_rows(run, run.ttrl_results, "ladder", ["base", "ladder_grpo", "ladder_grpo+ttrl"],
                             "integrals", "09_ttrl_eval")


def gsm8k_rows(run: RunDir) -> list[dict[str, Any]]:
    """GSM8K test: base, SFT and PPO (06's comparison, ``metrics.json['gsm8k_test']``, tokens from its records)."""
    source = "metrics.json[gsm8k_test]"
    table = run.read_metrics().get("gsm8k_test", {}).get("table")
    if not table:
        return _missing("regime_w", ["base", "sft", "ppo"], "gsm8k", source,
                        f"no GSM8K test comparison recorded: {notebook_state(run, '06_grpo_ppo')}")
    summary_path = run.gsm8k_test_eval_dir / "summary.json"
    summaries = {s["model"]: s for s in json.loads(summary_path.read_text())} if summary_path.is_file() else {}
    rows = []
    for r in table:
        tokens = _records_tokens(run.gsm8k_test_eval_dir / f"{r['model']}.jsonl")
        if tokens is None and r.get("mean_new_tokens") is not None:
            tokens = round(r["mean_new_tokens"] * r["n"])
        rows.append({**r, "system": "regime_w", "task": "gsm8k", "gen_tokens": tokens,
                     "wall_s": summaries.get(r["model"], {}).get("wall_s")})
    return _ok(rows, source)


def planner_rows(run: RunDir) -> list[dict[str, Any]]:
    """GSM8K test of the planner–worker system, when a run records one (``metrics.json['planner_worker_test']``)."""
    source = "metrics.json[planner_worker_test]"
    metrics = run.read_metrics()
    table = metrics.get("planner_worker_test", {}).get("table")
    if table:
        return _ok([{"system": "planner", "task": "gsm8k", **r} for r in table], source)
    why = ("06 trains planner GRPO but records no GSM8K test evaluation of the planner–worker system"
           if "planner_grpo" in metrics else f"planner GRPO has not run: {notebook_state(run, '06_grpo_ppo')}")
    return _missing("planner", ["planner_worker"], "gsm8k", source, why)


def latent_rows(run: RunDir) -> list[dict[str, Any]]:
    """The latent-reasoning methods on each held-out set they were scored on (08_latent's ``latent/results.json``:
    the procedural task, GSM8K test and the textbook problems, as the profile's ``latent.tasks`` say)."""
    from ladderlib.config.latent import METHODS

    return results_file_rows(run, run.latent_results, "latent", list(METHODS), "gsm8k", "08_latent")


def code_rows(run: RunDir) -> list[dict[str, Any]]:
    """HumanEval and MBPP test pass@1: base vs adversarially trained generator (``metrics.json['adversarial']``)."""
    source = "metrics.json[adversarial]"
    passes = run.read_metrics().get("adversarial", {}).get("pass")
    if not passes:
        note = f"no adversarial evaluation recorded: {notebook_state(run, '07_adversarial')}"
        return [row for task in ("humaneval", "mbpp_test")
                for row in _missing("adversarial", ["base", "trained"], task, source, note)]
    return _ok([{"system": "adversarial", "model": r["generator"], "task": r["set"], "n": r["n"],
                 "correct": r["correct"], "accuracy": r["pass@1"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                 "wall_s": r.get("wall_s"), "gen_tokens": r.get("gen_tokens")} for r in passes], source)


SOURCES: tuple[Callable[[RunDir], list[dict[str, Any]]], ...] = (
    integrals_rows, gsm8k_rows, planner_rows, latent_rows, code_rows)
"""Every system's reader, in the order the final table lists them."""


def final_rows(run: RunDir) -> list[dict[str, Any]]:
    """Every row of the final table (present and missing), as dicts with ``COLUMNS``."""
    return [{k: row.get(k) for k in COLUMNS} for source in SOURCES for row in source(run)]


def final_table(run: RunDir) -> Any:
    """The final table as a pandas DataFrame (``COLUMNS``); missing systems are rows with status ``missing``."""
    import pandas as pd

    return pd.DataFrame(final_rows(run), columns=list(COLUMNS))
