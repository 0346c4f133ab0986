"""Tokens -> expression graph: a small operator-precedence parser (no ``eval``, no Python parser).

Grammar (Python's precedence for the operators, plus the juxtaposition models write)::

    sum      := product (('+' | '-') product)*
    product  := unary (('*' | '/' | <juxtaposition>) unary)*
    unary    := ('+' | '-')* power
    power    := postfix ('**' unary)*          right-associative: x**2**3 = x**(2**3), -x**2 = -(x**2)
    postfix  := operand '!'*
    operand  := number | name | '(' sum ')' | '|' sum '|' | application
    application := func ['**' exponent] ( '(' args ')' | implicit-argument )

``sin^2 x`` is ``sin(x)**2``, ``tan^-1 x`` is ``atan(x)``, ``sin 2x cos x`` is ``sin(2*x)*cos(x)``
(an implicit argument is the juxtaposed operands up to an operator or the next function).
Loops are iterative wherever input length could otherwise exhaust the Python stack; nesting depth
is bounded by the tokenizer.
"""

from __future__ import annotations

from fractions import Fraction

from ladderlib.verify import codes
from ladderlib.verify.expr import Graph
from ladderlib.verify.names import FUNCTION_ARITY, INVERSE
from ladderlib.verify.tokens import Context, Tok, fail

_OPERAND_START = frozenset({"num", "var", "sym", "const", "intc", "func", "series", "lp", "bar"})
_SIGNS = frozenset({"+", "-"})


class _Tuple:
    """A parenthesised comma list (only valid as an argument of ``hyper``)."""

    __slots__ = ("items",)

    def __init__(self, items: list[int]) -> None:
        self.items = items


