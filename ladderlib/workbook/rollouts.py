"""Stage 05_regime_w_rollouts: 8-arm coherence-scored rollouts (resumable) and the UCB1 view of the arms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ladderlib.config.params import Params
from ladderlib.pipeline.rundir import RunDir


@dataclass
class RolloutsStage:
    """The collection, which policy wrote it, and the arm/style tables."""

    result: Any
    policy: str
    arms: list[dict[str, Any]]
    styles: dict[str, Any]
    summary: dict[str, Any]

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The rollout rows of this run's questions."""
        return self.result.rows


def run_rollouts(params: Params, run: RunDir) -> RolloutsStage:
    """Collect ``run.rollouts`` with the SFT policy (the base model when 04 has not run); records
    ``metrics.json['regime_w']``."""
    from ladderlib.data import read_dataset
    from ladderlib.models import load_model
    from ladderlib.regime_w.arms import build_arms
    from ladderlib.regime_w.bandit import arm_table, bandit_from_rollouts, style_summary
    from ladderlib.regime_w.rollouts import collect_rollouts
    from ladderlib.regime_w.summary import summarize_rollouts

    from tqdm.auto import tqdm

    adapter = run.adapter_or_none(run.sft_adapter)
    model, tok = load_model(params.model, adapter_path=adapter)
    with tqdm(total=params.regime_w.n_questions, desc="rollouts", unit="question") as bar:
        result = collect_rollouts(read_dataset(run.path, "gsm8k_train"), run.rollouts, params.regime_w,
                                  model=model, tokenizer=tok, progress=lambda done, total: bar.update(done - bar.n))
    arms = build_arms(params.regime_w)
    bandit = bandit_from_rollouts(result.rows, params.regime_w)
    styles = style_summary(bandit, arms)
    summary = summarize_rollouts(result.rows)
    run.record_metrics("regime_w", {"summary": summary, "styles": styles})
    policy = "SFT adapter" if adapter else "base model (04_sft has not run in this run)"
    return RolloutsStage(result, policy, arm_table(bandit, arms), styles, summary)
