"""The project's own textbook problems for the latent-reasoning seed: combinatorics and convex optimisation.

Every answer is an exact value written as a sympy-readable string; ``tests/test_data_textbook.py`` re-derives
each one independently (brute-force enumeration or numerical optimisation), so the answers are machine-checked.
"""

from __future__ import annotations

from typing import Any

TEXTBOOK_PROBLEMS: list[dict[str, str]] = [
    # combinatorics
    {"id": "comb-01", "topic": "combinatorics", "question": "In how many ways can a committee of 3 people be chosen from 10 people?", "answer": "120"},
    {"id": "comb-02", "topic": "combinatorics", "question": "How many distinct arrangements of the letters of the word BANANA are there?", "answer": "60"},
    {"id": "comb-03", "topic": "combinatorics", "question": "How many solutions in non-negative integers does a + b + c = 10 have?", "answer": "66"},
    {"id": "comb-04", "topic": "combinatorics", "question": "How many subsets of a 6-element set have an even number of elements (the empty set included)?", "answer": "32"},
    {"id": "comb-05", "topic": "combinatorics", "question": "How many permutations of 5 objects leave no object in its original position?", "answer": "44"},
    {"id": "comb-06", "topic": "combinatorics", "question": "How many shortest lattice paths go from (0, 0) to (4, 3) using unit steps right and up?", "answer": "35"},
    {"id": "comb-07", "topic": "combinatorics", "question": "How many strings of 4 pairs of parentheses are balanced?", "answer": "14"},
    {"id": "comb-08", "topic": "combinatorics", "question": "How many functions from a 4-element set onto a 3-element set are there?", "answer": "36"},
    {"id": "comb-09", "topic": "combinatorics", "question": "How many integers from 1 to 1000 inclusive are divisible by 3 or by 5?", "answer": "467"},
    {"id": "comb-10", "topic": "combinatorics", "question": "In how many ways can 6 people sit around a round table, if seatings that differ by a rotation are the same?", "answer": "120"},
    {"id": "comb-11", "topic": "combinatorics", "question": "In how many ways can 5 distinct books be split into 2 non-empty unlabelled piles?", "answer": "15"},
    {"id": "comb-12", "topic": "combinatorics", "question": "Two fair six-sided dice are rolled. What is the probability that their sum is 7?", "answer": "1/6"},
    {"id": "comb-13", "topic": "combinatorics", "question": "How many binary strings of length 8 contain no two consecutive 1s?", "answer": "55"},
    {"id": "comb-14", "topic": "combinatorics", "question": "How many 5-card hands from a standard 52-card deck contain exactly one pair (and no better hand)?", "answer": "1098240"},
    # convex optimisation
    {"id": "cvx-01", "topic": "convex_optimization", "question": "What is the minimum value of f(x) = x^2 - 4x + 7 over the real numbers?", "answer": "3"},
    {"id": "cvx-02", "topic": "convex_optimization", "question": "Minimise (x - 1)^2 + (y + 2)^2 subject to x + y = 3. What is the minimum value?", "answer": "8"},
    {"id": "cvx-03", "topic": "convex_optimization", "question": "Minimise x + y subject to x*y >= 4 with x > 0 and y > 0. What is the minimum value?", "answer": "4"},
    {"id": "cvx-04", "topic": "convex_optimization", "question": "Maximise x*y subject to x + y = 10. What is the maximum value?", "answer": "25"},
    {"id": "cvx-05", "topic": "convex_optimization", "question": "Minimise x^2 + y^2 subject to x + 2y = 5. What is the minimum value?", "answer": "5"},
    {"id": "cvx-06", "topic": "convex_optimization", "question": "Maximise 3x + 2y subject to x + y <= 4, x + 3y <= 6, x >= 0, y >= 0. What is the maximum value?", "answer": "12"},
    {"id": "cvx-07", "topic": "convex_optimization", "question": "What is the minimum value of e^x + e^(-x) over the real numbers?", "answer": "2"},
    {"id": "cvx-08", "topic": "convex_optimization", "question": "What is the minimum value of |x - 1| + |x - 5| over the real numbers?", "answer": "4"},
    {"id": "cvx-09", "topic": "convex_optimization", "question": "What is the minimum value of x^2 + 1/x over x > 0?", "answer": "3*2**(-2/3)"},
    {"id": "cvx-10", "topic": "convex_optimization", "question": "Find the number a minimising (a - 1)^2 + (a - 2)^2 + (a - 6)^2. What is the minimum value of the sum?", "answer": "14"},
    {"id": "cvx-11", "topic": "convex_optimization", "question": "What is the minimum value of 2x^2 + 2xy + y^2 - 2x over all real x and y?", "answer": "-1"},
    {"id": "cvx-12", "topic": "convex_optimization", "question": "What is the squared distance from the origin to the plane x + y + z = 3?", "answer": "3"},
]


def load_textbook() -> list[dict[str, Any]]:
    """The textbook problems as rows (copies, so callers may modify them)."""
    return [dict(p, source="ladderlib textbook set") for p in TEXTBOOK_PROBLEMS]
