"""Write a notebook from a compact Python description (used to author notebooks/ reproducibly).

Usage in a script: ``build(path, [("md", "..."), ("params", "..."), ("code", "...")])``. The parameters
cell is tagged ``parameters`` so papermill injects values after it. Outputs are never stored.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat


def build(path: str | Path, cells: list[tuple[str, str]]) -> Path:
    """Create the notebook at ``path`` from (kind, source) pairs; kind is md, code or params."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for kind, src in cells:
        src = src.strip("\n")
        if kind == "md":
            nb.cells.append(nbformat.v4.new_markdown_cell(src))
        elif kind == "params":
            c = nbformat.v4.new_code_cell(src)
            c.metadata["tags"] = ["parameters"]
            nb.cells.append(c)
        else:
            nb.cells.append(nbformat.v4.new_code_cell(src))
    for i, c in enumerate(nb.cells):
        c["id"] = f"{Path(path).stem.replace('_', '-')}-{i:02d}"
    nbformat.validate(nb)
    Path(path).write_text(nbformat.writes(nb))
    return Path(path)


if __name__ == "__main__":
    sys.exit("import build() from this module")
