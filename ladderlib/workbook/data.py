"""Stage 01_data: every dataset into the run folder, with its data card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ladderlib.config.params import Params
from ladderlib.pipeline.rundir import RunDir


@dataclass
class DataStage:
    """What 01_data wrote: the data card and one table row per dataset."""

    card: dict[str, Any]
    table: list[dict[str, Any]]


def run_data(params: Params, run: RunDir) -> DataStage:
    """Load, split and write all datasets (``run.data_dir``, ``run.data_card``); records ``metrics.json['01_data']``."""
    from ladderlib.data import prepare_data
    from ladderlib.plots.data import dataset_table

    card = prepare_data(params, run.path)
    run.record_metrics("01_data", {name: d["rows"] for name, d in card["datasets"].items()})
    return DataStage(card, dataset_table(card))
