"""ladderlib: the library behind the ladder-workbook notebooks.

Layers, top to bottom (enforced by import-linter, see the README's "Architecture"): ``cli``; ``workbook``
(one stage entry per notebook); ``plots`` and ``widgets``; the systems ``ladder``, ``planner``, ``regime_w``;
the core ``pipeline``, ``rl``, ``train``, ``evaluate``, ``tasks``, ``data``, ``verify``, ``models``;
``config`` (settings); and the utilities ``io``, ``lazy``, ``timeouts``.
"""

import os

__version__ = "0.1.0"

# OpenMP threads that spin-wait make PyTorch on a shared CPU 10-20x slower whenever another process holds a
# core (measured here: 155 s vs 6.8 s for the same 2x32-token generation). Sleeping waits cost almost nothing
# on an idle machine. Effective only when ladderlib is imported before torch; the pipeline and the Makefile
# also set it for the kernels and the tests. An explicit setting by the user wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
