"""Variant trees: symbolic/model/mixed generation, screening counts, reproducibility, JSON, datasets."""

from __future__ import annotations

import json

import pytest
import sympy

from ladderlib.ladder.variants import canonical as C
from ladderlib.verify.fingerprint import canonical_key, normal_form
from ladderlib.config.variants import VariantSettings
from ladderlib.ladder.variants.dataset import build_dataset, curriculum_order, find_antiderivative, load_dataset, save_dataset
from ladderlib.ladder.variants.generate import generate_forest, generate_tree, parse_root, summarize_stats
from ladderlib.ladder.variants.tree import VariantTree, load_tree, load_trees, save_tree, save_trees

# a generous difficulty time limit: on a loaded machine a timed-out integral_steps would change a score
SYMBOLIC = VariantSettings(variant_source="symbolic", max_depth=2, breadth=2, max_nodes_per_tree=6,
                           difficulty_timeout_s=60)


@pytest.fixture(scope="module")
def symbolic_tree() -> VariantTree:
    return generate_tree("Integrate x^2 * sin(x) + exp(3*x) dx", settings=SYMBOLIC, seed=3)


def _expr(tree: VariantTree, node_id: str) -> sympy.Expr:
    return C.parse_candidate(tree.nodes[node_id].integrand, tree.variable)


def test_symbolic_tree_is_valid_and_deduplicated(symbolic_tree):
    t = symbolic_tree
    assert t.root.source == "root" and t.root.depth == 0 and t.root.parent is None
    variants = t.variants()
    assert 1 <= len(variants) <= SYMBOLIC.max_nodes_per_tree
    keys = set()
    for n in t.nodes.values():
        e = _expr(t, n.id)
        assert C.invalid_reason(e, "x") is None and C.trivial_reason(e, "x") is None
        keys.add(canonical_key(e))
        assert 0 <= n.depth <= SYMBOLIC.max_depth
        assert isinstance(n.difficulty, float) and set(n.difficulty_detail) >= {"ops", "kinds", "solved"}
        if n.parent is not None:
            assert n.depth == t.nodes[n.parent].depth + 1 and n.id in t.nodes[n.parent].children
            assert n.source == "symbolic" and n.rewrite and n.kind in ("easier", "equivalent")
            assert len(t.nodes[n.parent].children) <= SYMBOLIC.breadth
    assert len(keys) == len(t.nodes)  # no duplicates, no copy of an ancestor
    st = t.stats["symbolic"]
    assert st["proposed"] == st["accepted"] + sum(st["dropped"].values())
    assert st["accepted"] == len(variants)
    assert set(st["dropped"]) <= set(C.DROP_REASONS)


def test_symbolic_tree_is_reproducible_from_the_seed(symbolic_tree):
    again = generate_tree("Integrate x^2 * sin(x) + exp(3*x) dx", settings=SYMBOLIC, seed=3)
    assert again.to_dict() == symbolic_tree.to_dict()
    other = generate_tree("Integrate x^2 * sin(x) + exp(3*x) dx", settings=SYMBOLIC, seed=4)
    assert [n.integrand for n in other.variants()] != [n.integrand for n in symbolic_tree.variants()]


def test_drop_counts_cover_the_reasons():
    s = VariantSettings(variant_source="symbolic", max_depth=3, breadth=3, max_nodes_per_tree=12, difficulty_timeout_s=0)
    t = generate_tree("x/(x**2+1)", settings=s, seed=0)
    drops = t.drop_counts()
    assert drops.get(C.TRIVIAL_CONSTANT, 0) + drops.get(C.TRIVIAL_MONOMIAL, 0) > 0
    assert sum(drops.values()) > 0 and len(t.variants()) == 12 and t.max_depth() <= 3


def test_json_round_trip(symbolic_tree, tmp_path):
    t = symbolic_tree
    t.nodes["n1"].samples = [{"answer": "-cos(x)", "correct": True, "reason": "matches"}]
    t.nodes["n1"].extra["note"] = "kept"
    path = save_tree(tmp_path / "tree.json", t)
    back = load_tree(path)
    assert back.to_dict() == t.to_dict() and back.nodes["n1"].extra == {"note": "kept"}
    assert json.loads(path.read_text())["format"] == "ladder-variant-tree"
    forest = save_trees(tmp_path / "forest.json", [t, back])
    assert [x.to_dict() for x in load_trees(forest)] == [t.to_dict()] * 2
    (tmp_path / "bad.json").write_text('{"format": "something-else"}')
    with pytest.raises(ValueError, match="bad.json"):
        load_trees(tmp_path / "bad.json")
    d = t.to_dict()
    d["nodes"][1]["parent"] = "n999"
    with pytest.raises(ValueError, match="unknown parent"):
        VariantTree.from_dict(d)


