"""The vocabulary the parser accepts: function names (with aliases), constants, integration constants.

Anything outside these tables (and the problem's own symbols) is rejected by the tokenizer.
"""

from __future__ import annotations

# canonical function name -> (min args, max args)
FUNCTION_ARITY: dict[str, tuple[int, int]] = {
    **{name: (1, 1) for name in (
        "sin", "cos", "tan", "cot", "sec", "csc", "asin", "acos", "atan", "acot", "asec", "acsc",
        "sinh", "cosh", "tanh", "coth", "sech", "csch", "asinh", "acosh", "atanh", "acoth", "asech", "acsch",
        "exp", "sqrt", "cbrt", "Abs", "erf", "erfc", "erfi", "Ei", "li", "Si", "Ci", "Shi", "Chi",
        "fresnels", "fresnelc", "gamma", "digamma", "factorial", "LambertW", "elliptic_k",
        "sign", "floor", "ceiling", "frac", "Heaviside",
    )},
    "binomial": (2, 2),
    "zeta": (1, 2),
    "log": (1, 2),
    "root": (2, 2),
    "polylog": (2, 2),
    "hyper": (3, 3),
    "elliptic_f": (2, 2),
    "elliptic_e": (1, 2),
    "elliptic_pi": (2, 3),
    "uppergamma": (2, 2),
    "lowergamma": (2, 2),
    "expint": (2, 2),
    "appellf1": (6, 6),
    "Max": (2, 32),
    "Min": (2, 32),
}

# Step / discontinuous functions: rejected in an answer unless the problem uses the same function.
STEP_FUNCTIONS: frozenset[str] = frozenset({"sign", "floor", "ceiling", "frac", "Heaviside", "Max", "Min"})

# Known but never accepted (no numeric meaning here or piecewise by construction).
UNSUPPORTED_STEP: frozenset[str] = frozenset({"Piecewise", "round", "Mod", "mod", "DiracDelta"})

# Unevaluated operators.
INTEGRAL_WORDS: frozenset[str] = frozenset({"Integral", "integrate", "Integrate", "Int", "int", "integral"})
CALCULUS_WORDS: frozenset[str] = frozenset({
    "Derivative", "diff", "Diff", "Subs", "Limit", "limit", "lim", "Sum", "Product", "summation", "product",
})
# Sums and products over an index: evaluated in problems, never accepted in answers (not a closed form).
SERIES_WORDS: dict[str, str] = {"Sum": "Sum", "summation": "Sum", "Product": "Product", "product": "Product"}

# alias -> canonical function name (looked up exactly, then lower-cased)
FUNCTION_ALIASES: dict[str, str] = {
    "ln": "log", "Log": "log", "Ln": "log", "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "arccot": "acot", "arcsec": "asec", "arccsc": "acsc", "arcsinh": "asinh", "arsinh": "asinh",
    "argsinh": "asinh", "arccosh": "acosh", "arcosh": "acosh", "argcosh": "acosh", "arctanh": "atanh",
    "artanh": "atanh", "argtanh": "atanh", "arccoth": "acoth", "arcoth": "acoth", "arcsech": "asech",
    "arsech": "asech", "arccsch": "acsch", "arcsch": "acsch", "tg": "tan", "ctg": "cot", "cotan": "cot",
    "cosec": "csc", "arctg": "atan", "arcctg": "acot", "sgn": "sign", "ceil": "ceiling", "max": "Max",
    "min": "Min", "abs": "Abs", "heaviside": "Heaviside", "lambertw": "LambertW", "expi": "Ei",
    "fpart": "frac", "choose": "binomial", "binom": "binomial", "Binomial": "binomial", "Zeta": "zeta",
}

# Lower-case spellings accepted for the elementary functions ("Sin", "COS", "Exp", ...).
_CASE_INSENSITIVE = (
    "sin cos tan cot sec csc asin acos atan acot asec acsc sinh cosh tanh coth sech csch asinh acosh atanh "
    "acoth asech acsch exp sqrt log ln arcsin arccos arctan arccot arcsec arccsc arcsinh arccosh arctanh"
).split()
CASE_INSENSITIVE_FUNCTIONS: dict[str, str] = {
    name: FUNCTION_ALIASES.get(name, name) for name in _CASE_INSENSITIVE
}

# f^{-1} -> inverse function
INVERSE: dict[str, str] = {
    "sin": "asin", "cos": "acos", "tan": "atan", "cot": "acot", "sec": "asec", "csc": "acsc",
    "sinh": "asinh", "cosh": "acosh", "tanh": "atanh", "coth": "acoth", "sech": "asech", "csch": "acsch",
}

# constant word -> canonical constant ("e" and "i" are always Euler's number and the imaginary unit)
CONSTANTS: dict[str, str] = {
    "pi": "pi", "Pi": "pi", "PI": "pi", "π": "pi", "E": "E", "e": "E", "I": "I", "i": "I",
    "EulerGamma": "EulerGamma", "Catalan": "Catalan",
}

NON_FINITE_WORDS: frozenset[str] = frozenset({
    "oo", "inf", "Inf", "INF", "infinity", "Infinity", "zoo", "nan", "NaN", "NAN", "Nan", "ComplexInfinity",
    "undefined",
})
INFINITY_WORDS: frozenset[str] = frozenset({"oo", "inf", "Inf", "infinity", "Infinity"})

# Names of an integration constant (dropped when they are a separate added term of the answer).
INTEGRATION_CONSTANTS: frozenset[str] = frozenset({
    "C", "c", "K", "C1", "C_1", "C0", "C_0", "c1", "c_1", "c0", "c_0", "const", "constant", "Const",
    "Constant", "CONST",
})


def canonical_function(word: str) -> str | None:
    """The canonical function name for ``word`` (an alias or a known name), or None."""
    if word in FUNCTION_ARITY:
        return word
    if word in FUNCTION_ALIASES:
        return FUNCTION_ALIASES[word]
    low = word.lower()
    return CASE_INSENSITIVE_FUNCTIONS.get(low)
