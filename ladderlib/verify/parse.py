"""Safe parsing of answers (and, re-exported here, of problems): text -> expression.

``parse_answer`` reads a model's answer for a problem (only the problem's variable and symbols, an added
integration constant dropped); ``parse_expression`` any expression into SymPy. The pipeline itself is
``textgraph.parse_graph``; problems are ``problems.IntegralProblem`` / ``problems.parse_problem``.
Nothing from the input is ever executed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from ladderlib.verify import codes
from ladderlib.verify.codes import ParseError
from ladderlib.verify.expr import Graph, drop_integration_constant
from ladderlib.verify.problems import IntegralProblem, parse_problem
from ladderlib.verify.sympy_bridge import from_sympy, to_sympy
from ladderlib.verify.textgraph import load_latex_fallback, parse_graph
from ladderlib.verify.tokens import DEFAULT_LIMITS, Context, fail

_fail = fail
_SYMPY_BUILD_LIMIT_S = 10.0

__all__ = [
    "ParseError", "IntegralProblem", "ParsedAnswer", "Context", "load_latex_fallback", "parse_expression",
    "parse_problem", "parse_answer", "parse_graph",
]


def parse_expression(text: str, variable: str = "x", symbols: Iterable[str] | None = None, *,
                     strip_constant: bool = False) -> "sympy.Expr":  # noqa: F821
    """Parse plain-math or LaTeX text into a SymPy expression without executing anything.

    ``symbols=None`` accepts any identifier as a parameter symbol; otherwise only those names (and
    ``variable``) are allowed. Raises ``ParseError`` (a ``ValueError``) with a readable message.
    """
    from ladderlib.verify.timelimit import TimeLimitExceeded, time_limit

    ctx = Context(variable=variable, symbols=None if symbols is None else frozenset(symbols),
                  strip_constant=strip_constant)
    g, root, _ = parse_graph(text, ctx)
    try:
        with time_limit(_SYMPY_BUILD_LIMIT_S):
            return to_sympy(g, root)
    except TimeLimitExceeded:
        raise _fail("building the SymPy expression took too long", codes.TIMEOUT) from None


@dataclass
class ParsedAnswer:
    """An answer in the verifier's form plus the expression text that was parsed."""

    graph: Graph
    root: int
    text: str

    @property
    def depends_on_variable(self) -> bool:
        """True unless the answer is a constant expression."""
        return self.graph.dep[self.root]

    def to_sympy(self) -> "sympy.Expr":  # noqa: F821
        """The answer as a SymPy expression (guarded against numeric blow-ups)."""
        return to_sympy(self.graph, self.root)


def parse_answer(text: object, problem: IntegralProblem, *, prose: bool = True,
                 max_chars: int = DEFAULT_LIMITS["max_chars"],
                 max_answer_tokens: int = DEFAULT_LIMITS["max_answer_tokens"],
                 max_depth: int = DEFAULT_LIMITS["max_depth"], max_nodes: int = DEFAULT_LIMITS["max_nodes"],
                 max_digits: int = DEFAULT_LIMITS["max_digits"]) -> ParsedAnswer:
    """Parse a model's answer for ``problem``: only the problem's variable and symbols are allowed and
    an added integration constant (C, c, K, "+ constant") is dropped. Raises ``ParseError``."""
    ctx = Context(variable=problem.variable_name, symbols=problem.symbols, strip_constant=True,
                  max_chars=max_chars, max_answer_tokens=max_answer_tokens, max_depth=max_depth, max_nodes=max_nodes,
                  max_digits=max_digits)
    if not isinstance(text, str):
        import sympy

        if isinstance(text, sympy.Basic):
            g, r = from_sympy(text, ctx.variable, ctx.symbols, strip_constant=True)
            r, _ = drop_integration_constant(g, r)
            return ParsedAnswer(g, r, str(text))
        raise _fail(f"expected text, got {type(text).__name__}", codes.NOT_MATH)
    g, root, body = parse_graph(text, ctx, prose=prose)
    return ParsedAnswer(g, root, body)
