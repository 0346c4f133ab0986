"""Planner data (seed 001): problems paired with JSON plans for SFT (built offline from GSM8K or read from a
dataset), and the GRPO prompts with the columns the planner reward reads.

Offline default: each GSM8K solution line that computes something becomes one subproblem. The line's result is
hidden behind ``?`` and the calculation is named, so "Natalia sold 48/2 = <<48/2=24>>24 clips in May." becomes
"Natalia sold 48/2 = ? clips in May. Compute 48/2." Lines that compute nothing ("Let x be the number of roosters")
are context and are prefixed to the next computing line. A number that is the result of an earlier step k
(and not given in the question) is written ``[k]``, so later subproblems do not give intermediate answers away.
A problem whose solution has fewer than two computing lines is not decomposed (``should_decompose=false``, no
subproblems).

A seed-style dataset (``emilbiju/Planning-Data-Math-Full-Soln`` on the hub, or a local JSONL) can be used instead;
its rows may already be prompt/completion pairs, chat ``messages``, or a question with plan fields.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

from ladderlib.config.planner import PLANNER_SYSTEM_PROMPT
from ladderlib.planner.schema import Plan, PlanParseError, parse_plan

__all__ = [
    "DECOMPOSED_PLAN",
    "DIRECT_PLAN",
    "load_planner_source",
    "plan_from_solution",
    "planner_example",
    "planner_grpo_dataset",
    "planner_grpo_rows",
    "planner_rows_from_gsm8k",
    "solution_steps",
]

DECOMPOSED_PLAN = (
    "Solve the {n} subproblems in order; [k] stands for the result of subproblem k. "
    "The result of the last subproblem answers the question."
)
DIRECT_PLAN = "Solve the problem directly: it needs a single calculation."

_CALC_RE = re.compile(r"<<(?P<expr>[^<>=]*)=(?P<result>[^<>]*)>>\s*(?P<shown>-?\$?\d[\d,]*(?:\.\d+)?%?)?")
_NUM = r"\$?-?\d[\d,]*(?:\.\d+)?"
_NUMBER_RE = re.compile(r"(?<![\w.\[])\d[\d,]*(?:\.\d+)?(?![\w\]])")
_OPERATOR_RE = re.compile(r"\d\s*[-+*/x×÷^]\s*\(?\s*\d|\)\s*[-+*/]")
# "4/14*126 = 36", "93+2 = 95": plain arithmetic on numbers (no letters) equal to a number
_EQUATION_RE = re.compile(
    rf"(?P<expr>\(?{_NUM}\)?(?:\s*[-+*/x×÷]\s*\(?{_NUM}\)?)+)\s*=\s*(?P<result>{_NUM}(?:/\d+)?%?)"
)


def _tidy(text: str) -> str:
    """Collapse spaces and the spaces before punctuation that masking leaves behind."""
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s+([.,;:!])(?!\d)", r"\1", text)


def _value(number: str) -> Fraction | None:
    """Exact value of a number as written in a solution (``$1,200.50``, ``25%``), or None."""
    s = number.replace(",", "").replace("$", "").replace("%", "").strip()
    try:
        return Fraction(s)
    except (ValueError, ZeroDivisionError):
        return None


def _refer_to_results(text: str, results: dict[Fraction, int], given: set[Fraction]) -> str:
    """Replace numbers that are results of earlier steps (and not given in the question) by ``[k]``."""

    def sub(m: re.Match[str]) -> str:
        v = _value(m.group(0))
        if v is None or v in given or v not in results:
            return m.group(0)
        return f"[{results[v]}]"

    return _NUMBER_RE.sub(sub, text)


def solution_steps(solution: str, question: str | None = None) -> list[str]:
    """Turn a GSM8K solution into subproblem texts, one per computing line, results masked as ``?``.

    A number in a later step that is the result of step k (and does not appear in ``question``) is written
    ``[k]``, so the subproblems do not reveal intermediate answers.
    """
    given = {v for v in map(_value, _NUMBER_RE.findall(question or "")) if v is not None}
    results: dict[Fraction, int] = {}
    steps: list[str] = []
    context: list[str] = []
    for line in solution.splitlines():
        line = line.strip()
        if not line or line.startswith("####"):
            continue
        calcs = list(_CALC_RE.finditer(line))
        if calcs:
            exprs = [m.group("expr").strip() for m in calcs if _OPERATOR_RE.search(m.group("expr"))]
            masked = _tidy(re.sub(r"\$\s*\?", "$?", _CALC_RE.sub("?", line)))
            text = _end_sentence(masked) + (f" Compute {' and '.join(exprs)}." if exprs else "")
            result = _value(calcs[-1].group("result"))
        elif equations := list(_EQUATION_RE.finditer(line)):
            # unannotated arithmetic: hide the result of the last equation on the line
            last = equations[-1]
            text = _end_sentence(_tidy(line[: last.start("result")] + "?" + line[last.end("result") :]))
            result = _value(last.group("result").split("/")[0]) if "/" not in last.group("result") else None
        else:
            context.append(line)
            continue
        text = _refer_to_results(_tidy(" ".join([*context, text])), results, given)
        steps.append(text)
        if result is not None and result not in given:
            results.setdefault(result, len(steps))
        context = []
    return steps


def _end_sentence(text: str) -> str:
    """Make sure a step text ends like a sentence (a trailing ``?`` is the masked result, so it gets a period)."""
    return text if text.endswith((".", "!")) else text + "."


def plan_from_solution(solution: str, question: str | None = None) -> Plan:
    """The plan a GSM8K solution implies: decompose when it has two or more computing lines."""
    steps = solution_steps(solution, question)
    if len(steps) < 2:
        return Plan(should_decompose=False, subproblems=[], plan=DIRECT_PLAN)
    return Plan(should_decompose=True, subproblems=steps, plan=DECOMPOSED_PLAN.format(n=len(steps)))


def planner_rows_from_gsm8k(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Planner rows ``{id, question, answer, plan}`` from GSM8K rows (run-folder rows or raw ``{question, answer}``)."""
    out = []
    for i, row in enumerate(rows):
        solution = row.get("solution") or row["answer"]
        answer = row["answer"] if "solution" in row else solution.rsplit("####", 1)[-1].strip()
        out.append(
            {
                "id": row.get("id", f"gsm8k-{i:05d}"),
                "question": row["question"],
                "answer": answer,
                "plan": plan_from_solution(solution, row["question"]).model_dump(),
            }
        )
    return out


