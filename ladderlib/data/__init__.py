"""Datasets: GSM8K, integrals (textbook pairs and hard roots), code (HumanEval, MBPP), textbook problems."""

from ladderlib.data.prepare import prepare_data
from ladderlib.data.store import dataset_path, read_dataset, write_dataset

__all__ = ["dataset_path", "prepare_data", "read_dataset", "write_dataset"]
