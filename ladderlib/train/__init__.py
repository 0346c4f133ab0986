"""Supervised fine-tuning for notebook 04_sft: GSM8K tutor SFT (seed 002), planner SFT with JSON plans (seed 001),
the plan schema shared with the GRPO planner, dev evaluation, merge and (opt-in) hub push.

Heavy libraries (torch, TRL, PEFT) are imported only when training or evaluating starts.
"""

from ladderlib.train.config import PLANNER_SYSTEM_PROMPT, TUTOR_SYSTEM_PROMPT, PlannerSFTSettings, SFTSettings
from ladderlib.train.hub import HubOfflineError, merge_and_push, push_to_hub
from ladderlib.train.plan_schema import Plan, PlanParseError, parse_plan
from ladderlib.train.planner_data import plan_from_solution, planner_example, planner_rows_from_gsm8k
from ladderlib.train.sft import (
    PLANNER_ADAPTER,
    SFT_ADAPTER,
    clean_solution,
    dev_eval,
    run_planner_sft,
    run_sft,
    sft_example,
    train_adapter,
    tutor_prompt,
)

__all__ = [
    "PLANNER_ADAPTER",
    "PLANNER_SYSTEM_PROMPT",
    "SFT_ADAPTER",
    "TUTOR_SYSTEM_PROMPT",
    "HubOfflineError",
    "Plan",
    "PlanParseError",
    "PlannerSFTSettings",
    "SFTSettings",
    "clean_solution",
    "dev_eval",
    "merge_and_push",
    "parse_plan",
    "plan_from_solution",
    "planner_example",
    "planner_rows_from_gsm8k",
    "push_to_hub",
    "run_planner_sft",
    "run_sft",
    "sft_example",
    "train_adapter",
    "tutor_prompt",
]
