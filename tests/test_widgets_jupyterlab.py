"""The ladderlib widgets render and respond in a real JupyterLab, in headless Chromium.

Each test writes a notebook into the lab server's root, runs it through JupyterLab (Run All Cells), then
checks the rendered page: the widget views exist with no 'Error displaying widget', the content is the
real data's, and clicking/selecting round-trips through the kernel and changes what is shown. Screenshots
go to ``tests/.artifacts/``. Needs Chromium (``apt-get install -y chromium``) and the ``playwright`` package;
skipped with the reason when either is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from jupyterlab_harness import (  # the fixtures (lab_server, lab_browser, lab_page) come from conftest's plugin
    ARTIFACTS,
    PANEL,
    WIDGET_OUTPUT,
    run_notebook_in_lab,
    save_screenshot,
    wait_for_widgets,
    widget_errors,
    widget_text,
)

# a hung browser or kernel fails the test with a traceback instead of stalling the suite
pytestmark = pytest.mark.timeout(300)

ROW = f"{PANEL} .ladder-variant-node"
PY3 = {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
       "language_info": {"name": "python"}}


def write_notebook(path: Path, *sources: str) -> Path:
    nb = nbformat.v4.new_notebook(metadata=PY3)
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def visible_rows(page) -> int:
    return page.locator(f"{ROW}:visible").count()


def wait_visible_rows(page, n: int, timeout_ms: float = 20_000) -> None:
    """Wait until exactly ``n`` node rows are visible (state changes go through the kernel and back)."""
    page.wait_for_function(
        """([sel, n]) => [...document.querySelectorAll(sel)].filter(e => e.checkVisibility()).length === n""",
        arg=[ROW, n], timeout=timeout_ms, polling=200)


def test_variant_tree_browser_renders_and_expands(lab_server, lab_page):
    nb = write_notebook(
        lab_server.root_dir / "variant_tree" / "browser.ipynb",
        "import json\n"
        "from ladderlib.config.variants import VariantSettings\n"
        "from ladderlib.ladder.variants import generate_tree\n"
        "from ladderlib.widgets.variant_tree import variant_tree_browser\n"
        "tree = generate_tree('x**2*sin(x)', None, settings=VariantSettings(variant_source='symbolic', max_depth=2,\n"
        "                     breadth=2, max_nodes_per_tree=6), seed=0)\n"
        "with open('tree.json', 'w') as f:\n"
        "    json.dump(tree.to_dict(), f)\n"
        "browser = variant_tree_browser(tree)",
        "browser",
    )
    page = run_notebook_in_lab(lab_page, lab_server, nb, timeout_s=120)
    tree = json.loads((nb.parent / "tree.json").read_text())
    nodes = {n["id"]: n for n in tree["nodes"]}
    root = next(n for n in nodes.values() if n["depth"] == 0)
    assert len(nodes) >= 4 and root["children"], f"the symbolic source grew too small a tree: {list(nodes)}"

    wait_for_widgets(page)
    assert not widget_errors(page), widget_errors(page)
    # one row element per node (collapsed ones are in the DOM, hidden); expand_depth=1: root + its children shown
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length === n",
                           arg=[ROW, len(nodes)], timeout=20_000)
    wait_visible_rows(page, 1 + len(root["children"]))
    # the math is typeset by JupyterLab's MathJax (not left as $...$ source)
    page.wait_for_function(
        """(sel) => [...document.querySelectorAll(sel)].filter(e => e.checkVisibility())
                      .every(r => r.querySelector('mjx-container'))""", arg=ROW, timeout=30_000)
    text = widget_text(page)
    assert "Error displaying widget" not in text
    assert root["integrand"] in text and f"{len(nodes) - 1} variants" in text
    assert "symbolic:" in text and "depth 1" in text
    assert "$\\displaystyle" not in text  # raw LaTeX would mean MathJax did not run
    for child in root["children"]:
        assert child in text
    hidden = [n for n in nodes.values() if n["depth"] == 2]
    shown = "\n".join(page.locator(f"{ROW}:visible").all_inner_texts())
    assert hidden and not [n["id"] for n in hidden if f"{n['id']} · depth 2" in shown], shown

    save_screenshot(page, ARTIFACTS / "variant_tree_initial.png", selector=WIDGET_OUTPUT)

    # "expand all": every node row shows, every toggle becomes ▾
    page.locator(f"{PANEL} .jupyter-widgets button", has_text="expand all").click()
    wait_visible_rows(page, len(nodes))
    shown = "\n".join(page.locator(f"{ROW}:visible").all_inner_texts())
    for n in nodes.values():
        assert n["id"] in shown
    save_screenshot(page, ARTIFACTS / "variant_tree_expanded.png", selector=WIDGET_OUTPUT)

    # the root's own toggle (the first button of the first row) collapses everything below it
    root_toggle = page.locator(ROW).first.locator("button").first
    assert root_toggle.inner_text().strip() == "▾"
    root_toggle.click()
    wait_visible_rows(page, 1)
    page.wait_for_function("(sel) => document.querySelector(sel).querySelector('button').textContent.trim() === '▸'",
                           arg=ROW, timeout=10_000)
    # and re-expands one level only (children keep their own, now expanded, state)
    root_toggle.click()
    wait_visible_rows(page, len(nodes))
    save_screenshot(page, ARTIFACTS / "variant_tree_lab.png")
    assert not [e for e in page.console_errors if "widget" in e.lower()], page.console_errors


REWARD_NOTEBOOK = '''\
from ladderlib.regime_w.arms import build_arms
from ladderlib.config.regime_w import RegimeWSettings
from ladderlib.regime_w.counterfactual import rewrite_question
from ladderlib.regime_w.rollouts import arm_output, score_row, word_count
from ladderlib.widgets.reward_inspector import reward_inspector

st = RegimeWSettings(temperatures=[0.2, 0.5], cf_arms=2)
arms = build_arms(st)
questions = [
    ("q-apples", "Tom has 3 bags with 6 apples each. He eats 2 apples. How many apples are left?", "16",
     ["3 bags of 6 is 18 apples. 18 - 2 = 16. #### 16", "Eighteen apples minus two. #### 16",
      "3*6=18, 18-2=16 #### 16", "He has 3+6=9, 9-2=7 #### 7"]),
    ("q-train", "A train travels 60 km per hour for 2 hours, then 40 km per hour for 1 hour. How far does it go?",
     "160", ["60*2=120, plus 40 is 160 #### 160", "120 + 40 = 150 #### 150",
             "It goes 100 km. #### 100", "2 hours at 60 is 120 km, 1 hour at 40 is 40 km: 160. #### 160"]),
]
rows = []
for qid, q, gold, texts in questions:
    outs = [arm_output(a, t, gold, word_count) for a, t in zip(arms, texts)]
    rw = rewrite_question(q, st.cf_rules, seed=0)
    rows.append(score_row(qid, q, gold, outs, rw, texts[: st.cf_arms], st))
inspector = reward_inspector(rows)
'''


ACCORDION_TITLE = f"{PANEL} .widget-accordion .jupyter-widget-Collapse-header"


def test_reward_inspector_switches_question(lab_server, lab_page):
    try:
        import ladderlib.widgets.reward_inspector  # noqa: F401
    except ImportError as e:
        pytest.skip(f"ladderlib.widgets.reward_inspector is not available: {e}")
    nb = write_notebook(lab_server.root_dir / "reward" / "inspector.ipynb", REWARD_NOTEBOOK, "inspector")
    page = run_notebook_in_lab(lab_page, lab_server, nb, timeout_s=120)
    wait_for_widgets(page)
    assert not widget_errors(page), widget_errors(page)
    select = page.locator(f"{PANEL} .widget-dropdown select")
    select.wait_for(timeout=20_000)
    summary = page.locator(f"{PANEL} .jupyter-widgets.widget-html").nth(0)
    first = summary.inner_text()
    assert "q-apples" in first and "Tom has 3 bags" in first and "16" in first and "3/4 arms correct" in first
    titles = page.locator(ACCORDION_TITLE)
    first_titles = titles.all_inner_texts()
    assert len(first_titles) == 4 and any("→ 7" in t for t in first_titles), first_titles

    select.select_option(index=1)
    page.wait_for_function(
        "(sel) => document.querySelector(sel).innerText.includes('q-train')",
        arg=f"{PANEL} .jupyter-widgets.widget-html", timeout=20_000)
    second = summary.inner_text()
    assert second != first
    assert "A train travels" in second and "160" in second and "2/4 arms correct" in second
    assert "Tom has 3 bags" not in second
    page.wait_for_function(
        "(sel) => [...document.querySelectorAll(sel)].some(t => t.innerText.includes('→ 150'))",
        arg=ACCORDION_TITLE,
        timeout=20_000)
    assert titles.all_inner_texts() != first_titles

    # opening an arm's panel shows its reasoning (the text before ####)
    titles.nth(1).click()
    page.get_by_text("120 + 40 = 150").first.wait_for(state="visible", timeout=20_000)
    text = widget_text(page)
    assert "counterfactual" in text and "Error displaying widget" not in text
    save_screenshot(page, ARTIFACTS / "reward_inspector_lab.png")
    save_screenshot(page, ARTIFACTS / "reward_inspector_widget.png", selector=WIDGET_OUTPUT)


def test_harness_reports_a_failing_cell(lab_server, lab_page):
    """The harness fails loudly (with the exception) instead of timing out or passing when a cell raises."""
    from jupyterlab_harness import NotebookRunError

    nb = write_notebook(lab_server.root_dir / "harness" / "fails.ipynb",
                        "x = 1", "raise ValueError('boom from the notebook')", "y = 2")
    with pytest.raises(NotebookRunError, match="ValueError: boom from the notebook"):
        run_notebook_in_lab(lab_page, lab_server, nb, timeout_s=90)
