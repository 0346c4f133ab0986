"""Notebook views: escaped tables, figures without pyplot state or dropped series, widget fallbacks, quiet logs."""

from __future__ import annotations

import warnings

import pytest


def test_table_escapes_model_text_and_renders_structured_cells():
    from ladderlib.plots.tables import cell_text, table

    rows = [{"answer": "a | b\n`x`<script>", "dropped": {"duplicate": 2, "trivial_monomial": 1}, "rate": None,
             "ok": True, "v": 0.123456},
            {"answer": "plain", "dropped": {}, "rate": 0.5, "ok": False, "v": 1e-7}]
    html = table(rows, {"answer": "model answer", "dropped": "dropped", "rate": "rate", "ok": "ok", "v": "v"},
                 caption="t <1>", code=["answer"]).to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html and "a | b<br>`x`" in html
    assert "duplicate: 2, trivial_monomial: 1" in html and "none" in html and "—" in html
    assert "yes" in html and "no" in html and "0.123" in html and "1.00e-07" in html
    assert "t &lt;1&gt;" in html and html.count("<tr") == 3 and "monospace" in html
    assert cell_text([1, 2.5]) == "1, 2.500" and cell_text("x" * 500).endswith("…")


def test_figures_keep_every_requested_series_and_use_integer_steps():
    from ladderlib.plots.training import plot_arms, plot_curves

    rows = [{"step": 1, "reward": 0.1, "kl": 0.0}, {"step": 2, "reward": 0.3, "kl": 0.0}]
    fig = plot_curves(rows, ["reward", "kl", "success/all"], "t")
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["mean reward", "KL to the reference", "success, rows without a difficulty"]
    missing = fig.axes[2]
    assert any("no data" in t.get_text() for t in missing.texts)  # said, not silently dropped
    lo, hi = fig.axes[1].get_ylim()
    assert hi - lo >= 1.0  # a flat series is not autoscaled to ±0.05
    ticks = fig.axes[0].get_xticks()
    assert all(float(t).is_integer() for t in ticks)
    one = plot_curves([{"step": 1, "reward": 0.5}], ["reward"], "one step")  # a single step: whole ticks too
    ticks = [t for t in one.axes[0].get_xticks() if one.axes[0].get_xlim()[0] <= t <= one.axes[0].get_xlim()[1]]
    assert 1 in ticks and all(float(t).is_integer() for t in ticks), ticks
    arms = plot_arms({"a": rows, "b": [{"step": 1, "reward": 0.2}]}, ["reward", "nope"], "t")
    assert len(arms.axes[0].lines) == 2 and any("no data" in t.get_text() for t in arms.axes[1].texts)
    big = plot_curves(rows, ["reward"] * 5, "t")
    assert big.get_size_inches()[0] < 13  # a grid of at most three panels across, not a 1x5 strip
    import matplotlib.pyplot as plt

    assert not plt.get_fignums()  # no pyplot figures were created


def test_show_saves_and_displays_once(tmp_path, monkeypatch):
    from ladderlib.plots import save
    from ladderlib.plots.training import plot_curves

    shown = []
    monkeypatch.setattr("IPython.get_ipython", lambda: object())
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    assert save.show(plot_curves([{"step": 1, "loss": 1.0}], ["loss"], "t"), tmp_path, "curve") is None
    assert (tmp_path / "plots" / "curve.png").stat().st_size > 1000
    assert len(shown) == 1 and shown[0].data[:4] == b"\x89PNG"


def test_widgets_carry_a_static_fallback():
    from ladderlib.config.variants import VariantSettings
    from ladderlib.ladder.variants.generate import generate_forest
    from ladderlib.widgets.variant_tree import variant_tree_browser

    trees = generate_forest(["x**2*sin(x)", "x*exp(x)"], settings=VariantSettings(
        variant_source="symbolic", max_depth=1, breadth=2, difficulty_timeout_s=0), seed=0)
    browser = variant_tree_browser(trees)
    bundle = browser._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle and "text/html" in bundle
    static = bundle["text/html"]
    assert "ladder-variant-static" in static and static.count("<details") >= 2 and "<script" not in static
    for t in trees:
        assert t.root.integrand in static
    assert browser.picker is not None and len(browser.picker.options) == 2
    assert trees[0].problem in browser.children[1].children[0].value
    rows_before = browser.node_rows
    browser.picker.value = 1
    assert trees[1].problem in browser.children[1].children[0].value
    assert browser.node_rows is not rows_before and len(browser.node_rows) == len(trees[1].nodes)


def test_quiet_libraries_hides_the_known_harmless_warnings():
    from ladderlib.pipeline.quiet import SILENCED, quiet_libraries

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        done = quiet_libraries()
        warnings.warn("`gradient_checkpointing` is deprecated and will be removed in v6.", FutureWarning)
        warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then ...", UserWarning)
        warnings.warn("something new", UserWarning)
    assert [str(w.message) for w in seen] == ["something new"]
    assert all(why for _, _, why in SILENCED) and any("transformers" in d for d in done)
    warnings.resetwarnings()


