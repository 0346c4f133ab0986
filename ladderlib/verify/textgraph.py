"""Text -> expression graph: the safe parsing pipeline shared by problems and answers.

Nothing from the input is ever executed (no ``eval``, no ``sympify``). The pipeline is

1. markup removal (``<answer>``, ``\\boxed{}``, ``$...$``, see ``extract.py``), then program code is
   rejected (``code_answers.py``), then ``lhs = rhs`` is cut to its right-hand side and LaTeX becomes
   plain text (``latex.py``);
2. the whitelisting tokenizer (``tokens.py``): numbers, the variable, the problem's symbols, known
   function names and constants, operators; anything else is rejected with a reason;
3. an operator-precedence parser over those tokens (``grammar.py``) that builds the expression graph
   directly, including the juxtaposition models write (``2x sin x``, ``sin^2 x``, ``ln|x|``);
4. if the text is a sentence, the expression inside it (``prose.py``) goes through steps 2-3.

LaTeX outside the built-in subset falls back to latex2sympy2_extended (SymPy evaluation switched off,
under a time limit), whose output goes through the same whitelist (``sympy_bridge.from_sympy``).
"""

from __future__ import annotations

import re

from ladderlib.verify import codes
from ladderlib.verify.codes import ParseError
from ladderlib.verify.code_answers import reject_code
from ladderlib.verify.expr import Graph, drop_integration_constant
from ladderlib.verify.extract import extract_markup, split_equation
from ladderlib.verify.grammar import build_graph
from ladderlib.verify.latex import LatexUnsupported, latex_to_plain, looks_like_latex
from ladderlib.verify.prose import select_math
from ladderlib.verify.sympy_bridge import from_sympy
from ladderlib.verify.tokens import Context, fail, tokenize

_fail = fail


def load_latex_fallback() -> object | None:
    """Import latex2sympy2_extended (slow: seconds) ahead of any time-limited work; None if missing.

    Imports must never run under a SIGALRM limit: an interrupted import leaves modules half-built.
    """
    try:
        from latex2sympy2_extended import latex2sympy
    except ImportError:  # pragma: no cover
        return None
    return latex2sympy


def _latex_fallback(text: str, ctx: Context) -> tuple[Graph, int]:
    """latex2sympy2_extended for LaTeX outside the built-in subset (evaluation off, time-limited)."""
    import sympy

    from ladderlib.verify.timelimit import TimeLimitExceeded, time_limit

    latex2sympy = load_latex_fallback()
    if latex2sympy is None:  # pragma: no cover
        raise _fail("unsupported LaTeX (latex2sympy2_extended is not installed)")
    if ctx.strip_constant:
        text = re.sub(r"[+-]\s*(?:C|K|c)(?:_\{?\d+\}?)?\s*$", "", text)
    try:
        with time_limit(4.0), sympy.evaluate(False):
            expr = latex2sympy(text)
    except TimeLimitExceeded:
        raise _fail("LaTeX parsing timed out", codes.TIMEOUT) from None
    except Exception as exc:  # the fallback parser's own errors
        raise _fail(f"cannot parse LaTeX: {str(exc)[:200]}") from None
    if not isinstance(expr, sympy.Expr):
        raise _fail(f"not an expression: {type(expr).__name__}", codes.NOT_MATH)
    names = None if ctx.symbols is None else set(ctx.symbols)
    return from_sympy(expr, ctx.variable, names, allow_infinity=ctx.allow_infinity,
                      strip_constant=ctx.strip_constant)


def _plain_to_graph(text: str, ctx: Context) -> tuple[Graph, int]:
    return build_graph(tokenize(text, ctx), ctx)


def parse_graph(text: str, ctx: Context, *, prose: bool = False) -> tuple[Graph, int, str]:
    """Parse ``text`` into (graph, root, the expression text actually parsed) under ``ctx``."""
    if not isinstance(text, str):
        raise _fail(f"expected text, got {type(text).__name__}", codes.NOT_MATH)
    if len(text) > ctx.max_chars * 10:
        raise _fail(f"input longer than {ctx.max_chars * 10} characters", codes.TOO_LARGE)
    try:
        body = extract_markup(text)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    reject_code(body)
    body = split_equation(body)
    if len(body) > ctx.max_chars:
        raise _fail(f"expression longer than {ctx.max_chars} characters", codes.TOO_LARGE)
    if not body.strip():
        raise _fail("empty answer", codes.NOT_MATH)
    graph: tuple[Graph, int] | None = None
    if looks_like_latex(body):
        try:
            body = latex_to_plain(body)
        except LatexUnsupported:
            graph = _latex_fallback(body, ctx)
        except ValueError as exc:
            raise _fail(str(exc)) from None
    if graph is None:
        try:
            graph = _plain_to_graph(body, ctx)
        except ParseError as exc:
            # maybe a sentence around the expression ("The integral is ... + C.")
            if not prose or exc.code not in (codes.NOT_MATH, codes.FOREIGN_SYMBOL, codes.PARSE_ERROR):
                raise
            selected = select_math(body, ctx)
            if selected == body:
                raise
            body = selected
            graph = _plain_to_graph(body, ctx)
    g, root = graph
    if ctx.strip_constant:
        root, _ = drop_integration_constant(g, root)
    if len(g) > ctx.max_nodes:
        raise _fail(f"expression has more than {ctx.max_nodes} distinct parts", codes.TOO_LARGE)
    if g.depth[root] > 2 * ctx.max_depth:
        raise _fail(f"expression nested deeper than {2 * ctx.max_depth}", codes.TOO_LARGE)
    return g, root, body.strip()

