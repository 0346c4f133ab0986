"""An ipywidgets browser for LADDER variant trees: a picker over the forest, expand/collapse, rendered math,
node metadata, and a static fallback.

Each node shows its integrand as LaTeX (``HTMLMath``; the text is parsed with the safe parser and
rendered by ``sympy.latex``, falling back to plain text), its depth, difficulty and source (persona
and temperature for model nodes, the rewrite's name for symbolic ones), and — when the node has
``samples`` (``[{"answer", "correct", "reason"}]``) — how many sampled solutions verified.

Where no kernel runs the widget (an untrusted or exported notebook, GitHub), the same forest shows as nested
``<details>`` elements (``static_forest_html``), one per tree and node.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as W

from ladderlib.ladder.variants.tree import VariantNode, VariantTree
from ladderlib.widgets.fallback import FallbackVBox

ROW_CLASS = "ladder-variant-node"


def integrand_latex(text: str, variable: str = "x") -> str | None:
    """LaTeX for an integrand string, or None when the safe parser rejects it."""
    try:
        import sympy

        from ladderlib.ladder.variants.canonical import parse_candidate

        return sympy.latex(parse_candidate(text, variable))
    except Exception:  # noqa: BLE001 - any failure falls back to plain text
        return None


def _math_html(node: VariantNode, variable: str) -> str:
    tex = integrand_latex(node.integrand, variable)
    if tex is None:
        return f"<code>{html.escape(node.integrand)}</code>"
    return f"$\\displaystyle \\int {tex} \\, d{variable}$"


def _meta_html(node: VariantNode) -> str:
    diff = "?" if node.difficulty is None else f"{node.difficulty:.2f}"
    if node.source == "model":
        origin = f"model ({html.escape(node.persona or '')[:40]}, T={node.temperature})"
    elif node.source == "symbolic":
        origin = f"symbolic: {html.escape(node.rewrite or '?')}" + (f" ({node.kind})" if node.kind else "")
    else:
        origin = "root"
    parts = [f"<b>{html.escape(node.id)}</b>", f"depth {node.depth}", f"difficulty {diff}", origin]
    if node.samples:
        ok = sum(bool(s.get("correct")) for s in node.samples)
        parts.append(f"samples {ok}/{len(node.samples)} correct")
    return " · ".join(parts)


def _samples_html(node: VariantNode) -> str:
    items = []
    for s in node.samples:
        mark = "✓" if s.get("correct") else "✗"
        colour = "green" if s.get("correct") else "crimson"
        reason = f" — {html.escape(str(s['reason']))}" if s.get("reason") else ""
        answer = html.escape(str(s.get("answer")))
        items.append(f"<li><span style='color:{colour}'>{mark}</span> <code>{answer}</code>{reason}</li>")
    return f"<ul style='margin:0 0 0 1em;font-size:90%'>{''.join(items)}</ul>"


def _header_html(tree: VariantTree) -> str:
    by_source: dict[str, int] = {}
    for n in tree.variants():
        by_source[n.source] = by_source.get(n.source, 0) + 1
    drops = ", ".join(f"{k} {v}" for k, v in sorted(tree.drop_counts().items())) or "none"
    srcs = ", ".join(f"{k} {v}" for k, v in sorted(by_source.items())) or "none"
    return (f"<b>{html.escape(tree.problem)}</b> &nbsp; <small>tree {html.escape(tree.tree_id)} · seed {tree.seed} · "
            f"{len(tree.nodes) - 1} variants ({srcs}) · max depth {tree.max_depth()} · drops: {drops}</small>")


def _static_node(tree: VariantTree, node: VariantNode) -> str:
    kids = tree.children(node.id)
    head = f"<code>{html.escape(node.integrand)}</code> <small>{_meta_html(node)}</small>"
    if not kids:
        return f"<div style='margin-left:1.2em'>{head}</div>"
    inner = "".join(_static_node(tree, k) for k in kids)
    return f"<details open style='margin-left:0.6em'><summary>{head}</summary>{inner}</details>"


def static_forest_html(trees: list[VariantTree]) -> str:
    """The forest as nested ``<details>`` (no scripts, escaped text): the browser's offline rendering."""
    parts = [f"<details{' open' if i == 0 else ''}><summary>{_header_html(t)}</summary>{_static_node(t, t.root)}</details>"
             for i, t in enumerate(trees)]
    return f"<div class='ladder-variant-static'><p><b>{len(trees)} variant tree(s)</b> (static view)</p>{''.join(parts)}</div>"


