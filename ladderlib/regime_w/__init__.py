"""Regime W (seed 002): tutor SFT, 8-arm (Wolfram / Maudlin style × temperature) rollouts, coherence scores,
reward, UCB1 bandit, and PPO on the rollouts.

Modules: ``sft`` (tutor SFT and the dev evaluation), ``arms`` (system prompts), ``counterfactual``
(meaning-preserving rewrites), ``scoring`` (s_end, s_path, s_cf, s_wm), ``reward``, ``rollouts`` (resumable
collection), ``store`` (the rollouts file), ``bandit`` (UCB1 and style report), ``summary`` (aggregates),
``ppo`` (offline PPO on the rollouts). The settings are ``ladderlib.config.regime_w`` and ``config.ppo``.
Names are imported lazily.
"""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "arms": "Arm build_arms user_prompt",
    "bandit": "UCB1 arm_table bandit_from_rollouts style_summary",
    "counterfactual": "Rewrite rewrite_question",
    "reward": "compute_reward reward_terms",
    "rollouts": "CollectResult collect_rollouts",
    "scoring": "coherence_scores",
    "store": "read_rollouts repair_rollouts",
    "summary": "summarize_rollouts",
    "sft": "train_tutor_sft dev_eval",
    "ppo": "train_ppo_on_rollouts",
})