def load_planner_source(source: str, split: str = "train", limit: int | None = None) -> list[dict[str, Any]]:
    """Read planner rows from a local JSONL file or a hub dataset id (the hub needs network)."""
    path = Path(os.path.expanduser(source))
    if path.is_file():
        from ladderlib.io import read_jsonl

        rows = read_jsonl(path)
    else:
        from ladderlib.models.hub import hub_offline

        if hub_offline():
            raise RuntimeError(
                f"planner dataset {source!r} is not a local file and HF_HUB_OFFLINE is set: give a JSONL path, "
                "or leave the dataset empty to build plans from GSM8K"
            )
        from datasets import load_dataset

        try:
            ds = load_dataset(source, split=split)
        except Exception as exc:  # noqa: BLE001 - the hub raises many kinds of errors
            raise RuntimeError(
                f"could not load planner dataset {source!r} (split {split!r}) from the hub: {exc}"
            ) from exc
        rows = [dict(r) for r in (ds.select(range(min(limit, len(ds)))) if limit else ds)]
    return rows[:limit] if limit else rows


_QUESTION_KEYS = ("question", "problem", "query", "input", "instruction")
_PLAN_TEXT_KEYS = ("plan_json", "output", "response", "completion", "target", "plan")


def planner_example(row: dict[str, Any], system_prompt: str) -> dict[str, Any]:
    """One TRL prompt/completion example from a planner row of any supported shape.

    Shapes: ``{prompt, completion}`` (passed through), ``{messages}`` (split at the last assistant turn),
    ``{question, plan: {...}}`` or ``{question, should_decompose, subproblems, plan}`` (our rows), or a question
    with the plan as JSON text under ``output``/``response``/``completion``/``target``.
    """
    if "prompt" in row and "completion" in row:
        return {"prompt": row["prompt"], "completion": row["completion"]}
    if "messages" in row:
        msgs = list(row["messages"])
        last = max((i for i, m in enumerate(msgs) if m.get("role") == "assistant"), default=None)
        if last is None:
            raise ValueError("planner row has 'messages' but no assistant turn to learn from")
        return {"prompt": msgs[:last], "completion": [msgs[last]]}
    question = next((row[k] for k in _QUESTION_KEYS if isinstance(row.get(k), str) and row[k].strip()), None)
    if question is None:
        raise ValueError(f"planner row has no question field (one of {_QUESTION_KEYS}); keys: {sorted(row)}")
    plan = _plan_of(row)
    return {
        "prompt": [{"role": "system", "content": system_prompt}, {"role": "user", "content": question.strip()}],
        "completion": [{"role": "assistant", "content": plan.to_json()}],
    }


def _plan_of(row: dict[str, Any]) -> Plan:
    """Find the plan in a row: a nested dict, top-level plan fields, or JSON text."""
    if isinstance(row.get("plan"), dict):
        return Plan.model_validate(row["plan"])
    if "should_decompose" in row:
        return Plan.model_validate({k: row.get(k) for k in ("should_decompose", "subproblems", "plan")})
    for key in _PLAN_TEXT_KEYS:
        value = row.get(key)
        if isinstance(value, dict):
            return Plan.model_validate(value)
        if isinstance(value, str) and value.strip():
            try:
                return parse_plan(value)
            except PlanParseError:
                continue
    raise ValueError(f"planner row holds no plan (keys: {sorted(row)}); expected plan fields or plan JSON text")


def planner_grpo_rows(rows: Sequence[dict[str, Any]], system_prompt: str = PLANNER_SYSTEM_PROMPT) -> list[dict[str, Any]]:
    """``{prompt, question, gold}`` records from GSM8K rows; the prompt is exactly the planner SFT prompt, so
    GRPO can start from the SFT adapter."""
    out = []
    for row in planner_rows_from_gsm8k(list(rows)):
        prompt = planner_example(row, system_prompt)["prompt"]
        out.append({"prompt": prompt, "question": row["question"], "gold": str(row["answer"]).replace(",", "")})
    return out


def planner_grpo_dataset(rows: Sequence[dict[str, Any]], system_prompt: str = PLANNER_SYSTEM_PROMPT) -> Any:
    """A ``datasets.Dataset`` of conversational planner prompts with ``question`` and ``gold`` columns."""
    from datasets import Dataset

    records = planner_grpo_rows(rows, system_prompt)
    if not records:
        raise ValueError("no GSM8K rows: the planner GRPO dataset is empty")
    return Dataset.from_list(records)