def _tree_view(tree: VariantTree, expand_depth: int) -> tuple[W.VBox, dict[str, W.HBox], dict[str, W.Button]]:
    """One tree's browser: header, expand/collapse-all buttons and the node rows."""
    rows: dict[str, W.HBox] = {}
    toggles: dict[str, W.Button] = {}
    child_boxes: dict[str, W.VBox] = {}

    def set_open(node_id: str, is_open: bool) -> None:
        child_boxes[node_id].layout.display = "" if is_open else "none"
        toggles[node_id].description = "▾" if is_open else "▸"

    def block(node: VariantNode) -> W.VBox:
        kids = tree.children(node.id)
        button = W.Button(description="·", disabled=not kids, layout=W.Layout(width="2.2em"),
                          tooltip="expand / collapse" if kids else "")
        meta = W.HTML(_meta_html(node) + (_samples_html(node) if node.samples else ""),
                      layout=W.Layout(margin="0 0 0 1em"))
        math = W.HTMLMath(_math_html(node, tree.variable), layout=W.Layout(margin="0 0 0 0.5em"))
        row = W.HBox([button, math, meta], layout=W.Layout(align_items="center"))
        row.add_class(ROW_CLASS)
        rows[node.id] = row
        inner = W.VBox([block(k) for k in kids], layout=W.Layout(margin="0 0 0 2em"))
        if kids:
            toggles[node.id], child_boxes[node.id] = button, inner
            button.on_click(lambda _b, nid=node.id: set_open(nid, child_boxes[nid].layout.display == "none"))
            set_open(node.id, node.depth < expand_depth)
        return W.VBox([row, inner])

    body = block(tree.root)
    expand_all = W.Button(description="expand all")
    collapse_all = W.Button(description="collapse all")
    expand_all.on_click(lambda _b: [set_open(n, True) for n in toggles])
    collapse_all.on_click(lambda _b: [set_open(n, False) for n in toggles])
    return W.VBox([W.HTML(_header_html(tree)), W.HBox([expand_all, collapse_all]), body]), rows, toggles


def variant_tree_browser(trees: Any, expand_depth: int = 1) -> FallbackVBox:
    """A widget showing one tree (a ``VariantTree`` or its dict) or a forest (a list), with a picker for the
    forest; nodes shallower than ``expand_depth`` start expanded.

    The returned box has ``picker`` (the tree dropdown, None for one tree), ``node_rows`` (node id -> row widget
    of the shown tree, each with CSS class ``ladder-variant-node``) and ``toggles`` (node id -> expand button).
    """
    forest = [VariantTree.from_dict(t) if isinstance(t, dict) else t
              for t in (trees if isinstance(trees, (list, tuple)) else [trees])]
    if not forest:
        raise ValueError("variant_tree_browser needs at least one tree")
    picker = None
    if len(forest) > 1:
        picker = W.Dropdown(options=[(f"{i}: {t.root.integrand} ({len(t.nodes) - 1} variants)", i)
                                     for i, t in enumerate(forest)], value=0, description="tree",
                            layout=W.Layout(width="95%"))
    view, rows, toggles = _tree_view(forest[0], expand_depth)
    browser = FallbackVBox([w for w in (picker, view) if w is not None], fallback_html=static_forest_html(forest))
    browser.picker, browser.node_rows, browser.toggles, browser.trees = picker, rows, toggles, forest

    def show(index: int) -> None:
        new_view, browser.node_rows, browser.toggles = _tree_view(forest[index], expand_depth)
        browser.children = (picker, new_view)

    if picker is not None:
        picker.observe(lambda change: show(change["new"]), names="value")
    return browser
