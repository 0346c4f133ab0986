"""LaTeX to plain math text (``\\frac{x^3}{3}`` -> ``((x^(3))/(3))``) for the common answer subset.

Commands outside the table raise ``LatexUnsupported``; the caller may then try latex2sympy2_extended.
"""

from __future__ import annotations

import re

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|.", re.S)

FRACTIONS = {"frac", "dfrac", "tfrac", "cfrac"}
BINOMIALS = {"binom", "dbinom", "tbinom"}
SERIES = {"sum", "prod"}  # left to latex2sympy2_extended, which knows how far the summand reaches
FUNCTIONS = {
    "sin": "sin", "cos": "cos", "tan": "tan", "cot": "cot", "sec": "sec", "csc": "csc", "cosec": "csc",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arccot": "acot", "arcsec": "asec", "arccsc": "acsc",
    "arccosec": "acsc", "arcctg": "acot", "sech": "sech", "csch": "csch", "cosech": "csch",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "coth": "coth",
    "arsinh": "asinh", "arcsinh": "asinh", "arcosh": "acosh", "arccosh": "acosh", "artanh": "atanh",
    "arctanh": "atanh", "exp": "exp", "ln": "ln", "tg": "tan", "ctg": "cot", "arctg": "atan",
    "erf": "erf", "sgn": "sgn", "max": "max", "min": "min",
}
WORDS = {  # commands that become a word (constant, Greek letter, unevaluated operator)
    "pi": " pi ", "infty": " oo ", "infin": " oo ", "int": " Integral ", "iint": " Integral ",
    "iiint": " Integral ", "oint": " Integral ", "intop": " Integral ",
    "lim": " Limit ", "partial": " Derivative ", "lfloor": " floor(", "rfloor": ")", "lceil": " ceiling(",
    "rceil": ")",
    "alpha": " alpha ", "beta": " beta ", "gamma": " gamma ", "delta": " delta ", "epsilon": " epsilon ",
    "varepsilon": " epsilon ", "zeta": " zeta ", "eta": " eta ", "theta": " theta ", "vartheta": " theta ",
    "kappa": " kappa ", "lambda": " lambda ", "mu": " mu ", "nu": " nu ", "xi": " xi ", "rho": " rho ",
    "sigma": " sigma ", "tau": " tau ", "phi": " phi ", "varphi": " phi ", "chi": " chi ", "psi": " psi ",
    "omega": " omega ", "Gamma": " gamma ",
}
OPERATORS = {"cdot": "*", "times": "*", "ast": "*", "div": "/", "cdotp": "*"}
SPACES = {
    ",", ";", ":", "!", " ", "quad", "qquad", "displaystyle", "textstyle", "limits", "nolimits", "left",
    "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl",
    "Biggr", "middle", "mathrm{}", "enspace", "thinspace", "negthinspace", "medspace", "thickspace",
    "\n",
}
BARS = {"|", "vert", "lvert", "rvert", "mid", "lVert", "rVert", "Vert"}
TEXT_COMMANDS = {"text", "textrm", "mathrm", "mathit", "mathbf", "operatorname", "textit", "mathsf", "rm",
                 "textbf", "mbox", "boxed", "fbox", "mathnormal", "textnormal"}


class LatexUnsupported(ValueError):
    """A LaTeX command this converter does not know."""


def looks_like_latex(text: str) -> bool:
    """True when ``text`` contains LaTeX markup (a backslash command)."""
    return "\\" in text


def latex_to_plain(text: str) -> str:
    """Convert LaTeX math into plain math text understood by the tokenizer."""
    tokens = _TOKEN.findall(text)
    out, i = _convert(tokens, 0, None)
    if i < len(tokens):
        raise ValueError("unbalanced '}' in LaTeX")
    return out


def _skip_spaces(tokens: list[str], i: int) -> int:
    while i < len(tokens) and tokens[i].isspace():
        i += 1
    return i


