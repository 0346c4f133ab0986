"""Stage 04_sft: tutor SFT (seed 002), planner SFT (seed 001) and the base-vs-SFT dev evaluation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ladderlib.config.params import Params
from ladderlib.pipeline.rundir import RunDir


@dataclass
class SFTStage:
    """Both adapters' training metrics and the dev table."""

    tutor: dict[str, Any]
    planner: dict[str, Any]
    dev: list[dict[str, Any]]


def run_sft(params: Params, run: RunDir) -> SFTStage:
    """Train ``run.sft_adapter`` and ``run.planner_sft_adapter``, score base vs SFT on the validation sample;
    records ``metrics.json['sft']``, ``['planner_sft']`` and ``['sft_dev_eval']``."""
    from ladderlib.data import read_dataset
    from ladderlib.planner.sft import planner_sft_rows, train_planner_sft
    from ladderlib.regime_w.sft import dev_eval, train_tutor_sft

    train = read_dataset(run.path, "gsm8k_train")
    tutor = train_tutor_sft(params.model, params.sft, train, run.sft_adapter)
    run.record_metrics("sft", tutor)
    source, rows = planner_sft_rows(params.planner_sft, train)
    planner = {**train_planner_sft(params.model, params.planner_sft, rows, run.planner_sft_adapter), "source": source}
    run.record_metrics("planner_sft", planner)
    dev = dev_eval(params.model, params.sft, run.sft_adapter, read_dataset(run.path, "gsm8k_validation"),
                   out_dir=run.sft_dev_eval_dir)
    run.record_metrics("sft_dev_eval", dev)
    return SFTStage(tutor, planner, dev["table"])
