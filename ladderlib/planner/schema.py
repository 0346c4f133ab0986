"""The planner's JSON plan (seed 001): its schema, and a parser tolerant of messy model output.

A plan is ``{"should_decompose": bool, "subproblems": [str, ...], "plan": str}``. Small models wrap JSON in
code fences, add prose before or after it, use single quotes or Python's ``True``/``False``, leave trailing
commas, or print curly quotes; ``parse_plan`` repairs those and raises ``PlanParseError`` (a ``ValueError``)
saying why when no plan can be recovered. The SFT planner and the GRPO planner share this module.
"""

from __future__ import annotations

import ast
import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = ["Plan", "PlanParseError", "parse_plan", "plan_json_schema"]


class PlanParseError(ValueError):
    """Model output holds no usable plan; the message says what was wrong and shows the start of the text."""


class Plan(BaseModel):
    """A planner's decision: whether to decompose, the subproblems in order, and how to combine them."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    should_decompose: bool
    subproblems: list[str] = Field(default_factory=list)
    plan: str = ""

    @field_validator("subproblems", mode="before")
    @classmethod
    def _coerce_subproblems(cls, v: Any) -> Any:
        if v is None:
            return []
        if isinstance(v, str):  # one string: one subproblem per non-empty line
            return [line.strip(" -*\t") for line in v.splitlines() if line.strip(" -*\t")]
        if isinstance(v, list):  # drop blanks; accept {"question": ...} items
            out = []
            for item in v:
                if isinstance(item, dict):
                    item = item.get("question") or item.get("subproblem") or item.get("text") or json.dumps(item)
                if item is not None and str(item).strip():
                    out.append(str(item).strip())
            return out
        return v

    @field_validator("plan", mode="before")
    @classmethod
    def _coerce_plan(cls, v: Any) -> Any:
        if v is None:
            return ""
        if isinstance(v, list):
            return " ".join(str(x) for x in v)
        return v

    def to_json(self) -> str:
        """The plan as one line of JSON, keys in schema order (what the planner is trained to emit)."""
        return json.dumps(self.model_dump(), ensure_ascii=False)


def plan_json_schema() -> dict[str, Any]:
    """JSON schema of a plan (for prompts or constrained decoding)."""
    return Plan.model_json_schema()


_FENCE_RE = re.compile(r"```[ \t]*(?:json|JSON|python)?[ \t]*\n?(.*?)(?:```|$)", re.DOTALL)
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})
_TRAILING_COMMA_RE = re.compile(r",\s*([}\]])")


def _balanced_objects(text: str) -> list[str]:
    """Every top-level ``{...}`` span in ``text`` with balanced brackets (those inside quoted strings ignored).

    An object cut off at the end of the text (a truncated generation) is closed, so it can still be tried.
    """
    spans: list[str] = []
    stack: list[str] = []
    start, quote, escaped = -1, "", False
    for i, ch in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
            continue
        if not stack:
            if ch == "{":
                stack, start = ["}"], i
            continue
        if ch == '"' or (ch == "'" and text[:i].rstrip()[-1:] in ":[{,"):
            quote = ch  # an apostrophe in prose ("don't") is not a quote; one after : [ { , is
        elif ch in "{[":
            stack.append("}" if ch == "{" else "]")
        elif ch in "}]":
            if ch != stack[-1]:  # mismatched bracket: abandon this span
                stack = []
                continue
            stack.pop()
            if not stack:
                spans.append(text[start : i + 1])
    if stack:  # truncated output: close the open string and brackets
        spans.append(text[start:] + quote + "".join(reversed(stack)))
    return spans


def _loads(candidate: str) -> Any:
    """Decode one object: strict JSON, then JSON with trailing commas removed, then a Python literal."""
    attempts = [candidate, _TRAILING_COMMA_RE.sub(r"\1", candidate)]
    for s in attempts:
        try:
            return json.loads(s)
        except json.JSONDecodeError:
            pass
    py = re.sub(r"\btrue\b", "True", attempts[1])
    py = re.sub(r"\bfalse\b", "False", py)
    py = re.sub(r"\bnull\b", "None", py)
    try:
        return ast.literal_eval(py)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def parse_plan(text: str | None) -> Plan:
    """Recover a ``Plan`` from model output (fences, surrounding prose, single quotes, trailing commas, ...).

    The first JSON-like object that validates as a plan wins. Raises ``PlanParseError`` when none does.
    """
    if text is None or not str(text).strip():
        raise PlanParseError("empty planner output: expected a JSON object with 'should_decompose'")
    raw = str(text).translate(_QUOTES)
    regions = [m.group(1) for m in _FENCE_RE.finditer(raw)] + [raw]
    candidates: list[str] = []
    for region in regions:
        candidates.extend(c for c in _balanced_objects(region) if c not in candidates)
    if not candidates:
        raise PlanParseError(f"no JSON object in planner output: {_snippet(raw)}")
    problems: list[str] = []
    for cand in candidates:
        obj = _loads(cand)
        if not isinstance(obj, dict):
            problems.append("not valid JSON")
            continue
        obj = _unwrap(obj)
        if "should_decompose" not in obj:
            problems.append(f"object lacks 'should_decompose' (keys: {sorted(obj)[:6]})")
            continue
        try:
            return Plan.model_validate(obj)
        except ValidationError as exc:
            problems.append("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    reasons = "; ".join(dict.fromkeys(problems))
    raise PlanParseError(f"no valid plan in planner output ({reasons}): {_snippet(raw)}")


def _unwrap(obj: dict[str, Any]) -> dict[str, Any]:
    """Accept ``{"plan": {...full plan...}}`` style nesting that some models produce."""
    if "should_decompose" not in obj:
        for v in obj.values():
            if isinstance(v, dict) and "should_decompose" in v:
                return v
    return obj


def _snippet(text: str, n: int = 120) -> str:
    """The start of ``text`` for an error message."""
    t = " ".join(text.split())
    return repr(t[:n] + ("..." if len(t) > n else ""))
