"""The top-level ``Params`` object: every section of a profile, validated in one pass before any work starts.

Every section lives in a leaf module of ``ladderlib.config`` that imports only pydantic, so loading a profile
never imports torch, a trainer or papermill.
"""

from __future__ import annotations

from pydantic import Field

from ladderlib.config.adversarial import AdversarialSettings
from ladderlib.config.base import Section
from ladderlib.config.data import DataSettings
from ladderlib.config.evaluation import EvalSettings
from ladderlib.config.ladder import AuditSettings, LadderGRPOSettings
from ladderlib.config.latent import LatentSettings
from ladderlib.config.model import ModelSettings
from ladderlib.config.planner import PlannerGRPOSettings, PlannerSFTSettings
from ladderlib.config.ppo import RegimeWPPOSettings
from ladderlib.config.regime_w import RegimeWSettings
from ladderlib.config.sandbox import SandboxSettings
from ladderlib.config.sft import SFTSettings
from ladderlib.config.ttrl import TTRLSettings
from ladderlib.config.variants import VariantSettings
from ladderlib.config.verify import VerifySettings


class Params(Section):
    """A whole params profile (``params/*.yaml``); each section has defaults, so a profile names only what differs."""

    profile: str = Field(..., min_length=1, pattern=r"^[A-Za-z0-9_.-]+$", description="short name, part of run ids")
    description: str = Field("", description="one line on what the profile is for")
    smoke: bool = Field(False, description="tiny sizes that only prove the notebooks run: their numbers are not results, "
                                           "and the notebooks say so")
    model: ModelSettings = Field(default_factory=ModelSettings, description="the model every notebook loads")
    data: DataSettings = Field(default_factory=DataSettings, description="01_data: sources and splits")
    variants: VariantSettings = Field(default_factory=VariantSettings, description="02_variants: variant trees")
    verify: VerifySettings = Field(default_factory=VerifySettings, description="the integral verifier (every integral reward)")
    audit: AuditSettings = Field(default_factory=AuditSettings, description="03_verify: the verifier audit")
    sft: SFTSettings = Field(default_factory=SFTSettings, description="04_sft: tutor SFT on GSM8K (seed 002)")
    planner_sft: PlannerSFTSettings = Field(default_factory=PlannerSFTSettings, description="04_sft: planner SFT (seed 001)")
    regime_w: RegimeWSettings = Field(default_factory=RegimeWSettings, description="05: Regime W rollouts")
    ppo: RegimeWPPOSettings = Field(default_factory=RegimeWPPOSettings, description="06: PPO on Regime W rollouts")
    grpo: LadderGRPOSettings = Field(default_factory=LadderGRPOSettings, description="06: LADDER GRPO on the variants")
    planner_grpo: PlannerGRPOSettings = Field(default_factory=PlannerGRPOSettings, description="06: planner/worker GRPO")
    evaluation: EvalSettings = Field(default_factory=EvalSettings, description="06: base vs SFT vs PPO on GSM8K test; 09: the integral set")
    sandbox: SandboxSettings = Field(default_factory=SandboxSettings, description="the code sandbox: limits, workers "
                                                                                  "and isolation of every program run")
    adversarial: AdversarialSettings = Field(default_factory=AdversarialSettings,
                                             description="07: generator vs discriminator, stage-wise PPO")
    ttrl: TTRLSettings = Field(default_factory=TTRLSettings, description="09: test-time RL on the held-out integrals, "
                                                                         "with the adapter cache")
    latent: LatentSettings = Field(default_factory=LatentSettings,
                                   description="08: Coconut continuous thoughts vs no-CoT, CoT, pause, no curriculum")
