"""The learning experiment's data rules on the real Rubi pairs: splits by meaning, families, held-out selection
and freezing, forest-wide dedupe, the banded curriculum, and the paired tests."""

from __future__ import annotations

import pytest

from ladderlib.config.data import IntegralsSettings
from ladderlib.data.integrals import load_integrals
from ladderlib.ladder import experiment as X
from ladderlib.verify.fingerprint import family_key, integrand_key


@pytest.fixture(scope="module")
def splits():
    return load_integrals(IntegralsSettings(), 1234)[0]


def test_no_test_integrand_equals_or_near_copies_a_train_one(splits):
    def keys(rows):
        return X.keys_of(rows)  # both keys of every row, through the machine-wide key cache

    train, dev, test = keys(splits["train"]), keys(splits["dev"]), keys(splits["test"])
    assert not train & test and not dev & test and not train & dev
    assert len(splits["test"]) > 200 and len(splits["dev"]) > 60
    # the pairs the old exact-string split let straddle: the same function, written another way
    assert integrand_key("cot(x)") == integrand_key("1/tan(x)")
    assert family_key("t*exp(-t)", "t") == family_key("x*exp(-x)") == family_key("3*x*exp(2*x)")
    roots = keys({"integrand": f, "variable": "x"} for f in ("x**2*sin(x)", "x*log(x)"))
    assert not roots & (train | test)  # rows matching a root (either way) are not in the pool


def test_families_answers_and_roots(splits):
    assert X.family({"integrand": "x*sin(x)", "antiderivative": "sin(x) - x*cos(x)"}) == "trig"
    assert X.family({"integrand": "exp(a*x)", "antiderivative": "exp(a*x)/a"}) is None  # a parameter
    assert X.answer_ops({"integrand": "exp(x**2)", "antiderivative": "sqrt(pi)*erfi(x)/2"}) is None
    assert X.answer_ops({"integrand": "cos(x)", "antiderivative": "sin(x)"}) == 1
    roots = X.select_roots(splits["train"], ["trig", "rational"], 3, seed=0)
    assert [r["family"] for r in roots] == ["rational"] * 3 + ["trig"] * 3
    assert all(6 <= X.answer_ops(r) <= 24 for r in roots)
    assert roots == X.select_roots(splits["train"], ["trig", "rational"], 3, seed=0)


def test_heldout_excludes_training_rows_in_any_form_and_freezes(splits, tmp_path):
    pool = splits["test"]
    everything, counts = X.select_heldout(pool, ["trig", "exp", "rational"], [])
    assert counts["kept"] == len(everything) >= 20 and counts["matches_training"] == 0
    first = everything[0]
    rewritten = {"integrand": f"3*({first['integrand']})", "variable": first["variable"]}  # a near-copy
    fewer, counts2 = X.select_heldout(pool, ["trig", "exp", "rational"], [rewritten])
    assert first["integrand"] not in [r["integrand"] for r in fewer] and counts2["matches_training"] >= 1
    rows, sha = X.frozen(tmp_path / "heldout.jsonl", lambda: everything)
    again, sha2 = X.frozen(tmp_path / "heldout.jsonl", lambda: pytest.fail("a frozen set is not drawn again"))
    assert rows == again and sha == sha2 and len(sha) == 64


def test_variants_are_deduplicated_across_the_forest():
    rows = [{"integrand": "sin(x)", "antiderivative": "-cos(x)", "variable": "x"},
            {"integrand": "3*sin(2*x)", "antiderivative": "-3*cos(2*x)/2", "variable": "x"},  # near-copy (stacked scaling)
            {"integrand": "1/tan(x)", "antiderivative": "log(sin(x))", "variable": "x"},
            {"integrand": "cot(x)", "antiderivative": "log(sin(x))", "variable": "x"},  # the same function
            {"integrand": "x*exp(x)", "antiderivative": None, "variable": "x"},  # no known answer
            {"integrand": "x**2*sin(x)", "antiderivative": "-x**2*cos(x) + 2*x*sin(x) + 2*cos(x)", "variable": "x"}]
    kept, counts = X.clean_variants(rows, max_ops=6, exclude=[{"integrand": "x**2*sin(x)"}])
    assert [r["integrand"] for r in kept] == ["sin(x)", "1/tan(x)"]
    assert counts == {"forest": 6, "no_answer": 1, "answer_too_long": 1, "duplicate_or_near_copy": 2, "excluded": 0,
                      "kept": 2}


