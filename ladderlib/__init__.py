"""ladderlib: the library behind the ladder-workbook notebooks.

Subpackages, one job each: ``config`` (params profiles), ``models`` (loading, LoRA, generation),
``data`` (datasets for 01_data), ``pipeline`` (papermill runs and run folders), ``verify`` (integral
verifier), ``variants`` (LADDER variant trees), ``evaluate`` (answer extraction and accuracy),
``rl`` / ``train`` (PPO, GRPO, SFT), ``regime_w`` (8-arm coherence rollouts), ``widgets``.
"""

import os

__version__ = "0.1.0"

# OpenMP threads that spin-wait make PyTorch on a shared CPU 10-20x slower whenever another process holds a
# core (measured here: 155 s vs 6.8 s for the same 2x32-token generation). Sleeping waits cost almost nothing
# on an idle machine. Effective only when ladderlib is imported before torch; the pipeline and the Makefile
# also set it for the kernels and the tests. An explicit setting by the user wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
