"""01_data's datasets: real GSM8K/integral/code data, leak-free splits, checked roots and textbook answers."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import pytest
import sympy as sp

from ladderlib.config import validate_params
from ladderlib.config.data import GSM8KSettings
from ladderlib.data import prepare_data, read_dataset
from ladderlib.data.code import load_mbpp
from ladderlib.data.gsm8k import final_answer, load_gsm8k
from ladderlib.data.integrals import ROOT_INTEGRALS
from ladderlib.data.splits import normalise_text
from ladderlib.data.textbook import TEXTBOOK_PROBLEMS


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, shared_data):
    params = validate_params(
        {"profile": "t", "data": {"gsm8k": {"path": str(shared_data / "gsm8k")},
                                   "code": {"mbpp_path": str(shared_data / "mbpp" / "mbpp.jsonl")}}}
    )
    run_dir = tmp_path_factory.mktemp("run")
    return run_dir, prepare_data(params, run_dir)


def test_gsm8k_splits_are_80_20_and_disjoint(full_run):
    run_dir, card = full_run
    tr, va, te = (read_dataset(run_dir, f"gsm8k_{s}") for s in ("train", "validation", "test"))
    assert len(te) == 1319 and len(tr) + len(va) == 7473 - card["sources"]["gsm8k"]["removed_as_in_test"]
    assert abs(len(va) / (len(tr) + len(va)) - 0.2) < 0.01
    q = [{normalise_text(r["question"]) for r in s} for s in (tr, va, te)]
    ids = [{r["id"] for r in s} for s in (tr, va, te)]
    for a, b in itertools.combinations(range(3), 2):
        assert not q[a] & q[b], "a question appears in two splits"
        assert not ids[a] & ids[b]


def test_gsm8k_split_is_reproducible(shared_data):
    s = GSM8KSettings(path=shared_data / "gsm8k", max_val=30)
    a, _ = load_gsm8k(s, seed=7)
    b, _ = load_gsm8k(s, seed=7)
    c, _ = load_gsm8k(s, seed=8)
    assert [r["id"] for r in a["validation"]] == [r["id"] for r in b["validation"]]
    assert [r["id"] for r in a["validation"]] != [r["id"] for r in c["validation"]]


def test_gsm8k_answers_are_normalised(full_run):
    run_dir, _ = full_run
    rows = read_dataset(run_dir, "gsm8k_test")
    assert all(r["answer"] and "," not in r["answer"] and "$" not in r["answer"] for r in rows)
    assert all(float(r["answer"]) == float(r["answer"]) for r in rows)
    assert final_answer("so 1,234 dollars\n#### $1,234.") == "1234"
    with pytest.raises(ValueError, match="no '####'"):
        final_answer("no marker")


def test_gsm8k_offline_without_local_copy_says_what_to_do(monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    s = GSM8KSettings(path=tmp_path / "absent", hub_id="openai/gsm8k")
    with pytest.raises(RuntimeError, match="could not load GSM8K from the hub.*Set data.gsm8k.path"):
        load_gsm8k(s, seed=0)


def test_integral_splits_disjoint_and_roots_apart(full_run):
    run_dir, _ = full_run
    tr, te, roots = (read_dataset(run_dir, f"integrals_{s}") for s in ("train", "test", "roots"))
    key = lambda r: r["integrand"].replace(" ", "")  # noqa: E731
    assert not {key(r) for r in tr} & {key(r) for r in te}
    assert not {key(r) for r in roots} & ({key(r) for r in tr} | {key(r) for r in te})
    assert 0.15 < len(te) / (len(tr) + len(te)) < 0.25
    assert len(roots) == len(ROOT_INTEGRALS) >= 20


@pytest.mark.parametrize("integrand", list(ROOT_INTEGRALS))
def test_root_antiderivatives_differentiate_back(integrand):
    x = sp.Symbol("x")
    f = sp.sympify(integrand)
    dF = sp.diff(sp.sympify(ROOT_INTEGRALS[integrand]), x)
    for v in (0.31, 0.77, 1.9, 3.3):
        assert abs(complex((dF - f).subs(x, v).evalf())) < 1e-9


def test_code_datasets(full_run):
    run_dir, card = full_run
    he = read_dataset(run_dir, "humaneval")
    assert len(he) == 164 and he[0]["id"] == "HumanEval/0" and "def " in he[0]["prompt"]
    assert [len(read_dataset(run_dir, f"mbpp_{s}")) for s in ("prompt", "test", "validation", "train")] == [10, 500, 90, 374]
    assert "\r" not in read_dataset(run_dir, "mbpp_train")[0]["code"]


def test_mbpp_bad_row_is_named(tmp_path):
    p = tmp_path / "m.jsonl"
    p.write_text('{"task_id": 1, "text": "t"}\n')
    with pytest.raises(ValueError, match="row 0 lacks MBPP keys"):
        load_mbpp(p)


def _derangements(n: int) -> int:
    return sum(all(p[i] != i for i in range(n)) for p in itertools.permutations(range(n)))


def _no_consecutive_ones(n: int) -> int:
    return sum("11" not in "".join(b) for b in itertools.product("01", repeat=n))


def _balanced(n: int) -> int:
    def ok(s):
        depth = 0
        for ch in s:
            depth += 1 if ch == "(" else -1
            if depth < 0:
                return False
        return depth == 0
    return sum(ok(s) for s in set(itertools.permutations("(" * n + ")" * n)))


def _onto(n: int, k: int) -> int:
    return sum(len(set(f)) == k for f in itertools.product(range(k), repeat=n))


def _one_pair_hands() -> int:
    return 13 * math.comb(4, 2) * math.comb(12, 3) * 4**3


def _minimise(f, x0, bounds=None, constraints=()):
    from scipy.optimize import minimize

    r = minimize(f, x0, bounds=bounds, constraints=constraints, method="SLSQP", options={"ftol": 1e-12, "maxiter": 500})
    return r.fun


CHECKS = {
    "comb-01": lambda: math.comb(10, 3),
    "comb-02": lambda: len(set(itertools.permutations("BANANA"))),
    "comb-03": lambda: sum(1 for a in range(11) for b in range(11) if a + b <= 10),
    "comb-04": lambda: sum(math.comb(6, k) for k in range(0, 7, 2)),
    "comb-05": lambda: _derangements(5),
    "comb-06": lambda: math.comb(7, 3),
    "comb-07": lambda: _balanced(4),
    "comb-08": lambda: _onto(4, 3),
    "comb-09": lambda: sum(1 for n in range(1, 1001) if n % 3 == 0 or n % 5 == 0),
    "comb-10": lambda: math.factorial(5),
    "comb-11": lambda: (2**5 - 2) // 2,
    "comb-12": lambda: Fraction(sum(1 for a in range(1, 7) for b in range(1, 7) if a + b == 7), 36),
    "comb-13": lambda: _no_consecutive_ones(8),
    "comb-14": _one_pair_hands,
    "cvx-01": lambda: _minimise(lambda v: v[0] ** 2 - 4 * v[0] + 7, [0.0]),
    "cvx-02": lambda: _minimise(lambda v: (v[0] - 1) ** 2 + (v[1] + 2) ** 2, [0, 0], constraints=[{"type": "eq", "fun": lambda v: v[0] + v[1] - 3}]),
    "cvx-03": lambda: _minimise(lambda v: v[0] + v[1], [3, 3], bounds=[(1e-6, None)] * 2, constraints=[{"type": "ineq", "fun": lambda v: v[0] * v[1] - 4}]),
    "cvx-04": lambda: -_minimise(lambda v: -v[0] * v[1], [1, 9], constraints=[{"type": "eq", "fun": lambda v: v[0] + v[1] - 10}]),
    "cvx-05": lambda: _minimise(lambda v: v[0] ** 2 + v[1] ** 2, [0, 0], constraints=[{"type": "eq", "fun": lambda v: v[0] + 2 * v[1] - 5}]),
    "cvx-06": lambda: -_minimise(lambda v: -(3 * v[0] + 2 * v[1]), [0, 0], bounds=[(0, None)] * 2,
                                 constraints=[{"type": "ineq", "fun": lambda v: 4 - v[0] - v[1]}, {"type": "ineq", "fun": lambda v: 6 - v[0] - 3 * v[1]}]),
    "cvx-07": lambda: _minimise(lambda v: math.exp(v[0]) + math.exp(-v[0]), [1.0]),
    "cvx-08": lambda: min(abs(t / 100 - 1) + abs(t / 100 - 5) for t in range(-1000, 1000)),
    "cvx-09": lambda: _minimise(lambda v: v[0] ** 2 + 1 / v[0], [1.0], bounds=[(1e-3, None)]),
    "cvx-10": lambda: _minimise(lambda v: (v[0] - 1) ** 2 + (v[0] - 2) ** 2 + (v[0] - 6) ** 2, [0.0]),
    "cvx-11": lambda: _minimise(lambda v: 2 * v[0] ** 2 + 2 * v[0] * v[1] + v[1] ** 2 - 2 * v[0], [0, 0]),
    "cvx-12": lambda: _minimise(lambda v: v[0] ** 2 + v[1] ** 2 + v[2] ** 2, [0, 0, 0], constraints=[{"type": "eq", "fun": lambda v: sum(v) - 3}]),
}


@pytest.mark.parametrize("problem", TEXTBOOK_PROBLEMS, ids=lambda p: p["id"])
def test_textbook_answers_are_rederived(problem):
    assert problem["id"] in CHECKS, "every textbook problem needs an independent check"
    expected = float(sp.sympify(problem["answer"]))
    got = float(CHECKS[problem["id"]]())
    assert abs(got - expected) < 1e-5 * max(1, abs(expected)), (problem["id"], got, expected)