def test_parse_root_rejects_bad_problems():
    assert parse_root("Integrate x^2 * sin(x) dx")[1] == "x"
    for bad in ("Integrate 5 dx", "Integrate )( dx", "hello world"):
        with pytest.raises(ValueError):
            parse_root(bad)


# --- model and mixed sources with a scripted generator -------------------------------------------

class ScriptedModel:
    """A ``GenerateFn`` that answers from a script and records each call's size, temperature, tokens and seed."""

    def __init__(self, answers: list[str]) -> None:
        self.answers, self.calls, self.prompts, self.i = answers, [], [], 0

    def __call__(self, prompts, sampling):
        self.calls.append((len(prompts), sampling.temperature, sampling.max_new_tokens, sampling.seed))
        self.prompts += list(prompts)
        out = []
        for _ in prompts:
            out.append(self.answers[self.i % len(self.answers)])
            self.i += 1
        return out


MESSY = [
    "Sure!\n<variant>x*sin(x)</variant>\n<variant>sin(x)</variant>\n<variant>x**2*sin(x)</variant>",  # third = root
    "1. ∫ x^2 dx\n2. ∫ cos(x) + 3 dx\n3. ∫ sin(x) dx\n4. ∫ (x+ dx",  # monomial, ok, duplicate, unparsable
    "I think like Euler and enjoy calculus.",  # nothing
    "<variant>y*sin(x)</variant><variant>7</variant>",  # extra symbol, constant
]


def test_model_source_records_personas_temperatures_and_drops():
    s = VariantSettings(variant_source="model", max_depth=2, breadth=3, max_nodes_per_tree=20, max_new_tokens=64,
                        prompts_per_node=2, difficulty_timeout_s=0)
    gen = ScriptedModel(MESSY)
    t = generate_tree("x**2*sin(x)", gen, settings=s, seed=0)
    assert {c[2] for c in gen.calls} == {64}
    assert {c[1] for c in gen.calls} <= set(s.temperatures) and len({c[1] for c in gen.calls}) >= 2
    st = t.stats["model"]
    assert st["prompts"] == sum(c[0] for c in gen.calls) and st["empty_outputs"] >= 1
    assert st["proposed"] == st["accepted"] + sum(st["dropped"].values())
    for reason in (C.ANCESTOR, C.TRIVIAL_MONOMIAL, C.UNPARSABLE, C.EXTRA_SYMBOLS, C.TRIVIAL_CONSTANT):
        assert st["dropped"].get(reason, 0) >= 1, reason
    model_nodes = [n for n in t.variants() if n.source == "model"]
    assert model_nodes and "symbolic" not in t.stats
    for n in model_nodes:
        assert n.persona in s.personas and n.temperature in s.temperatures
        assert 3 <= len(n.hints) <= 5 and n.raw
    assert {n.integrand for n in model_nodes if n.depth == 1} == {"x*sin(x)", "sin(x)", "cos(x) + 3"}
    summary = summarize_stats(t)["model"]
    assert summary["valid"] == summary["accepted"] + summary["dropped"].get(C.OVER_BUDGET, 0)


def test_mixed_tops_up_from_symbolic_when_the_model_fails():
    s = VariantSettings(variant_source="mixed", max_depth=2, breadth=2, max_nodes_per_tree=10, mixed_min_valid_rate=0.5,
                        difficulty_timeout_s=0)
    t = generate_tree("x**2*sin(x)", ScriptedModel(["no formulas here, sorry"]), settings=s, seed=0)
    assert t.stats["model"]["proposed"] == 0 and t.stats["model"]["empty_outputs"] == t.stats["model"]["prompts"]
    assert t.variants() and all(n.source == "symbolic" for n in t.variants())
    good = generate_tree("x**2*sin(x)", ScriptedModel(MESSY[:1]), settings=s, seed=0)
    depth1 = [n for n in good.variants() if n.depth == 1]
    assert {n.source for n in depth1} == {"model"}  # 2/2 valid: no top-up needed


