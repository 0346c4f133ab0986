"""Where a hosted runtime fetches the workbook from, and the first cell that does it.

The notebooks' first cell must work before ``ladderlib`` exists (a fresh Colab or Kaggle runtime), so it holds
a few lines of plain Python that clone this repository at the release tag of the version it belongs to, and then
call ``setup_platform()``. ``bootstrap_cell()`` writes that cell; a test keeps every notebook's copy identical to
it. Forks change ``REPOSITORY``.
"""

from __future__ import annotations

REPOSITORY = "https://github.com/ladder-workbook/ladder-workbook"


def release_tag() -> str:
    """The git tag of this version of the workbook (``v0.1.0``)."""
    from ladderlib import __version__

    return f"v{__version__}"


def bootstrap_cell() -> str:
    """The source of every notebook's first code cell."""
    return f'''# Platform: on a fresh Colab or Kaggle runtime this fetches and installs the workbook once (keeping the
# runtime's CUDA torch); elsewhere it only says what machine this is and which profile "auto" means here.
import importlib.util, os, subprocess, sys  # noqa: E401
if importlib.util.find_spec("ladderlib") is None:  # a fresh hosted runtime
    repo = "/content/ladder-workbook" if os.path.isdir("/content") else "/tmp/ladder-workbook"
    if not os.path.isdir(repo):
        subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "{release_tag()}",
                        "{REPOSITORY}", repo], check=True)
    sys.path.insert(0, repo)
from ladderlib.platform import setup_platform

machine = setup_platform()'''
