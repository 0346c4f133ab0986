"""Executed notebooks keep each fallback widget's static HTML, not its frozen widget view.

A widget saved by papermill can only be replayed from its saved state: in a trusted JupyterLab it renders
without its Python callbacks (a variant tree that cannot expand, a picker that does nothing), and an HTML
export loads the widget manager from a CDN, so offline it is blank (nbconvert prefers the widget view whenever
the state holds its model). Our widgets (``ladderlib.widgets.fallback.FallbackVBox``) carry a static rendering
(nested ``<details>``, HTML cards) that works everywhere without a kernel; in the saved file that rendering is
what every viewer should get, and "Run" on the cell brings the live widget back.

So for every output that holds both a widget view and ``text/html``, the widget view is dropped; the saved
widget state is pruned to what the remaining views still reference (tqdm bars keep theirs).
"""

from __future__ import annotations

from typing import Any

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _referenced(state: dict[str, Any], roots: set[str]) -> set[str]:
    """Model ids reachable from ``roots`` through ``IPY_MODEL_<id>`` references in the saved state."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        mid = todo.pop()
        if mid in seen or mid not in state:
            continue
        seen.add(mid)
        stack: list[Any] = [state[mid].get("state", {})]
        while stack:
            v = stack.pop()
            if isinstance(v, str) and v.startswith("IPY_MODEL_"):
                todo.append(v[len("IPY_MODEL_"):])
            elif isinstance(v, dict):
                stack.extend(v.values())
            elif isinstance(v, list):
                stack.extend(v)
    return seen


def keep_static_widget_outputs(nb: Any) -> int:
    """Drop the widget view of outputs that also carry ``text/html``; prune the saved state. Returns how many."""
    dropped = 0
    live: set[str] = set()
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = out.get("data", {})
            if WIDGET_VIEW not in data:
                continue
            if "text/html" in data:
                del data[WIDGET_VIEW]
                dropped += 1
            else:
                live.add(data[WIDGET_VIEW].get("model_id", ""))
    saved = nb.metadata.get("widgets", {}).get(WIDGET_STATE)
    if dropped and saved is not None:
        keep = _referenced(saved.get("state", {}), live)
        if keep:
            saved["state"] = {k: v for k, v in saved["state"].items() if k in keep}
        else:
            del nb.metadata["widgets"]
    return dropped
