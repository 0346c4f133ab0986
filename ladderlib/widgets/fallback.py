"""Widgets that carry a static HTML rendering of themselves, for every place a live widget cannot run.

A live widget needs a kernel (or saved widget state in a trusted notebook). An executed notebook opened
untrusted, its HTML export viewed offline, or GitHub's preview cannot show it. ``FallbackVBox`` is an ordinary
``ipywidgets.VBox`` whose display bundle also holds ``text/html``: frontends that can render the widget do, the
others (and JupyterLab for untrusted outputs, which only renders safe types) show the static HTML instead.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as W


class FallbackVBox(W.VBox):
    """A ``VBox`` displayed with ``fallback_html`` next to its widget view (see the module docstring)."""

    def __init__(self, children: Any = (), fallback_html: str = "", **kwargs: Any) -> None:
        super().__init__(children, **kwargs)
        self.fallback_html = fallback_html

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        data = super()._repr_mimebundle_(**kwargs) or {}
        data["text/html"] = self.fallback_html
        return data
