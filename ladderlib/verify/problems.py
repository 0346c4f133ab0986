"""Integration problems: ``IntegralProblem`` (integrand, variable, optional bounds) and ``parse_problem``.

``parse_problem`` reads the forms problems come in: ``x**2*sin(x)``, ``Integrate x^2 sin(x) dx``,
``\\int_0^1 x^2 dx``, ``Integral(x**2, (x, 0, 1))``, ``∫ e^x dx from 0 to 1``. Problems may use sums
and products over an index (``Sum(x**n/factorial(n), (n, 0, oo))``, ``\\sum_{n=0}^{\\infty}``).
"""

from __future__ import annotations

import re

from ladderlib.verify import codes
from ladderlib.verify.expr import SERIES_OPS, Graph
from ladderlib.verify.series import closed_forms
from ladderlib.verify.latex import latex_to_plain, looks_like_latex
from ladderlib.verify.sympy_bridge import from_sympy, to_sympy
from ladderlib.verify.textgraph import parse_graph
from ladderlib.verify.tokens import Context, fail

_fail = fail


class IntegralProblem:
    """An integration problem: integrand (SymPy, built lazily), variable, optional bounds.

    Construct with SymPy objects or text (``IntegralProblem("x**2", "x", 0, 1)``), or via
    ``parse_problem``. ``graph``/``root`` hold the verifier's own form of the integrand.
    """

    __slots__ = ("_integrand", "_variable", "_bounds", "text", "graph", "root", "lower_graph",
                 "upper_graph")

    def __init__(self, integrand: object, variable: object = "x", lower: object = None,
                 upper: object = None, *, text: str | None = None) -> None:
        var = str(variable)
        self._variable = var
        self.text = text
        self._integrand = None
        self._bounds: list[object] = [None, None]  # SymPy forms of the bounds, built on demand
        if isinstance(integrand, str):
            self.graph, self.root, _ = parse_graph(integrand, Context(variable=var))
        else:
            self.graph, self.root = from_sympy(integrand, var)
            self._integrand = integrand
        if SERIES_OPS & set(self.graph.ops):
            self.root = closed_forms(self.graph, self.root)
        self.lower_graph = self._bound(lower)
        self.upper_graph = self._bound(upper)
        if (self.lower_graph is None) != (self.upper_graph is None):
            raise _fail("a definite integral needs both bounds", codes.PROBLEM_ERROR)

    def _bound(self, value: object) -> tuple[Graph, int] | None:
        if value is None:
            return None
        if isinstance(value, (int, float)):
            value = str(value)
        if isinstance(value, str):
            g, r, _ = parse_graph(value, Context(variable=self._variable, allow_infinity=True))
        else:
            g, r = from_sympy(value, self._variable, allow_infinity=True)
        if g.dep[r]:
            raise _fail("an integration bound depends on the integration variable", codes.PROBLEM_ERROR)
        return g, r

    @property
    def integrand(self) -> "sympy.Expr":  # noqa: F821
        """The integrand as a SymPy expression."""
        if self._integrand is None:
            self._integrand = to_sympy(self.graph, self.root)
        return self._integrand

    @property
    def variable(self) -> "sympy.Symbol":  # noqa: F821
        """The integration variable as a SymPy symbol."""
        import sympy

        return sympy.Symbol(self._variable)

    @property
    def variable_name(self) -> str:
        """The integration variable's name."""
        return self._variable

    @property
    def lower(self) -> "sympy.Expr | None":  # noqa: F821
        """Lower bound (SymPy) or None for an indefinite integral."""
        return self._sympy_bound(0)

    @property
    def upper(self) -> "sympy.Expr | None":  # noqa: F821
        """Upper bound (SymPy) or None for an indefinite integral."""
        return self._sympy_bound(1)

    def _sympy_bound(self, k: int) -> object:
        gb = (self.lower_graph, self.upper_graph)[k]
        if gb is not None and self._bounds[k] is None:
            self._bounds[k] = to_sympy(*gb)
        return self._bounds[k]

    @property
    def is_definite(self) -> bool:
        """True when the problem has bounds."""
        return self.lower_graph is not None

    @property
    def symbols(self) -> frozenset[str]:
        """Parameter names in the integrand and bounds (the variable excluded)."""
        out = set(self.graph.names(self.root, "sym"))
        for gb in (self.lower_graph, self.upper_graph):
            if gb is not None:
                out |= gb[0].names(gb[1], "sym")
        return frozenset(out)

    @property
    def functions(self) -> frozenset[str]:
        """Function names used by the integrand."""
        return frozenset(self.graph.functions(self.root))

    def key(self) -> str:
        """A stable identity string (variable, integrand, bounds)."""
        parts = [self._variable, self.graph.to_text(self.root)]
        for gb in (self.lower_graph, self.upper_graph):
            if gb is not None:
                parts.append(gb[0].to_text(gb[1]))
        return "|".join(parts)

    def __repr__(self) -> str:
        bounds = ""
        if self.is_definite:
            bounds = f", {self.lower_graph[0].to_text(self.lower_graph[1])}, "  # type: ignore[index]
            bounds += self.upper_graph[0].to_text(self.upper_graph[1])  # type: ignore[index]
        return f"IntegralProblem({self.graph.to_text(self.root)}, {self._variable}{bounds})"