@pytest.mark.parametrize("stage", ["data", "variants", "verify", "sft", "rollouts", "rl", "adversarial"])
def test_every_stage_has_findings_that_flag_smoke_profiles(stage):
    import ladderlib.workbook.findings as findings

    fn = getattr(findings, f"{stage}_findings")
    assert fn.__doc__
    smoke = type("P", (), {"smoke": True, "profile": "cpu_smoke"})()
    assert "Smoke profile" in findings.smoke_note(smoke) and findings.smoke_note(type("P", (), {})()) == ""


def test_executed_copies_keep_the_static_view_and_the_progress_bars_state():
    """The pipeline's finishing step: a fallback widget's frozen view goes (its static HTML stays), a tqdm-style
    widget with no HTML keeps its view and the saved state it references; nothing else of the state survives."""
    import ipywidgets as W
    import nbformat
    from ipywidgets.embed import embed_data
    from nbconvert import HTMLExporter

    from ladderlib.pipeline.saved_widgets import WIDGET_STATE, WIDGET_VIEW, keep_static_widget_outputs
    from ladderlib.widgets.fallback import FallbackVBox

    tree = FallbackVBox([W.HBox([W.Button(description="expand")])], fallback_html="<div class='x-static'>tree</div>")
    bar = W.IntProgress(value=3, max=10)
    state = embed_data(views=[tree, bar])["manager_state"]
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {WIDGET_STATE: state}
    bundles = [tree._repr_mimebundle_(), {WIDGET_VIEW: bar._repr_mimebundle_()[WIDGET_VIEW], "text/plain": "3/10"}]
    nb.cells = [nbformat.v4.new_code_cell("w", outputs=[nbformat.v4.new_output("display_data", data=b)])
                for b in bundles]
    assert keep_static_widget_outputs(nb) == 1
    nbformat.validate(nb)
    first, second = (c.outputs[0].data for c in nb.cells)
    assert WIDGET_VIEW not in first and "x-static" in first["text/html"]
    assert second[WIDGET_VIEW]["model_id"] == bar.model_id
    kept = nb.metadata["widgets"][WIDGET_STATE]["state"]
    assert bar.model_id in kept and bar.layout.model_id in kept and bar.style.model_id in kept
    assert tree.model_id not in kept and tree.children[0].model_id not in kept
    body, _ = HTMLExporter().from_notebook_node(nb)
    assert "<div class='x-static'>tree</div>" in body or '<div class="x-static">tree</div>' in body
    nb.cells = nb.cells[:1]  # no widget view left at all: no saved state either
    nb.metadata["widgets"] = {WIDGET_STATE: state}
    nb.cells[0].outputs[0].data = tree._repr_mimebundle_()
    keep_static_widget_outputs(nb)
    assert "widgets" not in nb.metadata


def test_curriculum_plot_and_findings_show_what_the_thoughts_decode_to():
    from types import SimpleNamespace

    from ladderlib.plots.latent import plot_curriculum
    from ladderlib.workbook.findings import latent_findings

    probe = lambda *r: [{"step": j + 1, "n": 10, "top1": v / 2, "top5": v} for j, v in enumerate(r)]  # noqa: E731
    stages = [{"task": "procedural", "method": "coconut", "stage": 0, "accuracy": 0.5, "ci_low": 0.3, "ci_high": 0.7,
               "n": 10, "thoughts": 0, "loss": 1.0},
              {"task": "procedural", "method": "coconut", "stage": 1, "accuracy": 0.6, "ci_low": 0.4, "ci_high": 0.8,
               "n": 10, "thoughts": 1, "loss": 0.9, "thought_probe": probe(0.9)},
              {"task": "procedural", "method": "coconut", "stage": 2, "accuracy": 0.2, "ci_low": 0.1, "ci_high": 0.4,
               "n": 10, "thoughts": 2, "loss": 0.8, "thought_probe": probe(0.7, 0.1)}]
    fig = plot_curriculum(stages, "procedural")
    dashed = [line for line in fig.axes[0].lines if line.get_linestyle() == "--"]
    assert [list(line.get_xdata()) for line in dashed] == [[1, 2], [2]]
    assert [list(line.get_ydata()) for line in dashed] == [[0.9, 0.7], [0.1]]
    row = {"task": "procedural", "model": "coconut", "n": 10, "correct": 2, "accuracy": 0.2, "ci_low": 0.1,
           "ci_high": 0.4, "mean_gen_tokens": 2.0}
    text = latent_findings(SimpleNamespace(rows=[row], paired=[], stages=stages, reused=[]), SimpleNamespace())
    assert "70% of items (step 1, n=10), 10% of items (step 2, n=10)" in text
