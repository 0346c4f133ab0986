"""``ladder verify``: check one answer or a JSONL file of (integrand, answer) pairs.

Exit codes for a single check: 0 correct, 1 a usable answer that is wrong (``wrong``,
``echo_integrand``, ``constant``, ``not_constant``), 2 unusable input (unparsable problem or answer,
or a filter that says it is not an answer: ``unevaluated_integral``, ``foreign_symbol``, ...).
With ``--pairs`` every row gets a verdict line and the exit code is 0 (2 if the file cannot be read).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``verify`` sub-command."""
    p = subparsers.add_parser(
        "verify",
        help="check an antiderivative / definite-integral answer (exit 0 ok, 1 wrong, 2 unusable input)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--problem", help='integrand or problem text, e.g. "x**2*sin(x)" or "\\int_0^1 x^2 dx"')
    p.add_argument("--solution", "--answer", dest="solution", help="the answer to check (plain math or LaTeX)")
    p.add_argument("--variable", default=None, help="integration variable (default: from the problem, else x)")
    p.add_argument("--pairs", metavar="FILE.jsonl",
                   help='JSONL rows {"integrand": ..., "answer": ...} (optional "variable", "lower", "upper", "id")')
    p.add_argument("--json", action="store_true", help="print JSON objects instead of text")
    p.add_argument("--processes", type=int, default=None, help="worker processes for --pairs (default 1)")
    p.add_argument("--timeout", type=float, default=None, help="seconds per check (default from settings)")
    p.set_defaults(func=run)


def _settings(args: argparse.Namespace) -> Any:
    from ladderlib.config.verify import VerifySettings

    overrides: dict[str, Any] = {}
    if args.timeout is not None:
        overrides["timeout_s"] = args.timeout
    if args.processes is not None:
        overrides["processes"] = max(1, args.processes)
    return VerifySettings(**overrides)


def _exit_code(code: str) -> int:
    from ladderlib.verify import codes

    if code == codes.OK:
        return 0
    return 1 if code in codes.WRONG_ANSWER_CODES else 2


def _read_pairs(path: str) -> list[tuple[int, dict | None, str | None]]:
    """(line number, row or None, error or None) for every non-blank line."""
    rows: list[tuple[int, dict | None, str | None]] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                rows.append((lineno, None, f"bad JSON: {exc.msg}"))
                continue
            if not isinstance(row, dict):
                rows.append((lineno, None, "a row must be a JSON object"))
                continue
            problem = row.get("integrand", row.get("problem"))
            missing = [k for k, v in (("integrand", problem), ("answer", row.get("answer"))) if v is None]
            if missing:
                rows.append((lineno, None, f"missing key(s): {', '.join(missing)}"))
                continue
            if not isinstance(problem, str) or not isinstance(row.get("answer"), str):
                rows.append((lineno, None, "'integrand' and 'answer' must be strings"))
                continue
            rows.append((lineno, row, None))
    return rows


def _run_pairs(args: argparse.Namespace) -> int:
    from ladderlib.verify.parallel import verify_many

    settings = _settings(args)
    try:
        rows = _read_pairs(args.pairs)
    except OSError as exc:
        print(f"cannot read {args.pairs}: {exc}", file=sys.stderr)
        return 2
    good = [(lineno, row) for lineno, row, err in rows if row is not None]
    pairs = []
    for _, row in good:
        problem = {"integrand": row.get("integrand", row.get("problem"))}
        for key in ("variable", "lower", "upper"):
            if row.get(key) is not None:
                problem[key] = row[key]
        pairs.append((problem, row["answer"]))
    results = iter(verify_many(pairs, settings=settings))
    for lineno, row, err in rows:
        if row is None:
            out: dict[str, Any] = {"line": lineno, "correct": False, "code": "bad_row", "reason": err}
        else:
            res = next(results)
            out = {"line": lineno, **res.to_dict()}
            if "id" in row:
                out["id"] = row["id"]
        if args.json:
            print(json.dumps(out, ensure_ascii=False))
        else:
            print(f"{out['line']}: {'correct' if out['correct'] else 'WRONG'} [{out['code']}] {out['reason']}")
    return 0


def run(args: argparse.Namespace) -> int:
    """Run ``ladder verify``; returns the exit code."""
    if args.pairs:
        return _run_pairs(args)
    if args.problem is None or args.solution is None:
        print("ladder verify: give --problem and --solution, or --pairs FILE.jsonl", file=sys.stderr)
        return 2
    from ladderlib.verify.integrals import verify_integral

    res = verify_integral(args.problem, args.solution, _settings(args), variable=args.variable)
    if args.json:
        print(json.dumps(res.to_dict(), ensure_ascii=False))
    else:
        print(f"{'correct' if res.correct else 'not correct'} [{res.code}]: {res.reason}")
    return _exit_code(res.code)
