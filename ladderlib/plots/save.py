"""Save a figure under ``<run>/plots/`` (PNG, atomically) and show it inline when running in a notebook."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def save_figure(fig: Any, run_dir: str | Path, name: str, dpi: int = 110) -> Path:
    """Write ``fig`` to ``run_dir/plots/<name>.png`` and return the path."""
    out = Path(run_dir) / "plots" / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp.png")
    fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
    os.replace(tmp, out)
    return out


def show(fig: Any, run_dir: str | Path, name: str, dpi: int = 110) -> None:
    """Save ``fig`` to ``plots/<name>.png`` and display it inline (a PNG output) in IPython; returns nothing, so
    a notebook cell ending in ``show(...)`` shows the figure and no path."""
    save_figure(fig, run_dir, name, dpi)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython ships with ipykernel, a dependency
        return
    if get_ipython() is None:
        return
    import io

    from IPython.display import Image, display

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    display(Image(data=buf.getvalue(), format="png"))
