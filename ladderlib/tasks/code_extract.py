"""Read Python code and assert tests out of model text: fences, stray prose, truncation, example calls.

Small models wrap code in prose ("Here is the function:"), open a fence and never close it (the token budget
ran out), put example usage and ``print`` calls next to the function, or write only the body. So:

* the text is cut into blocks: every fenced block (```` ```python ````, ```` ``` ````, ``~~~``, closed or, at the
  end, unclosed); with no fence, the whole text;
* inside a block, code is the longest run of lines that parses, starting at a line that looks like code
  (``def``, ``class``, ``import``, ``from``, ``@``, ``NAME =``, ``assert``), repeated after it; prose lines
  between runs are dropped;
* the program keeps only what a module defines (imports, functions, classes, assignments); top-level calls,
  prints, loops, asserts and ``if __name__ == "__main__"`` blocks are dropped, since an example call that
  raises would make the whole program fail to load;
* the block that defines the entry point wins (the last such, the model's final answer); a body written
  without its ``def`` line (an indented block that defines no function) is completed with the given signature; a
  function of another name is returned as it is, with ``defines_entry`` False.

``extract_asserts`` reads a test writer's text the same way and keeps each ``assert`` that calls the function
under test, deduplicated, in order.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

_FENCE = re.compile(r"^[ \t]*(```|~~~)[ \t]*([A-Za-z0-9_+.-]*)[^\n]*\n(.*?)(?:^[ \t]*\1[ \t]*$|\Z)", re.M | re.S)
_CODE_START = re.compile(r"^(?:async\s+def\s|def\s|class\s|import\s|from\s+[\w.]+\s+import\s|@\w|assert\s|"
                         r"[A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*\s*=[^=])")
_KEPT = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)
MAX_LINES = 400  # longer texts are cut: the search for parsable runs is quadratic in lines


@dataclass(frozen=True)
class ExtractedCode:
    """The program read from a text: its code, whether it defines the entry point, and how it was found."""

    code: str
    defines_entry: bool
    method: str  # fenced | unfenced | body | none
    dropped_statements: int = 0


def _parses(lines: list[str]) -> bool:
    try:
        ast.parse("\n".join(lines))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def parsable_runs(text: str) -> list[str]:
    """The runs of lines in ``text`` that parse as Python, each starting at a code-looking line, in order."""
    lines = textwrap.dedent(text).splitlines()[:MAX_LINES]
    runs, i = [], 0
    while i < len(lines):
        if not _CODE_START.match(lines[i]):
            i += 1
            continue
        end = next((j for j in range(len(lines), i, -1) if _parses(lines[i:j])), None)
        if end is None:
            i += 1
            continue
        run = "\n".join(lines[i:end]).strip("\n")
        if run.strip():
            runs.append(run)
        i = end
    return runs


def blocks(text: str) -> tuple[list[str], bool]:
    """The fenced blocks of ``text`` (closed, or one left open at the end); no fence: ``[text]``. Returns
    (blocks, fenced)."""
    found = [m.group(3) for m in _FENCE.finditer(text)]
    return (found, True) if found else ([text], False)


def sanitize(code: str) -> tuple[str, int]:
    """Keep a module's definitions (imports, functions, classes, assignments); returns (code, statements dropped)."""
    module = ast.parse(code)
    lines = code.splitlines()
    kept = [s for s in module.body if isinstance(s, _KEPT)]
    parts = []
    for s in kept:
        start = min([s.lineno, *(d.lineno for d in getattr(s, "decorator_list", []))])
        parts.append("\n".join(lines[start - 1 : s.end_lineno]))
    return "\n\n".join(parts), len(module.body) - len(kept)


def defined_functions(code: str) -> set[str]:
    """Names of the top-level functions ``code`` defines (empty when it does not parse)."""
    try:
        module = ast.parse(code)
    except (SyntaxError, ValueError):
        return set()
    return {s.name for s in module.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}


def _body_with_signature(block: str, signature: str) -> str | None:
    """A function body written without its ``def`` line, completed with ``signature``; None if it does not parse."""
    body = textwrap.indent(textwrap.dedent(block).strip("\n"), "    ")
    for end in range(len(body.splitlines()), 0, -1):
        candidate = signature.rstrip() + "\n" + "\n".join(body.splitlines()[:end])
        if _parses(candidate.splitlines()):
            return candidate
    return None


def extract_code(text: str, entry_point: str | None = None, signature: str | None = None) -> ExtractedCode:
    """The program in a model's text (see the module docstring); ``code`` is "" when nothing parses."""
    found, fenced = blocks(text)
    candidates = []
    for block in found if not fenced else [*found, text]:  # with fences, prose outside them is the fallback
        runs = parsable_runs(block)
        if runs:
            code, dropped = sanitize("\n\n".join(runs))
            if code.strip():
                candidates.append((code, dropped, "fenced" if fenced and block is not text else "unfenced"))
    if entry_point:
        defining = [c for c in candidates if entry_point in defined_functions(c[0])]
        if defining:
            fenced_defining = [c for c in defining if c[2] == "fenced"]
            code, dropped, method = (fenced_defining or defining)[-1]
            return ExtractedCode(code, True, method, dropped)
        if signature:
            for block in found:
                first = next((line for line in block.splitlines() if line.strip()), "")
                if not first[:1].isspace() or any(defined_functions(run) for run in parsable_runs(block)):
                    continue  # a body is indented and defines no function of its own
                completed = _body_with_signature(block, signature)
                if completed and entry_point in defined_functions(completed):
                    code, dropped = sanitize(completed)
                    return ExtractedCode(code, True, "body", dropped)
    with_def = [c for c in candidates if defined_functions(c[0])]
    if with_def:
        code, dropped, method = with_def[0]
        return ExtractedCode(code, entry_point is None, method, dropped)
    return ExtractedCode("", False, "none")


def _calls(node: ast.AST, name: str) -> bool:
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == name for n in ast.walk(node))


@dataclass(frozen=True)
class ExtractedTests:
    """Asserts read from a test writer's text: ``tests`` call the function; ``not_calling`` do not."""

    tests: tuple[str, ...]
    not_calling: tuple[str, ...]
    over_limit: int = 0


def extract_asserts(text: str, entry_point: str, max_tests: int | None = None) -> ExtractedTests:
    """Every distinct ``assert`` in ``text`` (fenced or not, top level or inside a function), split into those
    that call ``entry_point`` and those that do not; at most ``max_tests`` of either kind are kept."""
    found, fenced = blocks(text)
    seen: dict[str, bool] = {}
    for block in [*found, text] if fenced else found:
        for run in parsable_runs(block):
            for node in ast.walk(ast.parse(run)):
                if isinstance(node, ast.Assert):
                    seen.setdefault(ast.unparse(node), _calls(node, entry_point))
    items = list(seen.items())
    limit = len(items) if max_tests is None else max_tests
    kept = items[:limit]
    return ExtractedTests(tuple(t for t, ok in kept if ok), tuple(t for t, ok in kept if not ok),
                          max(0, len(items) - limit))

