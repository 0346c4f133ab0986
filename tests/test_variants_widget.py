"""The variant-tree browser builds for a real tree: one row per node, math rendered, samples shown."""

from __future__ import annotations

import ipywidgets as W

from ladderlib.config.variants import VariantSettings
from ladderlib.ladder.variants.generate import generate_tree
from ladderlib.widgets.variant_tree import ROW_CLASS, variant_tree_browser


def _walk(w):
    yield w
    for c in getattr(w, "children", ()):
        yield from _walk(c)


def test_browser_has_a_row_per_node_and_toggles():
    tree = generate_tree("x**2*sin(x)", settings=VariantSettings(variant_source="symbolic", max_depth=2, breadth=2,
                                                                 max_nodes_per_tree=5), seed=0)
    tree.nodes["n1"].samples = [{"answer": "-cos(x)", "correct": True, "reason": "ok"},
                                {"answer": "<script>", "correct": False, "reason": "wrong derivative"}]
    browser = variant_tree_browser(tree)
    assert isinstance(browser, W.Widget)
    rows = [w for w in _walk(browser) if ROW_CLASS in getattr(w, "_dom_classes", ())]
    assert len(rows) == len(tree.nodes) == len(browser.node_rows)
    maths = [w for w in _walk(browser) if isinstance(w, W.HTMLMath)]
    assert len(maths) == len(tree.nodes) and all(m.value.startswith("$\\displaystyle \\int") for m in maths)
    html = " ".join(w.value for w in _walk(browser) if isinstance(w, W.HTML) and not isinstance(w, W.HTMLMath))
    assert "samples 1/2 correct" in html and "&lt;script&gt;" in html and "<script>" not in html
    assert f"{len(tree.nodes) - 1} variants" in html and "symbolic:" in html
    parents = [n.id for n in tree.nodes.values() if n.children]
    assert set(browser.toggles) == set(parents)
    root_toggle = browser.toggles[tree.root_id]
    assert root_toggle.description == "▾"
    root_toggle.click()
    assert root_toggle.description == "▸"
    root_toggle.click()
    assert root_toggle.description == "▾"


def test_browser_accepts_a_dict_and_shows_unparsable_text_plainly():
    tree = generate_tree("x*exp(x)", settings=VariantSettings(variant_source="symbolic", max_depth=1, breadth=1), seed=0)
    d = tree.to_dict()
    d["nodes"][1]["integrand"] = "not <math>"
    browser = variant_tree_browser(d)
    assert "<code>not &lt;math&gt;</code>" in browser.node_rows["n1"].children[1].value
