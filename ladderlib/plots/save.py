"""Save a figure under ``<run>/plots/`` (PNG) atomically."""

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
