"""``adversarial``: the generator/discriminator system of 07 (seed 003): its model, schedule, budgets, rewards,
PPO and evaluation sizes."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ladderlib.config.base import Section, existing_file_or_none
from ladderlib.config.ppo import PPOConfig

SEED_MODEL = "Qwen/Qwen2.5-Coder-1.5B-Instruct"
STAGE_NUMBERS = (1, 2, 3, 4, 5)


def _adversarial_ppo() -> PPOConfig:
    return PPOConfig(learning_rate=1e-5, batch_size=4, mini_batch_size=2, ppo_epochs=2, temperature=0.8)


class AdversarialSettings(Section):
    """A generator (five reasoning stages up to code) against a test-writing discriminator, two LoRA adapters
    on one base model, trained stage by stage with PPO (see ``ladderlib.adversarial``)."""

    model: str | None = Field(
        None, description="base model of both roles ('embedded', a hub id or a local folder); None: the profile's "
                          "model.name. Device, dtype, quantization and LoRA shape come from the model section")
    stages: list[int] = Field(
        list(STAGE_NUMBERS), min_length=1,
        description="training stages to run, in order (1 informal, 2 structured, 3 pseudocode, 4 constraints, "
                    "5 code): at stage k PPO updates the generator's stage-k text",
    )
    epochs_per_stage: int = Field(1, ge=1, le=1000, description="passes of the stage schedule per stage; a "
                                                                "checkpoint is written after each")
    n_discriminator_steps: int = Field(2, ge=0, le=100_000, description="discriminator PPO steps per stage epoch, "
                                                                        "generator frozen")
    n_generator_steps: int = Field(2, ge=0, le=100_000, description="generator PPO steps per stage epoch, "
                                                                    "discriminator frozen")
    k_alternating_steps: int = Field(2, ge=0, le=100_000, description="then this many steps alternating "
                                                                      "discriminator, generator, ...")
    batch_size: int = Field(4, ge=1, le=4096, description="training problems per step")
    programs_per_problem: int = Field(1, ge=1, le=64, description="generator samples per problem per step (more "
                                                                  "programs give the rewards more to measure)")
    stage_max_new_tokens: int = Field(256, ge=4, le=32768, description="tokens of each reasoning stage (1-4)")
    code_max_new_tokens: int = Field(512, ge=16, le=32768, description="tokens of the code stage (5)")
    tests_max_new_tokens: int = Field(384, ge=16, le=32768, description="tokens of the discriminator's tests")
    max_tests: int = Field(8, ge=1, le=256, description="asserts kept per discriminator answer (the first ones)")
    generation_batch_size: int = Field(16, ge=1, le=4096, description="prompts per generation batch (rollouts "
                                                                      "and evaluation)")
    discriminator_reward: Literal["seed", "cure"] = Field(
        "seed", description="what trains the discriminator: 'seed' = (1 - generator pass rate) x test validity; "
                            "'cure' = CURE's test reward (a valid test earns the share of wrong programs it "
                            "catches, an invalid one loses the share it lets pass). Both are logged")
    ppo: PPOConfig = Field(default_factory=_adversarial_ppo,
                           description="PPO of both roles (learning_rate, ppo_epochs, clip ranges, KL control, "
                                       "mini_batch_size, temperature = the rollout sampling temperature); batch_size, "
                                       "save_every and max_new_tokens are set by this section instead")
    save_every: int = Field(0, ge=0, description="also checkpoint every N steps inside a stage (0: only after "
                                                 "each stage epoch)")
    problems_file: Path | None = Field(
        None, description="train on problems in the seed's format from this JSON file instead of MBPP train")
    max_train_problems: int | None = Field(None, ge=1, description="use at most this many training problems")
    eval_humaneval: int = Field(164, ge=0, le=164, description="HumanEval problems scored (0: none)")
    eval_mbpp: int = Field(500, ge=0, le=500, description="MBPP test problems scored (0: none)")
    eval_samples: int = Field(1, ge=1, le=200, description="samples per problem: 1 = greedy pass@1; n > 1 samples "
                                                           "at eval_temperature and reports pass@1 and pass@k")
    eval_k: list[int] = Field([1], min_length=1, description="k values of pass@k (each <= eval_samples)")
    eval_temperature: float = Field(0.8, gt=0.0, le=2.0, description="sampling temperature when eval_samples > 1")
    seed: int = Field(0, description="seed of problem order and of every sampled rollout")

    @field_validator("stages")
    @classmethod
    def _stages(cls, v: list[int]) -> list[int]:
        if any(s not in STAGE_NUMBERS for s in v) or len(set(v)) != len(v):
            raise ValueError(f"stages must be distinct numbers from 1 to 5, got {v}")
        return v

    @field_validator("problems_file")
    @classmethod
    def _file(cls, v: Path | None, info: ValidationInfo) -> Path | None:
        return existing_file_or_none(v, info)

    @model_validator(mode="after")
    def _check(self) -> AdversarialSettings:
        if self.n_discriminator_steps + self.n_generator_steps + self.k_alternating_steps == 0:
            raise ValueError("the schedule has no steps: n_discriminator_steps, n_generator_steps and "
                             "k_alternating_steps are all 0")
        if max(self.eval_k) > self.eval_samples:
            raise ValueError(f"eval_k {self.eval_k} asks for more samples than eval_samples ({self.eval_samples})")
        return self
