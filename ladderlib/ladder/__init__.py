"""LADDER (seed 000): recursive variant trees of hard integrals, the verifier audit, curriculum GRPO, the
variants-vs-originals ablation and held-out selection. TTRL arrives with 09.

Subpackages and modules: ``variants`` (tree growth, screening, difficulty, datasets), ``audit`` (03's verifier
audit), ``heldout`` (easy held-out problems no training row matches), ``grpo`` (curriculum GRPO on a task),
``ablation`` (the arms of 06), ``cli`` (``ladder train``). The verifier itself is ``ladderlib.verify``.
"""
