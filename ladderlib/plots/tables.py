"""Every notebook table through one helper: a pandas ``Styler`` with escaped text and readable cells.

Model text goes into tables (answers with newlines, ``|`` and backticks), so cells are HTML-escaped and newlines
become line breaks; Markdown tables would break on such text. Dicts and lists become short ``key: value``
text, missing values a dash, floats a fixed number of digits. The Styler renders in JupyterLab, in HTML exports
and in GitHub's notebook preview.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from typing import Any

MISSING = "—"


def cell_text(value: Any, digits: int = 3, max_chars: int = 400) -> str:
    """A plain-text rendering of one cell value (dicts and lists as ``k: v`` lists, None as a dash)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{digits}f}" if abs(value) >= 10 ** -digits or value == 0 else f"{value:.2e}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {cell_text(v, digits)}" for k, v in value.items()) or "none"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(cell_text(v, digits) for v in value) or "none"
    text = str(value)
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def table(
    rows: Sequence[Mapping[str, Any]],
    columns: Mapping[str, str] | Sequence[str] | None = None,
    *,
    caption: str | None = None,
    digits: int = 3,
    code: Sequence[str] = (),
) -> Any:
    """A styled, escaped table of ``rows``; ``columns`` picks (and with a mapping, renames) the columns shown.

    Columns named in ``code`` are shown in a monospace font (model answers, expressions).
    """
    import pandas as pd

    if isinstance(columns, Mapping):
        keys, names = list(columns), list(columns.values())
    else:
        keys = list(columns) if columns is not None else list(dict.fromkeys(k for r in rows for k in r))
        names = keys
    data = [[cell_text(r.get(k), digits) for k in keys] for r in rows]
    frame = pd.DataFrame(data, columns=names)
    mono = [names[keys.index(k)] for k in code if k in keys]

    def escape(text: str) -> str:
        return html.escape(text).replace("\n", "<br>")

    styler = frame.style.format(escape).hide(axis="index")
    if mono:
        styler = styler.set_properties(subset=mono, **{"font-family": "monospace", "white-space": "pre-wrap"})
    styler = styler.set_properties(**{"text-align": "left", "vertical-align": "top"})
    styler = styler.set_table_styles([{"selector": "th", "props": [("text-align", "left")]}])
    if caption:
        styler = styler.set_caption(html.escape(caption))
    return styler
