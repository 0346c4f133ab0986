"""The Regime W reward for one question's arm set (seed 002), as a total and as its terms.

::

    base     = reward_correct (+1.0)  if any arm's answer is correct, else reward_incorrect (−0.5)
    bonus    = coherence_weight (0.7) · s_wm
    penalty  = length_penalty (0.001) · max(0, mean_tokens − length_free_tokens (400))
    reward   = base + bonus − penalty

``mean_tokens`` is the mean number of generated tokens (the whole completion, counted with the
model's tokenizer) over the arms. With the defaults the reward lies in [−0.5 − penalty, 1.7].
"""

from __future__ import annotations

from collections.abc import Sequence

from ladderlib.config.regime_w import RegimeWSettings


def reward_terms(
    correct: Sequence[bool], s_wm: float, n_tokens: Sequence[float], settings: RegimeWSettings | None = None
) -> dict[str, float]:
    """The reward and its parts: ``{"base", "coherence", "length_penalty", "mean_tokens", "reward"}``."""
    st = settings or RegimeWSettings()
    if not correct or len(correct) != len(n_tokens):
        raise ValueError(f"need one correctness flag and one length per arm: {len(correct)} vs {len(n_tokens)}")
    base = st.reward_correct if any(correct) else st.reward_incorrect
    coherence = st.coherence_weight * s_wm
    mean_tokens = sum(n_tokens) / len(n_tokens)
    penalty = st.length_penalty * max(0.0, mean_tokens - st.length_free_tokens)
    return {
        "base": base,
        "coherence": coherence,
        "length_penalty": penalty,
        "mean_tokens": mean_tokens,
        "reward": base + coherence - penalty,
    }


def compute_reward(
    correct: Sequence[bool], s_wm: float, n_tokens: Sequence[float], settings: RegimeWSettings | None = None
) -> float:
    """``base + coherence_weight·s_wm − length_penalty·max(0, mean_tokens − length_free_tokens)``."""
    return reward_terms(correct, s_wm, n_tokens, settings)["reward"]
