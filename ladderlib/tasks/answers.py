"""Final-answer extraction from model text, number normalisation, and answer comparison.

Extraction order (first rule that yields something wins):

1. the last ``####`` marker (GSM8K style), text up to the end of that line;
2. the last ``\\boxed{...}`` or ``<answer>...</answer>`` (whichever comes later in the text);
3. the last "The answer is ..." / "Final answer: ..." / "Answer: ..." phrase, up to the end of the line;
4. the last number anywhere in the text (GSM8K ``<<calc>>`` annotations are ignored).

Inside a marked span the answer is the first number after the last ``=`` (so ``#### 9 * 2 = 18``
gives ``18`` and ``The answer is 18 eggs.`` gives ``18``). Numbers are normalised: thousands
commas, ``$``, LaTeX wrappers (``\\text``, ``\\frac``, ``{,}``), units and words after the number
and trailing periods are dropped; ``3.0`` becomes ``3``; fractions stay ``3/4``; a percentage is
kept *as written*, i.e. ``50%`` becomes ``50`` (GSM8K golds write percentages without the sign).
Spans that are not plain numbers (``2\\sqrt{3}``, ``x^2``) are returned cleaned and left to
Math-Verify.
"""

from __future__ import annotations

import re
import threading
from fractions import Fraction

__all__ = [
    "answers_match",
    "extract_answer",
    "gsm8k_gold",
    "normalize_answer",
    "normalize_number",
    "to_number",
]

# --- number grammar -----------------------------------------------------------------------------

_INT = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)"
_DEC = rf"(?:{_INT}(?:\.\d+)?|\.\d+)"
# A leading minus counts only when it is not a binary minus ("10-3" is not "-3").
_NUMBER_RE = re.compile(rf"(?:(?<![\w)\].])-)?{_DEC}(?:\s*/\s*{_DEC})?(?:\s*%)?")
_PLAIN_NUMBER_RE = re.compile(rf"^\s*-?{_DEC}(?:\s*/\s*{_DEC})?\s*%?\s*$")

_MARKER_RE = re.compile(r"####")
_ANSWER_TAG_RE = re.compile(r"<answer>(.*?)(?:</answer>|$)", re.IGNORECASE | re.DOTALL)
_ANSWER_IS_RE = re.compile(
    r"(?:final\s+answer|the\s+answer|answer)\s*(?:is|was|would\s+be|will\s+be|:|=)\s*:?\s*",
    re.IGNORECASE,
)
_CALC_RE = re.compile(r"<<[^<>]*>>")
_FRAC_RE = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_TEXT_RE = re.compile(r"\\(?:text|textbf|mathrm|mbox|textit|operatorname)\s*\{([^{}]*)\}")
_MATHY_RE = re.compile(r"\\[a-zA-Z]+|\^|sqrt|\bpi\b")


def _clean(text: str) -> str:
    """Remove formatting that hides numbers: LaTeX wrappers, ``$``, unicode minus, markdown bold."""
    s = text.replace("\u2212", "-").replace("\u2013", "-").replace("\u00a0", " ")
    s = s.replace("{,}", ",").replace("\\!", "").replace("\\,", "").replace("\\;", " ").replace("\\ ", " ")
    s = s.replace("\\%", "%").replace("\\$", "$").replace("\\left", "").replace("\\right", "")
    for _ in range(3):  # nested \text{\frac{..}{..}} and the like
        s = _TEXT_RE.sub(r"\1", s)
        s = _FRAC_RE.sub(r"(\1)/(\2)", s)
    s = re.sub(r"\((\s*-?[\d.,]+\s*)\)", r"\1", s)  # "(3)/(4)" -> "3/4"
    s = s.replace("$", "").replace("**", "").replace("\\(", "").replace("\\)", "")
    s = s.replace("\\[", "").replace("\\]", "")
    return s


def _last_boxed(text: str) -> tuple[int, str] | None:
    """Return (start index, content) of the last ``\\boxed{...}`` / ``\\fbox{...}`` with balanced braces."""
    best = None
    for m in re.finditer(r"\\(?:boxed|fbox)\s*\{", text):
        depth, i = 1, m.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        content = text[m.end() : i - 1] if depth == 0 else text[m.end() :]
        best = (m.start(), content)
    return best


def normalize_number(s: str) -> str:
    """Canonical string for one number token: no commas/``$``/``%``/spaces, ``3.50`` → ``3.5``, ``3.0`` → ``3``."""
    s = s.strip().replace(",", "").replace("$", "").replace("%", "").replace(" ", "")
    if "/" in s:
        num, den = s.split("/", 1)
        return f"{normalize_number(num)}/{normalize_number(den)}"
    neg = s.startswith("-")
    s = s.lstrip("-")
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    if s.startswith("."):
        s = "0" + s
    s = s.lstrip("0") or "0"
    if s.startswith("."):
        s = "0" + s
    return "-" + s if neg and s != "0" else s


