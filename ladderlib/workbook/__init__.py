"""The notebooks' backend: one stage entry per notebook, ``run_<stage>(params, run)``.

Each entry reads what earlier notebooks wrote into the run folder (through ``RunDir``'s named artifacts),
does the notebook's work with the system packages, records its ``metrics.json`` section and returns a small
result object that the notebook displays. ``STAGES`` maps each notebook to its entry; the stage-chain test
runs them in order without papermill.
"""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "data": "run_data",
    "variants": "run_variants",
    "verify": "run_verify",
    "sft": "run_sft",
    "rollouts": "run_rollouts",
    "rl": "run_rl",
    "adversarial": "run_adversarial",
    "latent": "run_latent",
    "ttrl": "run_ttrl",
    "final": "run_final",
})

STAGES: dict[str, str] = {
    "01_data": "run_data",
    "02_variants": "run_variants",
    "03_verify": "run_verify",
    "04_sft": "run_sft",
    "05_regime_w_rollouts": "run_rollouts",
    "06_grpo_ppo": "run_rl",
    "07_adversarial": "run_adversarial",
    "08_latent": "run_latent",
    "09_ttrl_eval": "run_final",
}
"""Notebook stem -> the name of its stage entry in this package."""
