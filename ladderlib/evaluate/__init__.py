"""Answer extraction, answer comparison and GSM8K accuracy with Wilson confidence intervals."""

from ladderlib.evaluate.answers import answers_match, extract_answer, gsm8k_gold, normalize_answer
from ladderlib.evaluate.gsm8k import EvalResult, evaluate, load_gsm8k, results_table, wilson_interval

__all__ = [
    "EvalResult",
    "answers_match",
    "evaluate",
    "extract_answer",
    "gsm8k_gold",
    "load_gsm8k",
    "normalize_answer",
    "results_table",
    "wilson_interval",
]