def test_banded_curriculum_keeps_bands_and_shuffles_within():
    from ladderlib.ladder.variants.dataset import curriculum_order

    rows = [{"id": str(i), "difficulty": float(i), "depth": 1} for i in range(9)]
    out = curriculum_order(rows, "banded", seed=1)
    assert [sorted(int(r["id"]) for r in out[k:k + 3]) for k in (0, 3, 6)] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert out != curriculum_order(rows, "easy_first") or out != curriculum_order(rows, "banded", seed=2)
    assert curriculum_order(rows, "banded", seed=1) == out
    static = X.with_static_difficulty([{"integrand": "x**2*sin(x)"}, {"integrand": "x"}])
    assert static[0]["difficulty"] > static[1]["difficulty"]


def test_paired_tests_on_known_cases():
    from ladderlib.evaluate.stats import mcnemar_exact, paired_bootstrap_diff

    a = [True] * 10 + [False] * 10
    b = [False] * 10 + [False] * 10
    res = mcnemar_exact(a, b)
    assert (res["a_only"], res["b_only"]) == (10, 0) and res["p"] == pytest.approx(2 * 0.5 ** 10)
    assert mcnemar_exact(a, a)["p"] == 1.0
    boot = paired_bootstrap_diff(a, b)
    assert boot["diff"] == 0.5 and boot["ci_low"] > 0.2 and boot["ci_high"] < 0.8
    with pytest.raises(ValueError, match="equal length"):
        mcnemar_exact([True], [True, False])


def test_a_forest_built_once_cleans_like_a_fresh_one():
    """The benchmark builds the roots' forest once and cleans it twice (before and after freezing the held-out)."""
    from ladderlib.config.variants import VariantSettings

    roots = [{"integrand": "x**2*exp(x)", "variable": "x"}, {"integrand": "x*sin(2*x)", "variable": "x"}]
    vs = VariantSettings(variant_source="symbolic", max_depth=1, breadth=3, max_nodes_per_tree=6, drop_monomials=True,
                         difficulty_timeout_s=0.0, seed=0)
    forest = X.forest_rows(roots, vs)
    assert forest and all("integrand" in r for r in forest)
    fresh = X.variant_rows(roots, vs, exclude=forest[:1])
    reused = X.variant_rows(roots, vs, exclude=forest[:1], forest=forest)
    assert fresh == reused and fresh[1]["excluded"] >= 1 and fresh[1]["forest"] == len(forest)


def test_table_warmup_rows_are_verified_distinct_seeded_and_unlike_excluded_rows():
    from ladderlib.ladder.table_integrals import table_rows
    from ladderlib.tasks import IntegralsTask

    excluded = [{"integrand": "sin(x)"}, {"integrand": "x + 1"}, {"integrand": "exp(x)"}]
    rows = table_rows(60, seed=3, exclude_keys=X.keys_of(excluded))
    assert rows == table_rows(60, seed=3, exclude_keys=X.keys_of(excluded))  # seeded
    assert rows != table_rows(60, seed=4, exclude_keys=X.keys_of(excluded))
    keys = [X.keys_of([r]) for r in rows]
    assert all(not (a & b) for i, a in enumerate(keys) for b in keys[i + 1:])  # no two equal or near-copies
    banned = X.keys_of(excluded)
    assert all(not (k & banned) for k in keys)  # 3*sin(2*x) is a near-copy of sin(x): never drawn
    task = IntegralsTask()
    assert all(task.reference(r) is not None for r in rows)  # the verifier accepts every stored answer
    kinds = {r["integrand"].split("(")[0] for r in rows}
    assert len(kinds) > 5  # the table's rules, not one of them


def test_ablation_warmup_adds_table_rows_unlike_every_arm_heldout_and_dev_row(splits):
    from ladderlib.config.ladder import LadderGRPOSettings
    from ladderlib.ladder.ablation import ablation_data

    variants = [{"integrand": "x*cos(x)", "antiderivative": "x*sin(x) + cos(x)", "variable": "x",
                 "root_integrand": "x**2*cos(x)"},
                {"integrand": "exp(x)*x", "antiderivative": "(x - 1)*exp(x)", "variable": "x",
                 "root_integrand": "x**2*exp(x)"}]
    base = LadderGRPOSettings(warmup_sft_steps=5, warmup_rows=20, eval_examples=30)
    plain = ablation_data(variants, splits["train"], splits["dev"], splits["test"], base)
    more = ablation_data(variants, splits["train"], splits["dev"], splits["test"],
                         base.model_copy(update={"warmup_table_rows": 30}))
    assert len(plain["warmup"]) == 20 and len(more["warmup"]) == 50
    assert more["warmup"][:20] == plain["warmup"] and more["heldout"] == plain["heldout"]
    table = more["warmup"][20:]
    assert all(r["source"] == "table" for r in table)
    others = X.keys_of([*more["arms"]["variants"], *more["arms"]["originals"], *more["heldout"], *more["dev"],
                        *plain["warmup"]])
    assert not X.keys_of(table) & others
