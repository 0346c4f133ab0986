"""Competition integrals (an Integration Bee answer key) from a user JSONL file, as ``integrals`` task rows.

One JSON object per line::

    {"id": "q1", "problem": "\\\\int_0^{\\\\pi} x \\\\sin x \\\\, dx", "answer": "\\\\pi"}
    {"id": "q2", "problem": "\\\\int \\\\frac{1}{1+x^2}\\\\,dx", "answer": "\\\\arctan x"}

``problem`` is LaTeX, plain text or SymPy (whatever ``ladderlib.verify.parse_problem`` reads); a problem with
bounds is definite and its ``answer`` is the value, else the answer is an antiderivative. Bounds may also be given
as ``lower``/``upper`` fields. Each row becomes ``{id, problem, integrand, variable, lower, upper, value |
antiderivative}``; with ``check_keys`` every answer must pass the verifier, so a typo in the key is caught on
load rather than scored as a model error.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class CompetitionFileError(ValueError):
    """The file cannot be used; the message names the file and the line."""


def competition_row(obj: dict[str, Any], where: str) -> dict[str, Any]:
    """One JSONL object as an ``integrals`` row (raises ``CompetitionFileError`` naming ``where``)."""
    from ladderlib.verify.codes import VerifyError
    from ladderlib.verify.problems import parse_problem

    text = obj.get("problem", obj.get("integrand"))
    if not isinstance(text, str) or not text.strip():
        raise CompetitionFileError(f"{where}: needs a 'problem' string")
    answer = obj.get("answer", obj.get("value", obj.get("antiderivative")))
    if answer is not None and not isinstance(answer, (str, int, float)):
        raise CompetitionFileError(f"{where}: 'answer' must be a string or a number")
    try:
        parsed = parse_problem(text, obj.get("variable"))
    except VerifyError as exc:
        raise CompetitionFileError(f"{where}: cannot read the problem {text!r}: {exc.reason}") from None
    lower, upper = obj.get("lower"), obj.get("upper")
    if (lower is None) != (upper is None):
        raise CompetitionFileError(f"{where}: give both 'lower' and 'upper', or neither")
    if lower is None and parsed.is_definite:
        lower, upper = str(parsed.lower), str(parsed.upper)
    row: dict[str, Any] = {"id": str(obj.get("id", where)), "problem": text, "integrand": str(parsed.integrand),
                           "variable": parsed.variable_name, "lower": None if lower is None else str(lower),
                           "upper": None if upper is None else str(upper)}
    if answer is not None:
        row["value" if lower is not None else "antiderivative"] = str(answer)
    return row


def read_competition_file(path: str | Path, *, check_keys: bool = True) -> list[dict[str, Any]]:
    """Rows of a competition JSONL (format in the module docstring); blank lines are skipped."""
    from ladderlib.tasks.integrals import IntegralsTask

    path = Path(path)
    if not path.is_file():
        raise CompetitionFileError(f"competition file {path} does not exist")
    rows: list[dict[str, Any]] = []
    task = IntegralsTask()
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CompetitionFileError(f"{where}: not JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise CompetitionFileError(f"{where}: expected a JSON object")
        row = competition_row(obj, where)
        key = row.get("value", row.get("antiderivative"))
        if check_keys and key is not None and not (g := task.grade(row, f"\\boxed{{{key}}}")).correct:
            raise CompetitionFileError(f"{where}: the verifier rejects the answer key {key!r} ({g.code}: {g.reason})")
        rows.append(row)
    if not rows:
        raise CompetitionFileError(f"competition file {path} has no problems")
    return rows
