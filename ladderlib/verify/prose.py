"""Find the expression inside a sentence: "The integral is x^3/3 + C." -> "x^3/3 + C".

Used only when the text does not parse as an expression by itself. Conservative: the longest run of
math tokens wins, and after it only sentence punctuation or a connector word may follow, so unknown
words inside an expression stay errors.
"""

from __future__ import annotations

import re

from ladderlib.verify import codes
from ladderlib.verify.code_answers import CODE_WORDS
from ladderlib.verify.tokens import (
    PROSE_PUNCT, TOKEN_RE, Context, classify, fail, normalize_unicode, split_word, tokenize,
)

_CONSTANT_PHRASE = re.compile(
    r"\+\s*(?:an?\s+|the\s+)?(?:arbitrary\s+|real\s+)?(?:constant|const)\b(?:\s+of\s+integration)?", re.I
)
_MATH_KINDS = ("var", "sym", "func", "const", "intc", "nonfinite")
# Words that may follow the expression in a sentence ("x^2/2 + C where C is ...", "... for x > 0").
_CONNECTORS = frozenset("""
where for with and plus which when whenever if as since because so here valid on is being this that
assuming provided given then hence thus in over defined except at to the or but note we by up
""".split())
_WORD_RE = re.compile(r"[^\W\d_]+'[^\W\d_]+")  # contractions in prose: it's, that's


def _is_math_word(word: str, ctx: Context, before_paren: bool) -> bool:
    kind, _ = classify(word, ctx)
    if kind in _MATH_KINDS or before_paren or len(word) == 1:
        return True
    if kind in ("integral", "calculus", "unsupported"):
        return word[:1].isupper()
    split = split_word(word, ctx)
    return split is not None and all(k in ("var", "sym", "func", "const") for k, _ in split)


def select_math(text: str, ctx: Context) -> str:
    """The expression inside a sentence ("The integral is x^3/3 + C.") or the text itself without prose.

    The longest run of math tokens wins (ties: the last); after it only sentence punctuation or a
    connector word ("where", "for" ...) may follow, so unknown words inside an expression are errors.
    """
    text = _CONSTANT_PHRASE.sub("+ C", text) if ctx.strip_constant else text
    norm = normalize_unicode(text)
    items: list[tuple[str, int, int, str]] = []  # (kind: math/prose/sep, start, end, text)
    depth = 0
    pos, n = 0, len(norm)
    while pos < n:
        w = _WORD_RE.match(norm, pos)
        if w:
            items.append(("prose", w.start(), w.end(), w.group(0)))
            pos = w.end()
            continue
        m = TOKEN_RE.match(norm, pos)
        if m is None:
            ch = norm[pos]
            if PROSE_PUNCT.match(ch) and depth <= 0:
                items.append(("sep", pos, pos + 1, ch))
                pos += 1
                continue
            raise fail(f"character {ch!r} is not allowed in a math expression", codes.NOT_MATH)
        kind, tok = m.lastgroup, m.group(0)
        pos = m.end()
        if kind == "ws":
            continue
        if kind == "name":
            if tok.lower() in CODE_WORDS:
                raise fail(f"this looks like program code ({tok!r}), not a math expression", codes.NOT_MATH)
            before_paren = norm[m.end():].lstrip().startswith("(")
            wkind, _ = classify(tok, ctx)
            if wkind == "integral" and (before_paren or tok[:1].isupper()):
                raise fail(f"the answer contains an unevaluated integral ({tok!r})", codes.UNEVALUATED_INTEGRAL)
            if wkind == "calculus" and (before_paren or tok[:1].isupper()):
                raise fail(f"the answer contains an unevaluated operator ({tok!r})", codes.UNEVALUATED)
            prev = items[-1] if items else None
            after_operator = prev is not None and prev[0] == "math" and prev[3] in "+-*/^(,|" and prev[3] != ""
            if after_operator or _is_math_word(tok, ctx, norm[m.end():].lstrip().startswith("(")):
                items.append(("math", m.start(), m.end(), tok))
            else:
                items.append(("prose", m.start(), m.end(), tok))
            continue
        if kind == "op" and tok == "," and depth <= 0 and norm[m.end():m.end() + 1].isspace():
            items.append(("sep", m.start(), m.end(), tok))
            continue
        if kind == "op":
            depth += tok in "([{"
            depth -= tok in ")]}"
        items.append(("math", m.start(), m.end(), tok))
    if all(kind == "math" for kind, *_ in items):
        return text
    runs: list[tuple[int, int]] = []  # [first item, last item]
    k = 0
    while k < len(items):
        if items[k][0] != "math":
            k += 1
            continue
        j = k
        while j + 1 < len(items) and items[j + 1][0] == "math":
            j += 1
        if any(items[q][3][:1].isalnum() or items[q][3][:1] == "." for q in range(k, j + 1)):
            runs.append((k, j))
        k = j + 1
    if not runs:
        tokenize(text, ctx)  # raises the precise reason for a lone unknown word
        raise fail("no mathematical expression found", codes.NOT_MATH)
    first, last = max(runs, key=lambda r: (r[1] - r[0], r[0]))
    if last + 1 < len(items):
        kind, _, _, word = items[last + 1]
        if kind == "prose" and word.lower() not in _CONNECTORS:
            raise fail(f"unexpected word {word!r} after the expression", codes.NOT_MATH)
    return norm[items[first][1]:items[last][2]].strip()
