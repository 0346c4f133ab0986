"""Answers written as program code are not math answers: reject them before parsing, with the reason.

``x if x > 0 else -x``, ``lambda x: x**2/2``, ``def F(x): ...``, ``return x**2``, ``np.sin(x)``,
``math.exp(x)``, ``x > 0 ? x : -x``, ``sum(x**n for n in range(9))``: each is a program (that might
even evaluate to the right numbers), not an expression, and gets code ``not_math``. LaTeX commands are
not code (``\\lambda`` is a Greek letter).
"""

from __future__ import annotations

import re

from ladderlib.verify import codes
from ladderlib.verify.codes import ParseError

# Words that make a sentence program code (prose.py refuses them too).
CODE_WORDS = frozenset({
    "lambda", "def", "import", "return", "print", "eval", "exec", "os", "sys", "subprocess", "open",
    "class", "self", "while", "assert", "yield", "globals", "locals", "getattr", "compile", "elif",
})
_KEYWORDS = "|".join(sorted(CODE_WORDS - {"lambda", "def", "os", "sys", "open", "class", "self"}))

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<![\\\w])if\b.+(?<![\\\w])else\b", re.S), "a Python conditional 'if ... else'"),
    (re.compile(r"(?<![\\\w])lambda\b"), "a lambda function"),
    (re.compile(r"(?<![\\\w])def\s+\w+\s*\("), "a function definition 'def'"),
    (re.compile(r"(?<![\\\w])(?:np|numpy|math|cmath|sympy|sp|scipy|torch|mpmath|mp|jnp|tf)\s*\.\s*[A-Za-z_]"),
     "a library call or constant (module.name)"),
    (re.compile(r"(?<![\\\w])[A-Za-z_]\w*\.[A-Za-z_]\w*\s*\("), "a method or module call (name.name(...))"),
    (re.compile(r"[<>=]=?\s*[\w.]+\s*\?[^?:]*:"), "a C-style conditional 'a ? b : c'"),
    (re.compile(r"(?<![\\\w])for\s+\w+\s+in\s+range\b"), "a loop or comprehension over range()"),
    (re.compile(rf"(?<![\\\w])(?:{_KEYWORDS}|__\w+__)\b"), "a Python keyword or built-in"),
)


_ANY = re.compile("|".join(f"(?P<p{k}>{p.pattern})" for k, (p, _) in enumerate(_PATTERNS)), re.S)
# Every pattern needs one of these pieces: a cheap test that lets plain math through at once.
_HINTS = ("if", "lambda", "def", ".", "?", "range", "__", *_KEYWORDS.split("|"))


def reject_code(text: str) -> None:
    """Raise ``ParseError(not_math)`` when ``text`` is program code rather than a math expression."""
    if not any(hint in text for hint in _HINTS):
        return
    m = _ANY.search(text)
    if m:
        what = _PATTERNS[int(m.lastgroup[1:])][1]  # type: ignore[index]
        snippet = m.group(0).strip()[:30]
        raise ParseError(f"this is program code ({what}: {snippet!r}), not a math expression", codes.NOT_MATH)
