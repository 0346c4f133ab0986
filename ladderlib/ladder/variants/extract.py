"""Pull candidate integrands out of messy model text.

Order of preference: (1) the requested ``<variant>...</variant>`` tags (an unclosed tag runs to the
end of its line); (2) otherwise integral notation anywhere (``∫ f dx``, ``\\int f \\, dx``,
``integrate f dx``, ``integral of f dx``); (3) otherwise lines that look like a bare formula, after
stripping list markers ("1.", "-", "Variant 2:") and a leading ``f(x) =``.

Each candidate is lightly cleaned — ``$``/backticks/quotes, trailing ``dx`` and punctuation removed,
common LaTeX (``\\frac``, ``\\sqrt``, ``\\sin``, ``^{...}``, ``\\cdot``) turned into plain syntax — but
never evaluated: parsing is the safe parser's job. Text in (3) must look like math (only operators,
digits, known function names and the variable), so prose is not counted as a proposal.
"""

from __future__ import annotations

import re

FUNCTION_WORDS = frozenset({
    "sin", "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh", "coth", "asin", "acos", "atan",
    "arcsin", "arccos", "arctan", "asinh", "acosh", "atanh", "log", "ln", "exp", "sqrt", "abs", "pi", "e", "E",
})
_TAG = re.compile(r"<\s*variant\s*\d*\s*>(.*?)(?:<\s*/\s*variant\s*\d*\s*>|$)", re.IGNORECASE | re.MULTILINE)
_LIST_MARKER = re.compile(
    r"^\s*(?:[-*•·>]+\s*|\(?\d{1,2}[.):]\s+|\(?[a-z][.)]\s+"
    r"|(?:variant|integral|problem|example|answer)\s*\d*\s*[:.)-]\s*)",
    re.IGNORECASE,
)
_LHS_LABEL = re.compile(r"^\s*(?:[a-zA-Z]\w*\s*\(\s*[a-zA-Z]\s*\)|[a-zA-Z]\w*)\s*=\s*")
_MATH_CHARS = re.compile(r"^[\w\s+\-*/^().,\[\]{}|]*$")
_WORD = re.compile(r"[A-Za-z_]+")


def _integral_patterns(variable: str) -> re.Pattern[str]:
    v = re.escape(variable)
    return re.compile(
        r"(?:∫|\\int(?![A-Za-z])|\bintegrate\b|\bintegral\s+of\b)\s*(?:_\{?[^\s{}]*\}?\^\{?[^\s{}]*\}?)?"
        rf"(.+?)\s*(?:\\[,;!]\s*)*(?:\\mathrm\{{d\}}|d)\s*{v}\b",
        re.IGNORECASE,
    )


_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_SQRT = re.compile(r"\\sqrt\s*\{([^{}]*)\}")
_SUPERSCRIPT = re.compile(r"\^\s*\{([^{}]*)\}")
_FUNC_BRACE = re.compile(r"\b(" + "|".join(sorted(FUNCTION_WORDS, key=len, reverse=True)) + r")\s*\{([^{}]*)\}")


def _replace_braces(s: str) -> str:
    """Rewrite ``\\frac{a}{b}``, ``\\sqrt{a}``, ``^{a}`` innermost first, until nothing changes."""
    for _ in range(20):
        new = _FRAC.sub(r"((\1)/(\2))", s)
        new = _SQRT.sub(r"sqrt(\1)", new)
        new = _SUPERSCRIPT.sub(r"**(\1)", new)
        new = _FUNC_BRACE.sub(r"\1(\2)", new)
        if new == s:
            break
        s = new
    return s


def clean_candidate(text: str, variable: str = "x") -> str:
    """Strip markup and notation around one proposed integrand (no evaluation, string work only)."""
    s = text.strip()
    s = re.sub(r"\\\(|\\\)|\\\[|\\\]|\$+|`+", " ", s)
    s = s.replace("\\left", "").replace("\\right", "").replace("\\cdot", "*").replace("\\times", "*")
    s = s.replace("·", "*").replace("×", "*").replace("−", "-").replace("∫", " ")
    s = re.sub(r"\\operatorname\{(\w+)\}", r"\1", s)
    s = re.sub(r"\\([A-Za-z]+)", lambda m: m.group(1) if m.group(1) in FUNCTION_WORDS else m.group(0), s)
    s = _replace_braces(s)
    s = s.replace("{", "(").replace("}", ")")
    s = re.sub(r"[\s.,;:!?]+$", "", s)
    s = re.sub(r"(?:\\[,;!]|\s)*(?:\\mathrm\(d\)|\bd)\s*" + re.escape(variable) + r"\s*$", "", s)
    if "=" in s:
        m = _LHS_LABEL.match(s)
        s = s[m.end():] if m else s.split("=", 1)[0]
    s = s.strip().strip("\"'“”‘’").strip()
    s = re.sub(r"[\s.,;:!?]+$", "", s)
    return s.strip()


def looks_like_math(text: str, variable: str = "x") -> bool:
    """True when ``text`` is only operators, digits, known function names and ``variable``."""
    if not text or not _MATH_CHARS.match(text):
        return False
    words = _WORD.findall(text)
    if variable not in words and not any(variable in w for w in words):
        return False
    return all(w in FUNCTION_WORDS or w == variable or re.fullmatch(rf"(?:{re.escape(variable)})+", w) for w in words)


def extract_candidates(text: str, variable: str = "x", max_candidates: int = 32) -> list[str]:
    """Candidate integrand strings in ``text`` (deduplicated, in order of appearance)."""
    found: list[str] = []
    tags = [m.group(1) for m in _TAG.finditer(text)]
    if tags:
        for t in tags:
            inner = _integral_patterns(variable).search(t)
            found.append(clean_candidate(inner.group(1) if inner else t, variable))
    else:
        integrals = [m.group(1) for m in _integral_patterns(variable).finditer(text)]
        if integrals:
            found += [clean_candidate(t, variable) for t in integrals]
        else:
            for line in text.splitlines():
                line = _LIST_MARKER.sub("", line, count=1)
                c = clean_candidate(line, variable)
                if looks_like_math(c, variable):
                    found.append(c)
    out: list[str] = []
    for c in found:
        if c and c not in out:
            out.append(c)
    return out[:max_candidates]