_INT_MARK = re.compile(r"\\int(?:op)?(?![A-Za-z])|∫")
_WORD_MARK = re.compile(
    r"\b(?:integrate|integral\s+of|anti-?derivative\s+of|primitive\s+of|evaluate|compute|find|calculate)\b[:\s]*",
    re.I,
)
_CALL_FORM = re.compile(r"^\s*(Integral|integrate)\s*\((.*)\)\s*\.?\s*$", re.S)
_DIFFERENTIAL = re.compile(
    r"(?:\\[,;:!]|\\cdot|\*|\s)*"
    r"(?:\\(?:mathrm|operatorname|text)\s*\{\s*d\s*\}|(?<![A-Za-z\\])d)"
    r"\s*(\\theta|θ|[A-Za-z])(?![A-Za-z])"
)
_FROM_TO = re.compile(r"\bfrom\s+(.+?)\s+to\s+(.+?)\s*(?:[.,;]\s*)?$", re.I | re.S)
_WRT = re.compile(r"\b(?:with\s+respect\s+to|wrt\.?|w\.r\.t\.?)\s+([A-Za-z])\b\.?", re.I)
_GUESS_VARIABLES = ("x", "t", "u", "y", "z", "r", "s", "w", "v", "theta")


def _split_top_commas(text: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def _read_bound(text: str, i: int) -> tuple[str, int]:
    """A LaTeX bound after ``_`` or ``^``: ``{...}``, a command like ``\\pi`` or one character (or -digits)."""
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        raise _fail("integral bound missing", codes.PROBLEM_ERROR)
    if text[i] == "{":
        depth = 0
        for k in range(i, len(text)):
            depth += text[k] == "{"
            depth -= text[k] == "}"
            if depth == 0:
                return text[i + 1:k], k + 1
        raise _fail("unbalanced '{' in an integral bound", codes.PROBLEM_ERROR)
    if text[i] == "\\":
        m = re.match(r"\\[A-Za-z]+", text[i:])
        if m:
            return m.group(0), i + m.end()
    m = re.match(r"-?\d+(?:\.\d+)?|.", text[i:])
    return m.group(0), i + m.end()  # type: ignore[union-attr]


def _guess_variable(text: str) -> str:
    words = set(re.findall(r"[^\W\d_]\w*", text))
    for v in _GUESS_VARIABLES:
        if v in words:
            return v
    return "x"


def parse_problem(text: str, variable: str | None = None) -> IntegralProblem:
    """Parse an integration problem: ``x**2*sin(x)``, ``Integrate x^2 sin(x) dx``, ``\\int_0^1 x^2 dx``,
    ``Integral(x**2, (x, 0, 1))``, ``∫ e^x dx from 0 to 1``. Raises ``ParseError``."""
    if not isinstance(text, str):
        raise _fail(f"expected text, got {type(text).__name__}", codes.PROBLEM_ERROR)
    src = text.strip()
    if len(src) > 100_000:
        raise _fail("problem text too long", codes.TOO_LARGE)
    m = _CALL_FORM.match(src)
    if m:
        args = _split_top_commas(m.group(2))
        if len(args) == 1:
            return IntegralProblem(args[0], variable or _guess_variable(args[0]), text=text)
        spec = args[1].strip()
        if spec.startswith("(") and spec.endswith(")"):
            inner = _split_top_commas(spec[1:-1])
            if len(inner) != 3:
                raise _fail("bounds must be (variable, lower, upper)", codes.PROBLEM_ERROR)
            return IntegralProblem(args[0], inner[0], inner[1], inner[2], text=text)
        return IntegralProblem(args[0], spec, text=text)

    body = src
    lower = upper = None
    segs = re.findall(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\[(.+?)\\\]|\\\((.+?)\\\)", body, re.S)
    if segs:
        cands = [next(p for p in s if p) for s in segs]
        with_int = [c for c in cands if _INT_MARK.search(c)]
        body = with_int[-1] if with_int else cands[-1]
    mark = _INT_MARK.search(body)
    marked = False
    if mark:
        marked = True
        rest = body[mark.end():]
        i = 0
        rest = re.sub(r"^\s*\\(?:limits|nolimits|displaystyle)", "", rest)
        for _ in range(2):
            j = i
            while j < len(rest) and rest[j].isspace():
                j += 1
            if j < len(rest) and rest[j] in "_^":
                val, i = _read_bound(rest, j + 1)
                if rest[j] == "_":
                    lower = val
                else:
                    upper = val
        body = rest[i:]
    else:
        wm = _WORD_MARK.search(body)
        if wm:
            marked = True
            body = body[wm.end():]
            body = re.sub(r"^\s*(?:the\s+)?(?:indefinite\s+|definite\s+)?(?:integral|antiderivative)\s*(?:of)?\s*",
                          "", body, flags=re.I)
    ft = _FROM_TO.search(body)
    if ft:
        lower, upper = ft.group(1).strip(), ft.group(2).strip()
        body = body[:ft.start()]
    wrt = _WRT.search(body)
    if wrt:
        variable = wrt.group(1)
        body = body[:wrt.start()] + body[wrt.end():]
    dmatches = list(_DIFFERENTIAL.finditer(body))
    if dmatches:
        dm = dmatches[-1]
        trailing = body[dm.end():].strip()
        if marked or not trailing.strip(" .,;"):
            if not re.fullmatch(r"[\s.,;:!?$]*", trailing):
                raise _fail(f"unexpected text after the differential: {trailing[:40]!r}", codes.PROBLEM_ERROR)
            var = dm.group(1)
            variable = "theta" if var in ("\\theta", "θ") else var
            body = body[:dm.start()]
    body = body.strip().rstrip(".,;:?!").strip()
    if not body:
        raise _fail("no integrand found", codes.PROBLEM_ERROR)
    var = variable or _guess_variable(body)
    if lower is not None and upper is None or upper is not None and lower is None:
        raise _fail("a definite integral needs both bounds", codes.PROBLEM_ERROR)
    if lower is not None and looks_like_latex(lower):
        lower = latex_to_plain(lower)
    if upper is not None and looks_like_latex(upper):
        upper = latex_to_plain(upper)
    return IntegralProblem(body, var, lower, upper, text=text)