def _read_arg(tokens: list[str], i: int) -> tuple[str, int]:
    """One macro argument: a ``{group}``, a command (with its own arguments) or a single character."""
    i = _skip_spaces(tokens, i)
    if i >= len(tokens):
        raise ValueError("a LaTeX command is missing its argument")
    tok = tokens[i]
    if tok == "{":
        inner, j = _convert(tokens, i + 1, "}")
        return inner, j + 1
    if tok.startswith("\\"):
        piece, j = _command(tokens, i)
        return piece, j
    return tok, i + 1


def _convert(tokens: list[str], i: int, stop: str | None) -> tuple[str, int]:
    parts: list[str] = []
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        if stop is not None and tok == stop:
            return "".join(parts), i
        if tok == "}":
            if stop is None:
                raise ValueError("unbalanced '}' in LaTeX")
            return "".join(parts), i
        if tok == "{":
            inner, j = _convert(tokens, i + 1, "}")
            if j >= n:
                raise ValueError("unbalanced '{' in LaTeX")
            parts.append("(" + inner + ")")
            i = j + 1
        elif tok == "^":
            arg, i = _read_arg(tokens, i + 1)
            parts.append("^(" + arg + ")")
        elif tok == "_":
            arg, i = _read_arg(tokens, i + 1)
            clean = arg.strip().strip("()").strip()
            if not re.fullmatch(r"[A-Za-z0-9]+", clean):
                raise ValueError(f"unsupported subscript {arg!r}")
            parts.append("_" + clean)
        elif tok == "~":
            parts.append(" ")
        elif tok.startswith("\\"):
            piece, i = _command(tokens, i)
            parts.append(piece)
        else:
            parts.append(tok)
            i += 1
    if stop is not None:
        raise ValueError(f"unbalanced '{{' in LaTeX (missing {stop!r})")
    return "".join(parts), i


def _command(tokens: list[str], i: int) -> tuple[str, int]:
    name = tokens[i][1:]
    i += 1
    if name in FRACTIONS or name in BINOMIALS:
        num, i = _read_arg(tokens, i)
        den, i = _read_arg(tokens, i)
        return (f" (({num})/({den})) " if name in FRACTIONS else f" binomial(({num}), ({den})) "), i
    if name in SERIES:
        raise LatexUnsupported(f"\\{name} is parsed by the fallback parser")
    if name == "sqrt":
        j = _skip_spaces(tokens, i)
        if j < len(tokens) and tokens[j] == "[":
            k = j + 1
            depth = 0
            while k < len(tokens) and not (tokens[k] == "]" and depth == 0):
                depth += tokens[k] == "{"
                depth -= tokens[k] == "}"
                k += 1
            if k >= len(tokens):
                raise ValueError("unbalanced '[' in \\sqrt")
            index, _ = _convert(tokens[j + 1:k], 0, None)
            arg, i = _read_arg(tokens, k + 1)
            return f" (({arg})^(1/({index}))) ", i
        arg, i = _read_arg(tokens, i)
        return f" sqrt({arg}) ", i
    if name in ("log", "lg"):
        j = _skip_spaces(tokens, i)
        if j < len(tokens) and tokens[j] == "_":
            base, i = _read_arg(tokens, j + 1)
            return f" (1/ln({base}))*ln ", i
        return " log ", i
    if name in FUNCTIONS:
        return f" {FUNCTIONS[name]} ", i
    if name in OPERATORS:
        return OPERATORS[name], i
    if name in WORDS:
        return WORDS[name], i
    if name in SPACES:
        j = _skip_spaces(tokens, i)
        if name in ("left", "right") and j < len(tokens) and tokens[j] == ".":
            return " ", j + 1
        return " ", i
    if name in BARS:
        return "|", i
    if name in ("{", "}", "lbrace", "rbrace", "langle", "rangle", "lbrack", "rbrack", "lparen", "rparen"):
        return ("(" if name in ("{", "lbrace", "langle", "lbrack", "lparen") else ")"), i
    if name in TEXT_COMMANDS:
        arg, i = _read_arg(tokens, i)
        if name in ("boxed", "fbox"):
            return arg, i
        return " " + arg.strip("()") + " ", i
    raise LatexUnsupported(f"unsupported LaTeX command \\{name}")
