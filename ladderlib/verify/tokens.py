"""The whitelisting tokenizer: numbers, the variable, the problem's symbols, known names, operators.

Every identifier is resolved against the vocabulary (``names.py``) and the problem: anything else is
rejected here with a reason (``not_math``, ``foreign_symbol``, ``unevaluated_integral``, ``non_finite``,
``step_function``, ``too_large``). Nothing is ever executed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

from ladderlib.verify import codes
from ladderlib.verify.codes import ParseError
from ladderlib.verify.names import (
    CALCULUS_WORDS, CONSTANTS, FUNCTION_ARITY, INFINITY_WORDS, INTEGRAL_WORDS, INTEGRATION_CONSTANTS,
    NON_FINITE_WORDS, SERIES_WORDS, UNSUPPORTED_STEP, canonical_function,
)

DEFAULT_LIMITS = {"max_chars": 10_000, "max_answer_tokens": 10_000, "max_depth": 100, "max_nodes": 5_000,
                  "max_digits": 60}
MAX_EXPONENT = 1000  # largest |exponent| of a number in scientific notation (1e-30)


def fail(message: str, code: str = codes.PARSE_ERROR) -> ParseError:
    """A ``ParseError`` to raise."""
    return ParseError(message, code)


@dataclass(frozen=True)
class Context:
    """What the tokenizer may accept: the variable, the allowed parameter symbols (None: any name)."""

    variable: str = "x"
    symbols: frozenset[str] | None = None
    allow_infinity: bool = False
    strip_constant: bool = False
    max_chars: int = DEFAULT_LIMITS["max_chars"]
    max_answer_tokens: int = DEFAULT_LIMITS["max_answer_tokens"]
    max_depth: int = DEFAULT_LIMITS["max_depth"]
    max_nodes: int = DEFAULT_LIMITS["max_nodes"]
    max_digits: int = DEFAULT_LIMITS["max_digits"]

    @property
    def lenient(self) -> bool:
        """True when any identifier may become a parameter symbol (problems, ``parse_expression``)."""
        return self.symbols is None


_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾", "0123456789-+()")
_SUPERSCRIPT_RUN = re.compile(r"[⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺⁽⁾]+")
_UNICODE = str.maketrans({
    "√": " sqrt ", "∞": " oo ", "∫": " Integral ", "·": "*", "⋅": "*", "∙": "*", "×": "*", "∗": "*",
    "−": "-", "–": "-", "—": "-", "÷": "/", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\t": " ",
    "\n": " ", "\r": " ", "ℯ": "e", "ⅈ": "i", "⌊": " floor(", "⌋": ")", "⌈": " ceiling(", "⌉": ")",
})
TOKEN_RE = re.compile(
    r"(?P<ws>\s+)|(?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)|(?P<name>[^\W\d_]\w*)"
    r"|(?P<op>\*\*|[-+*/^(),|!\[\]{}])"
)
# Characters a prose answer may also contain (sentence punctuation); anything else is not math.
PROSE_PUNCT = re.compile(r"[.:?<>=≤≥≠]")


def normalize_unicode(text: str) -> str:
    """Map unicode math (superscripts, √, π, ×, −, ∫ ...) to the ASCII the tokenizer reads."""
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^(" + m.group(0).translate(_SUPERSCRIPTS) + ")", text)
    return text.translate(_UNICODE)


class Tok(NamedTuple):
    """One token: its kind and (canonical) text."""

    kind: str  # num var sym const func series intc op lp rp comma bar bang
    value: str


def classify(word: str, ctx: Context) -> tuple[str, str]:
    """(kind, canonical) for an identifier, without raising. Kinds: var sym func const intc nonfinite
    integral calculus unsupported unknown."""
    if word == ctx.variable:
        return "var", word
    if ctx.symbols is not None and word in ctx.symbols:
        return "sym", word
    if word in INTEGRAL_WORDS:
        return "integral", word
    if word in CALCULUS_WORDS:
        return "calculus", word
    if word in UNSUPPORTED_STEP:
        return "unsupported", word
    fn = canonical_function(word)
    if fn is not None:
        return "func", fn
    if word in CONSTANTS:
        return "const", CONSTANTS[word]
    if word in NON_FINITE_WORDS:
        return "nonfinite", word
    if ctx.strip_constant and word in INTEGRATION_CONSTANTS:
        return "intc", word
    return "unknown", word


def split_word(word: str, ctx: Context) -> list[tuple[str, str]] | None:
    """Split a run of letters into known pieces (``xsin`` -> x, sin); None when impossible."""
    pieces: list[str] = [ctx.variable, "pi", "e"]
    if ctx.symbols:
        pieces.extend(s for s in ctx.symbols if s.isalpha())
    pieces.extend(n for n in FUNCTION_ARITY if n.isalpha() and len(n) > 1)
    pieces.extend(["ln", "arcsin", "arccos", "arctan", "arcsec", "arccsc", "arccot"])
    pieces = sorted(set(p for p in pieces if p), key=len, reverse=True)
    memo: dict[int, list[str] | None] = {}

    def solve(pos: int) -> list[str] | None:
        if pos == len(word):
            return []
        if pos in memo:
            return memo[pos]
        result = None
        for p in pieces:
            if word.startswith(p, pos):
                rest = solve(pos + len(p))
                if rest is not None:
                    result = [p, *rest]
                    break
        memo[pos] = result
        return result

    if not word.isalpha() or len(word) > 40:
        return None
    parts = solve(0)
    if parts is None or len(parts) < 2:
        return None
    return [classify(p, ctx) for p in parts]


def _resolve(word: str, ctx: Context, before_paren: bool) -> list[Tok]:
    kind, value = classify(word, ctx)
    if kind == "integral":
        raise fail(f"the answer contains an unevaluated integral ({word!r})", codes.UNEVALUATED_INTEGRAL)
    if kind == "calculus":
        if word in SERIES_WORDS:
            if ctx.lenient:
                return [Tok("series", SERIES_WORDS[word])]
            raise fail(f"the answer contains an unevaluated {SERIES_WORDS[word]} ({word!r}): give a closed form",
                       codes.UNEVALUATED)
        raise fail(f"the answer contains an unevaluated operator ({word!r})", codes.UNEVALUATED)
    if kind == "unsupported":
        raise fail(f"{word!r} (a piecewise/step function) is not accepted", codes.STEP_FUNCTION)
    if kind == "nonfinite":
        if (ctx.allow_infinity or ctx.lenient) and word in INFINITY_WORDS:
            return [Tok("const", "oo")]  # in a problem the grammar allows it only as a bound
        raise fail(f"the expression contains a non-finite value ({word!r})", codes.NON_FINITE)
    if kind != "unknown":
        return [Tok(kind, value)]
    split = split_word(word, ctx)
    if split is not None and all(k in ("var", "sym", "func", "const") for k, _ in split):
        if ctx.lenient and not any(k in ("var", "func") for k, _ in split):
            split = None  # in a problem, "ab" is one parameter named ab (SymPy convention)
        if split is not None:
            return [Tok(k, v) for k, v in split]
    if ctx.lenient:
        if before_paren:
            raise fail(f"unknown function {word!r}", codes.NOT_MATH)
        return [Tok("sym", word)]
    if len(word) == 1 or re.fullmatch(r"[^\W\d_](_?\d+)?|[^\W\d_]{2}", word):
        what = "function" if before_paren else "symbol"
        raise fail(f"{what} {word!r} does not occur in the problem", codes.FOREIGN_SYMBOL)
    raise fail(f"unknown name {word!r}", codes.NOT_MATH)


_PAREN_AHEAD = re.compile(r"\s*\(")
_OP_TOKENS = {
    "^": Tok("op", "**"), "**": Tok("op", "**"), "(": Tok("lp", "("), "[": Tok("lp", "("), "{": Tok("lp", "("),
    ")": Tok("rp", ")"), "]": Tok("rp", ")"), "}": Tok("rp", ")"), ",": Tok("comma", ","),
    "|": Tok("bar", "|"), "!": Tok("bang", "!"), "+": Tok("op", "+"), "-": Tok("op", "-"),
    "*": Tok("op", "*"), "/": Tok("op", "/"),
}


def tokenize(text: str, ctx: Context) -> list[Tok]:
    """Whitelisting tokenizer; raises ``ParseError`` with a code for anything not allowed."""
    text = normalize_unicode(text)
    toks: list[Tok] = []
    resolved: dict[tuple[str, bool], list[Tok]] = {}
    pos = 0
    depth = 0
    max_depth, max_digits = ctx.max_depth, ctx.max_digits
    n = len(text)
    match = TOKEN_RE.match
    while pos < n:
        m = match(text, pos)
        if m is None:
            ch = text[pos]
            raise fail(f"character {ch!r} is not allowed in a math expression", codes.NOT_MATH)
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        s = m.group(0)
        if kind == "op":
            tok = _OP_TOKENS[s]
            if tok.kind == "lp":
                depth += 1
                if depth > max_depth:
                    raise fail(f"brackets nested deeper than {max_depth}", codes.TOO_LARGE)
            elif tok.kind == "rp":
                depth -= 1
            toks.append(tok)
        elif kind == "num":
            mantissa = s
            if "e" in s or "E" in s:
                mantissa, _, exponent = s.lower().partition("e")
                if abs(int(exponent)) > MAX_EXPONENT:
                    raise fail(f"number literal {s!r} has an exponent beyond ±{MAX_EXPONENT}", codes.TOO_LARGE)
            if len(mantissa) - mantissa.count(".") > max_digits:
                raise fail(f"number literal with more than {max_digits} digits", codes.TOO_LARGE)
            toks.append(Tok("num", s))
        else:
            key = (s, _PAREN_AHEAD.match(text, pos) is not None)
            found = resolved.get(key)
            if found is None:
                found = resolved[key] = _resolve(s, ctx, key[1])
            toks.extend(found)
        if len(toks) > ctx.max_answer_tokens:
            raise fail(f"expression longer than {ctx.max_answer_tokens} tokens", codes.TOO_LARGE)
    if not toks:
        raise fail("empty expression", codes.NOT_MATH)
    return toks
