"""ladderlib: the library behind the ladder-workbook notebooks.

Subpackages, one job each: ``config`` (params profiles), ``models`` (loading, LoRA, generation),
``data`` (datasets for 01_data), ``pipeline`` (papermill runs and run folders), ``verify`` (integral
verifier), ``variants`` (LADDER variant trees), ``evaluate`` (answer extraction and accuracy),
``rl`` / ``train`` (PPO, GRPO, SFT), ``regime_w`` (8-arm coherence rollouts), ``widgets``.
"""

__version__ = "0.1.0"
