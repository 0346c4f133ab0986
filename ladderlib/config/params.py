"""The top-level ``Params`` object: every section of a profile, validated in one pass before any work starts."""

from __future__ import annotations

from pydantic import Field

from ladderlib.config.base import Section
from ladderlib.config.schema import DataSettings, ModelSettings
from ladderlib.evaluate.config import EvalSettings
from ladderlib.planner.config import PlannerGRPOSettings
from ladderlib.regime_w.config import RegimeWSettings
from ladderlib.train.config import PlannerSFTSettings, SFTSettings
from ladderlib.train.grpo import GRPOSettings
from ladderlib.train.ppo_config import RegimeWPPOSettings
from ladderlib.variants.config import VariantSettings
from ladderlib.verify.audit import AuditSettings
from ladderlib.verify.config import VerifySettings


class Params(Section):
    """A whole params profile (``params/*.yaml``); each section has defaults, so a profile names only what differs."""

    profile: str = Field(..., min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    seed: int = Field(42, ge=0)
    model: ModelSettings = ModelSettings()
    data: DataSettings = DataSettings()
    variants: VariantSettings = VariantSettings()
    verify: VerifySettings = VerifySettings()
    audit: AuditSettings = AuditSettings()
    sft: SFTSettings = SFTSettings()
    planner_sft: PlannerSFTSettings = PlannerSFTSettings()
    regime_w: RegimeWSettings = RegimeWSettings()
    ppo: RegimeWPPOSettings = RegimeWPPOSettings()
    grpo: GRPOSettings = GRPOSettings()
    planner_grpo: PlannerGRPOSettings = PlannerGRPOSettings()
    evaluation: EvalSettings = EvalSettings()
