"""Regime W: 8-arm (Wolfram / Maudlin style × temperature) rollouts, coherence scores, reward, UCB1 bandit.

Modules: ``config`` (settings), ``arms`` (system prompts), ``counterfactual`` (meaning-preserving
rewrites), ``scoring`` (s_end, s_path, s_cf, s_wm), ``reward``, ``rollouts`` (resumable collection),
``store`` (the rollouts file), ``bandit`` (UCB1 and style report), ``summary`` (aggregates).
"""

from ladderlib.regime_w.arms import Arm, build_arms, user_prompt
from ladderlib.regime_w.bandit import UCB1, arm_table, bandit_from_rollouts, style_summary
from ladderlib.regime_w.config import RegimeWSettings
from ladderlib.regime_w.counterfactual import Rewrite, rewrite_question
from ladderlib.regime_w.reward import compute_reward, reward_terms
from ladderlib.regime_w.rollouts import CollectResult, collect_rollouts, model_generate_fn
from ladderlib.regime_w.scoring import coherence_scores, s_cf, s_end, s_path, s_wm
from ladderlib.regime_w.store import read_rollouts, repair_rollouts
from ladderlib.regime_w.summary import summarize_rollouts

__all__ = [
    "Arm",
    "CollectResult",
    "RegimeWSettings",
    "Rewrite",
    "UCB1",
    "arm_table",
    "bandit_from_rollouts",
    "build_arms",
    "coherence_scores",
    "collect_rollouts",
    "compute_reward",
    "model_generate_fn",
    "read_rollouts",
    "repair_rollouts",
    "reward_terms",
    "rewrite_question",
    "s_cf",
    "s_end",
    "s_path",
    "s_wm",
    "style_summary",
    "summarize_rollouts",
    "user_prompt",
]