def to_number(s: str | None) -> Fraction | None:
    """Parse a normalised answer (``"1234"``, ``"-2.5"``, ``"3/4"``) into an exact ``Fraction``; ``None`` if not a number."""
    if s is None or not _PLAIN_NUMBER_RE.match(s):
        return None
    s = normalize_number(s)
    try:
        if "/" in s:
            num, den = s.split("/", 1)
            d = Fraction(den)
            return None if d == 0 else Fraction(num) / d
        return Fraction(s)
    except (ValueError, ZeroDivisionError):
        return None


def _from_span(span: str) -> str | None:
    """Answer inside a marked span: first number after the last ``=``, else the cleaned span for Math-Verify."""
    boxed = _last_boxed(span)
    if boxed is not None:
        span = boxed[1]
    s = _clean(span).strip()
    if not s:
        return None
    tail = s.rsplit("=", 1)[-1].strip() or s
    if _MATHY_RE.search(tail) and not _PLAIN_NUMBER_RE.match(tail):
        return tail.strip(" .")
    m = _NUMBER_RE.search(tail) or _NUMBER_RE.search(s)
    if m:
        return normalize_number(m.group(0))
    tail = tail.strip(" .:")
    return tail or None


def extract_answer(text: str | None) -> str | None:
    """Extract the final answer from model text (see module docstring for the rules); ``None`` if nothing found."""
    if not text:
        return None
    # 1. GSM8K marker: last "####", up to the end of that line.
    markers = list(_MARKER_RE.finditer(text))
    for m in reversed(markers):
        line = text[m.end() :].split("\n", 1)[0]
        ans = _from_span(line)
        if ans is not None:
            return ans
    # 2. \boxed{} or <answer>...</answer>, whichever is last in the text.
    candidates: list[tuple[int, str]] = []
    boxed = _last_boxed(text)
    if boxed is not None:
        candidates.append(boxed)
    tags = list(_ANSWER_TAG_RE.finditer(text))
    if tags:
        candidates.append((tags[-1].start(), tags[-1].group(1)))
    for _, content in sorted(candidates, key=lambda c: c[0], reverse=True):
        ans = _from_span(content)
        if ans is not None:
            return ans
    # 3. "The answer is ...", up to the end of the line.
    cleaned = _clean(_CALC_RE.sub(" ", text))
    for m in reversed(list(_ANSWER_IS_RE.finditer(cleaned))):
        line = cleaned[m.end() :].split("\n", 1)[0]
        nm = _NUMBER_RE.search(line.rsplit("=", 1)[-1]) or _NUMBER_RE.search(line)
        if nm:
            return normalize_number(nm.group(0))
    # 4. Last number in the text.
    numbers = _NUMBER_RE.findall(cleaned)
    return normalize_number(numbers[-1]) if numbers else None


def normalize_answer(ans: str | None) -> str | None:
    """Normalise an answer string for comparison: plain numbers canonicalised, anything else cleaned and stripped."""
    if ans is None:
        return None
    s = _clean(str(ans)).strip().rstrip(".").strip()
    if not s:
        return None
    if _PLAIN_NUMBER_RE.match(s):
        return normalize_number(s)
    return s


def gsm8k_gold(answer_field: str) -> str:
    """The gold answer of a GSM8K row: the text after the last ``####``, stripped, commas removed."""
    if "####" not in answer_field:
        raise ValueError(f"GSM8K answer has no '####' marker: {answer_field[-80:]!r}")
    return answer_field.rsplit("####", 1)[1].strip().replace(",", "")


def _math_verify(gold: str, predicted: str) -> bool | None:
    """Math-Verify comparison; ``None`` when it cannot decide (import/parse failure or nothing parsed)."""
    try:
        from math_verify import parse, verify
    except ImportError:  # pragma: no cover - dependency is declared
        return None
    in_main = threading.current_thread() is threading.main_thread()
    timeout = 5 if in_main else None  # signal-based timeouts only work in the main thread
    try:
        g = parse(f"${gold}$", parsing_timeout=timeout)
        p = parse(f"${predicted}$", parsing_timeout=timeout)
        if not g or not p:
            return None
        return bool(verify(g, p, timeout_seconds=timeout))
    except Exception:  # noqa: BLE001 - Math-Verify raises a zoo of sympy errors
        return None


def answers_match(predicted: str | None, gold: str, rel_tol: float = 1e-6) -> bool:
    """True if ``predicted`` equals ``gold``: exact numbers when both are numeric, else Math-Verify, else string equality."""
    p, g = normalize_answer(predicted), normalize_answer(gold)
    if p is None or g is None:
        return False
    if p == g:
        return True
    pn, gn = to_number(p), to_number(g)
    if pn is not None and gn is not None:
        return abs(pn - gn) <= rel_tol * max(1, abs(gn))
    mv = _math_verify(g, p)
    if mv is not None:
        return mv
    return p.replace(" ", "").lower() == g.replace(" ", "").lower()