class GraphParser:
    """Parse a token list into a ``Graph``; raises ``ParseError``."""

    def __init__(self, toks: list[Tok], ctx: Context) -> None:
        self.t = toks
        self.n = len(toks)
        # one code per token (the operator itself for "op" tokens, else the kind) and an end sentinel
        self.c = [tok.value if tok.kind == "op" else tok.kind for tok in toks] + ["end"]
        self.i = 0
        self.g = Graph(ctx.variable)
        self.ctx = ctx
        self._in_bounds = 0  # > 0 while parsing the bounds of a Sum/Product (where oo is allowed)

    # --- helpers --------------------------------------------------------------------------------
    def _at(self, kind: str, value: str | None = None) -> bool:
        return self.c[self.i] == (value if kind == "op" else kind)

    def _starts_operand(self) -> bool:
        return self.c[self.i] in _OPERAND_START

    def parse(self) -> int:
        """The root id of the whole token list."""
        root = self.sum()
        if self.i < self.n:
            tok = self.t[self.i]
            if tok.kind == "rp":
                raise fail("unbalanced ')'")
            if tok.kind == "comma":
                raise fail("unexpected ','")
            raise fail(f"unexpected {tok.value!r}")
        return root

    # --- precedence levels ----------------------------------------------------------------------
    def sum(self) -> int:
        """``product (+|- product)*`` as one n-ary sum."""
        c = self.c
        terms = [self.product()]
        while c[self.i] in _SIGNS:
            negative = c[self.i] == "-"
            self.i += 1
            term = self.product()
            terms.append(self.g.neg(term) if negative else term)
        return terms[0] if len(terms) == 1 else self.g.add(*terms)

    def product(self) -> int:
        """``unary ((*|/|juxtaposition) unary)*`` as one n-ary product."""
        c = self.c
        factors = [self.unary()]
        while True:
            code = c[self.i]
            if code == "*" or code == "/":
                self.i += 1
                factor = self.unary()
                factors.append(self.g.inv(factor) if code == "/" else factor)
            elif code in _OPERAND_START and (code != "bar" or not self._bar_depth):
                factors.append(self.unary())  # juxtaposition: 2x, x sin x, (x+1)(x-1), 2|x|
            else:
                break
        return factors[0] if len(factors) == 1 else self.g.mul(*factors)

    _bar_depth = 0  # open |...| waiting for their closing bar (a '|' after an operand closes one)

    def _signs(self) -> bool:
        """Consume leading +/- signs; True when they make a negation."""
        c = self.c
        negative = False
        while c[self.i] in _SIGNS:
            negative ^= c[self.i] == "-"
            self.i += 1
        return negative

    def unary(self) -> int:
        """Leading signs, then a power."""
        negative = self._signs() if self.c[self.i] in _SIGNS else False
        value = self.power()
        return self.g.neg(value) if negative else value

    def power(self) -> int:
        """Right-associative ``**`` chain (an exponent may carry its own signs)."""
        c = self.c
        base = self.postfix()
        if c[self.i] != "**":
            return base
        bases = [base]
        signs: list[bool] = []
        while c[self.i] == "**":
            self.i += 1
            negative = self._signs()
            if c[self.i] not in _OPERAND_START:
                raise fail("'^' without an exponent")
            bases.append(self.postfix())
            signs.append(negative)
        value = bases[-1]
        for k in range(len(bases) - 2, -1, -1):
            exponent = self.g.neg(value) if signs[k] else value
            value = self._pow(bases[k], exponent)
        return value

    def postfix(self) -> int:
        """An operand followed by factorial marks."""
        value = self.operand()
        while self.c[self.i] == "bang":
            self.i += 1
            value = self.g.func("factorial", (value,))
        return value

    def _pow(self, base: int, exponent: int) -> int:
        g = self.g
        if g.ops[base] == "const" and g.data[base] == "E":
            return g.func("exp", (exponent,))
        return g.pow(base, exponent)

    # --- operands -------------------------------------------------------------------------------
    def operand(self) -> int:
        """A number, a name, a group, |...| or a function application."""
        if self.i >= self.n:
            raise fail("expression ends where an operand is expected")
        tok = self.t[self.i]
        k = self.c[self.i]
        g = self.g
        if k == "num":
            self.i += 1
            v = tok.value
            if "." in v or "e" in v or "E" in v:
                return g.flt(v)
            return g.num(int(v))
        if k == "var":
            self.i += 1
            return g.var()
        if k == "sym":
            self.i += 1
            return g.sym(tok.value)
        if k == "const":
            self.i += 1
            if tok.value == "oo" and not (self.ctx.allow_infinity or self._in_bounds):
                raise fail("the expression contains a non-finite value ('oo')", codes.NON_FINITE)
            return g.const(tok.value)
        if k == "series":
            return self.series()
        if k == "intc":
            self.i += 1
            return g.intc(tok.value)
        if k == "lp":
            group = self.group()
            if isinstance(group, _Tuple):
                raise fail("unexpected ','")
            return group
        if k == "bar":
            return self.absolute()
        if k == "func":
            return self.application()
        if k == "rp":
            raise fail("empty parentheses or unbalanced ')'" if self.i and self.t[self.i - 1].kind == "lp"
                       else "unbalanced ')'")
        raise fail(f"unexpected {tok.value!r}")

    def group(self) -> int | _Tuple:
        """``( sum )`` or a comma list ``(a, b, ...)``."""
        self.i += 1
        saved = self._bar_depth
        self._bar_depth = 0
        if self._at("rp"):
            raise fail("empty parentheses")
        items = [self.sum()]
        is_tuple = False
        while self._at("comma"):
            is_tuple = True
            self.i += 1
            if self._at("rp"):
                break
            items.append(self.sum())
        if not self._at("rp"):
            raise fail("unbalanced '('")
        self.i += 1
        self._bar_depth = saved
        return _Tuple(items) if is_tuple else items[0]

    def series(self) -> int:
        """``Sum(body, (n, lower, upper))`` / ``Product(...)``: ``n`` is bound inside ``body``."""
        op = self.t[self.i].value
        self.i += 1
        if not self._at("lp"):
            raise fail(f"{op} needs (body, (index, lower, upper))")
        self.i += 1
        body = self.sum()
        if not self._at("comma"):
            raise fail(f"{op} needs (body, (index, lower, upper))")
        self.i += 1
        self._in_bounds += 1
        limits = self.group() if self._at("lp") else None
        self._in_bounds -= 1
        if not (isinstance(limits, _Tuple) and len(limits.items) == 3 and self._at("rp")):
            raise fail(f"{op} needs (body, (index, lower, upper))")
        self.i += 1
        index, lower, upper = limits.items
        if self.g.ops[index] != "sym":
            raise fail(f"the index of a {op} must be a plain name, not the variable or an expression")
        return self.g.series(op, body, str(self.g.data[index]), lower, upper)

    def absolute(self) -> int:
        """``| sum |``."""
        self.i += 1
        self._bar_depth += 1
        inner = self.sum()  # a '|' right here opens a nested |...| (there is no operand yet)
        if not self._at("bar"):
            raise fail("unbalanced '|'")
        self.i += 1
        self._bar_depth -= 1
        return self.g.func("Abs", (inner,))

    def application(self) -> int:
        """A function with optional power (``sin^2``, ``tan^-1``) and explicit or implicit arguments."""
        name = self.t[self.i].value
        self.i += 1
        exponent: int | None = None
        inverse = False
        if self._at("op", "**"):
            self.i += 1
            exponent, inverse = self._exponent()
        if self._at("lp"):
            self.i += 1
            saved = self._bar_depth
            self._bar_depth = 0
            if self._at("rp"):
                raise fail(f"function {name!r} called without arguments")
            args: list[int | _Tuple] = [self._argument()]
            while self._at("comma"):
                self.i += 1
                args.append(self._argument())
            if not self._at("rp"):
                raise fail(f"unbalanced '(' after {name}")
            self.i += 1
            self._bar_depth = saved
        else:
            args = [self._implicit_argument(name)]
        if exponent is not None and inverse and name in INVERSE:
            return self._call(INVERSE[name], args)
        value = self._call(name, args)
        return value if exponent is None else self.g.pow(value, exponent)

    def _argument(self) -> int | _Tuple:
        if self._at("lp"):
            start = self.i
            group = self.group()
            if isinstance(group, _Tuple):
                return group
            self.i = start  # a plain parenthesised expression: parse it with what follows
        return self.sum()

    def _exponent(self) -> tuple[int, bool]:
        """The exponent written right after a function name: sign and one operand; (id, is -1)."""
        negative = self._signs()
        if not self._starts_operand():
            raise fail("'^' without an exponent")
        value = self.postfix()
        g = self.g
        if negative:
            value = g.neg(value)
        minus_one = g.ops[value] == "num" and g.data[value] == -1
        return value, minus_one

    def _implicit_argument(self, name: str) -> int:
        """``sin 2x`` / ``ln|x|`` / ``sin x^2``: juxtaposed operands up to an operator or another function."""
        negative = self._signs()
        factors: list[int] = []
        while self._starts_operand():
            if factors and (self._at("func") or self._at("bar") and self._bar_depth):
                break
            factors.append(self.power())
        if not factors:
            raise fail(f"function {name!r} without an argument")
        value = factors[0] if len(factors) == 1 else self.g.mul(*factors)
        return self.g.neg(value) if negative else value

    # --- calls ----------------------------------------------------------------------------------
    def _call(self, name: str, args: list[int | _Tuple]) -> int:
        g = self.g
        if name == "hyper":
            if len(args) != 3 or isinstance(args[2], _Tuple):
                raise fail("hyper takes (a-list, b-list, z)")
            ap = args[0].items if isinstance(args[0], _Tuple) else [args[0]]
            bq = args[1].items if isinstance(args[1], _Tuple) else [args[1]]
            return g.func("hyper", (*ap, *bq, args[2]), (len(ap), len(bq)))  # type: ignore[arg-type]
        if any(isinstance(a, _Tuple) for a in args):
            raise fail(f"unexpected tuple argument to {name}")
        ids: list[int] = args  # type: ignore[assignment]
        lo, hi = FUNCTION_ARITY.get(name, (1, 1))
        if not lo <= len(ids) <= hi:
            raise fail(f"{name} takes {lo if lo == hi else f'{lo} to {hi}'} argument(s), got {len(ids)}")
        if name == "log" and len(ids) == 2:
            return g.div(g.func("log", (ids[0],)), g.func("log", (ids[1],)))
        if name == "sqrt":
            return g.pow(ids[0], g.num(Fraction(1, 2)))
        if name == "cbrt":
            return g.pow(ids[0], g.num(Fraction(1, 3)))
        if name == "root":
            return g.pow(ids[0], g.inv(ids[1]))
        if name == "exp":
            return g.func("exp", (ids[0],))
        return g.func(name, tuple(ids))


def build_graph(toks: list[Tok], ctx: Context) -> tuple[Graph, int]:
    """Parse whitelisted tokens into (graph, root id)."""
    parser = GraphParser(toks, ctx)
    try:
        root = parser.parse()
    except RecursionError:
        raise fail("expression nested too deeply", "too_large") from None
    return parser.g, root
