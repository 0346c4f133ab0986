"""Pull the final answer out of model output: ``<answer>`` tags, ``\\boxed{}``, ``$...$`` and ``lhs = rhs``.

Prose around the expression ("The integral is ... + C.") is handled by the parser, which knows the
vocabulary; this module only removes markup.
"""

from __future__ import annotations

import re

_ANSWER_TAG = re.compile(r"<answer>(.*?)</answer>", re.S | re.I)
_ANSWER_OPEN = re.compile(r"<answer>", re.I)
_BOX = re.compile(r"\\(?:boxed|fbox)\s*\{")
_DISPLAY = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|\$(.+?)\$", re.S)


def _braced(text: str, start: int) -> str | None:
    """Content of the brace group whose ``{`` is at ``start``; None when unbalanced."""
    depth = 0
    for k in range(start, len(text)):
        ch = text[k]
        if ch == "{" and (k == 0 or text[k - 1] != "\\"):
            depth += 1
        elif ch == "}" and (k == 0 or text[k - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return text[start + 1:k]
    return None


def extract_markup(text: str) -> str:
    """The innermost answer region: last ``<answer>``, then last ``\\boxed{}``, then last ``$...$``."""
    s = text.strip()
    tags = _ANSWER_TAG.findall(s)
    if tags:
        s = tags[-1].strip()
    else:
        opens = list(_ANSWER_OPEN.finditer(s))
        if opens:
            s = s[opens[-1].end():].strip()
    boxes = list(_BOX.finditer(s))
    if boxes:
        inner = _braced(s, boxes[-1].end() - 1)
        if inner is None:
            raise ValueError("unbalanced braces in \\boxed{...}")
        s = inner.strip()
    segments = _DISPLAY.findall(s)
    if segments:
        s = next(part for part in segments[-1] if part).strip()
    return s


def split_equation(text: str) -> str:
    """The right-hand side of the last top-level ``=`` (``F(x) = x^2/2 + C`` -> ``x^2/2 + C``)."""
    depth = 0
    cut = -1
    for k, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "=" and depth <= 0:
            cut = k
    if cut < 0:
        return text
    return text[cut + 1:].strip()