def test_forest_batches_one_call_per_temperature_and_level_across_trees():
    s = VariantSettings(variant_source="model", max_depth=2, breadth=2, temperatures=[0.9], max_nodes_per_tree=8,
                        difficulty_timeout_s=0)
    gen = ScriptedModel(MESSY[:2])
    trees = generate_forest(["x**2*sin(x)", "x*exp(x)", "sin(x)**3"], gen, settings=s, seed=0)
    assert len(trees) == 3 and len(gen.calls) <= 2  # one call per depth level, all trees together
    assert gen.calls[0][0] == 3 and all(c[1] == 0.9 for c in gen.calls)
    assert len(gen.prompts) == sum(t.stats["model"]["prompts"] for t in trees)
    assert all("Here is a hard integral" in p for p in gen.prompts)
    again = generate_forest(["x**2*sin(x)", "x*exp(x)", "sin(x)**3"], ScriptedModel(MESSY[:2]), settings=s, seed=0)
    assert [t.to_dict() for t in again] == [t.to_dict() for t in trees]


def test_model_source_needs_a_generator():
    with pytest.raises(ValueError, match="generate_fn"):
        generate_tree("x*sin(x)", settings=VariantSettings(variant_source="model"))


def test_every_call_is_seeded_from_the_tree_seed():
    settings = VariantSettings(variant_source="model", max_depth=2, difficulty_timeout_s=0)
    runs = []
    for seed in (11, 11, 12):
        gen = ScriptedModel(MESSY)
        generate_tree("x*exp(x)", gen, settings=settings, seed=seed)
        runs.append([c[3] for c in gen.calls])
    assert all(s is not None for s in runs[0]) and len(set(runs[0])) == len(runs[0])
    assert runs[0] == runs[1] != runs[2]


# --- datasets -------------------------------------------------------------------------------------

def test_dataset_rows_and_curriculum(tmp_path):
    s = VariantSettings(variant_source="symbolic", max_depth=2, breadth=2, max_nodes_per_tree=4)
    trees = generate_forest(["x*exp(x)", "Integrate sin(x)**3 dx"], settings=s, seed=0)
    assert [t.seed for t in trees] == [0, 1]
    rows = build_dataset(trees, antiderivative_timeout_s=2.0)
    assert len(rows) == sum(len(t.variants()) for t in trees)
    assert {r["root_id"] for r in rows} == {t.tree_id for t in trees}
    for r in rows:
        assert set(r) >= {"integrand", "root_id", "depth", "difficulty", "source", "antiderivative"}
        assert r["depth"] >= 1 and r["source"] == "symbolic"
        if r["antiderivative"] is not None:
            x = sympy.Symbol("x")
            f, big_f = C.parse_candidate(r["integrand"]), C.parse_candidate(r["antiderivative"])
            assert sympy.simplify(sympy.diff(big_f, x) - f) == 0
    assert sum(r["antiderivative"] is not None for r in rows) >= len(rows) - 1
    with_roots = build_dataset(trees, include_roots=True, antiderivatives=False)
    assert len(with_roots) == len(rows) + 2 and all(r["antiderivative"] is None for r in with_roots)

    easy = curriculum_order(rows, "easy_first")
    assert [r["difficulty"] for r in easy] == sorted(r["difficulty"] for r in rows)
    mixed = curriculum_order(rows, "mixed", seed=1)
    assert sorted(r["id"] for r in mixed) == sorted(r["id"] for r in rows)
    assert curriculum_order(rows, "mixed", seed=1) == mixed
    with pytest.raises(ValueError):
        curriculum_order(rows, "hardest_first")
    path = save_dataset(tmp_path / "d.json", rows, {"trees": 2})
    assert load_dataset(path) == rows


def test_find_antiderivative_is_checked_and_bounded():
    x = sympy.Symbol("x")
    assert sympy.simplify(sympy.diff(find_antiderivative(x * sympy.cos(x)), x) - x * sympy.cos(x)) == 0
    assert find_antiderivative(sympy.exp(sympy.sin(x)) * sympy.log(x + sympy.tan(x)), timeout_s=0.5) is None
