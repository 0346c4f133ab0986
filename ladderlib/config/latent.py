"""``latent``: 08_latent, Coconut continuous-thought reasoning against no-CoT, CoT, pause tokens and Coconut
without curriculum, trained the same way in one run (see ``ladderlib.latent``)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ladderlib.config.base import Section

METHODS = ("no_cot", "cot", "pause", "coconut", "coconut_no_curriculum")
TASKS = ("procedural", "gsm8k")


class ProceduralSettings(Section):
    """The seeded multi-hop task: operations mod 10 on a digit (arithmetic) or links followed through a list
    with distractors (links, ProsQA-style), one step per hop."""

    kind: Literal["arithmetic", "links"] = Field("arithmetic", description="arithmetic: start at a digit and apply "
                                                 "operations mod 10; links: follow links a>c through a shuffled "
                                                 "list of one outgoing link per node")
    nodes: int = Field(8, ge=2, le=26, description="links: letters in each problem's list (chance is about 1/nodes)")

    n_train: int = Field(2000, ge=1, le=1_000_000, description="training problems")
    n_test: int = Field(200, ge=1, le=100_000, description="held-out problems (a disjoint set of questions)")
    min_hops: int = Field(3, ge=1, le=12, description="fewest operations per problem")
    max_hops: int = Field(6, ge=1, le=12, description="most operations per problem")
    seed: int = Field(0, description="seed of the generator: the same seed gives the same problems")

    @model_validator(mode="after")
    def _hops(self) -> ProceduralSettings:
        if self.min_hops > self.max_hops:
            raise ValueError(f"min_hops {self.min_hops} > max_hops {self.max_hops}")
        return self


class LatentSettings(Section):
    """Coconut (Hao et al. 2024): stage k of the curriculum replaces the first k reasoning steps by k x c_thought
    continuous thoughts (last hidden states fed back as input embeddings); the last stage drops every language
    step. Each method trains a fresh LoRA adapter for the same number of epochs."""

    model: str | None = Field(None, description="base model ('embedded', a hub id or a local folder); None: the "
                                                "profile's model.name. Device, dtype and LoRA shape come from the "
                                                "model section")
    methods: list[Literal["no_cot", "cot", "pause", "coconut", "coconut_no_curriculum"]] = Field(
        list(METHODS), min_length=1,
        description="methods trained and scored: no_cot (answer only), cot (every step in language), pause (the "
                    "curriculum with a learned pause embedding in the thought slots), coconut, "
                    "coconut_no_curriculum (only the last stage, for all epochs)")
    tasks: list[Literal["procedural", "gsm8k"]] = Field(
        ["procedural"], min_length=1,
        description="procedural: the seeded multi-hop arithmetic task; gsm8k: 01's GSM8K split with the "
                    "<<a*b=c>> calculator annotations as the steps")
    c_thought: int = Field(2, ge=1, le=16, description="continuous thoughts per replaced reasoning step (c)")
    max_latent_stage: int = Field(3, ge=1, le=12, description="last curriculum stage: its thoughts replace the "
                                                              "first max_latent_stage steps and the remaining "
                                                              "steps are dropped")
    epochs_per_stage: int = Field(3, ge=1, le=1000, description="passes over the training set per stage")
    stage0_epochs: int | None = Field(None, ge=1, le=1000, description="epochs of stage 0, the language-CoT stage "
                                                             "(the reference starts Coconut from a CoT-trained "
                                                             "checkpoint, so stage 0 may run longer than the "
                                                             "latent stages); None: epochs_per_stage")
    final_stage_epochs: int | None = Field(None, ge=1, le=1000, description="epochs of the last stage, whose "
                                                                  "thoughts are all the model gets (the reference's "
                                                                  "ProsQA recipe trains it from epoch 30 to 50: 20 "
                                                                  "epochs, 4x a stage); None: epochs_per_stage")
    max_steps_per_stage: int | None = Field(None, ge=1, description="cap on optimizer steps per stage's worth "
                                                                    "of epochs (a one-phase method gets the cap "
                                                                    "x its stages, so every method trains the "
                                                                    "same number of steps; None: the full epochs)")
    uniform_prob: float = Field(0.0, ge=0.0, le=1.0, description="probability that a training example is built at "
                                                                 "a uniformly drawn earlier stage instead of the "
                                                                 "current one (the paper's mix)")
    reset_optimizer: bool = Field(True, description="a fresh AdamW state at the start of every stage")
    thought_norm: bool = Field(False, description="rescale every continuous thought to the mean norm of the token "
                                                  "embeddings (a departure: the paper feeds the last hidden state "
                                                  "as it is, which on SmolLM2 is ~18x an embedding's norm)")
    thought_input: Literal["hidden", "soft_embedding"] = Field(
        "hidden", description="what fills a latent slot: hidden (the last hidden state of the position before it, "
                              "the paper) or soft_embedding (a departure: the LM head's distribution there times "
                              "the embedding matrix, a probability-weighted token embedding as in Soft Thinking, "
                              "Zhang et al. 2025; still continuous, trained through the softmax)")
    finetune: Literal["lora", "full"] = Field(
        "lora", description="what training updates: lora (a LoRA adapter shaped by the model settings' lora) or "
                            "full (every weight, as the paper fine-tunes all of GPT-2; AdamW then holds ~3 more "
                            "copies of the model in memory)")
    learning_rate: float = Field(1e-4, gt=0.0, le=1.0, description="AdamW learning rate (the paper: 1e-4)")
    weight_decay: float = Field(0.01, ge=0.0, le=1.0, description="AdamW weight decay (the paper: 0.01)")
    batch_size: int = Field(8, ge=1, le=4096, description="training examples per optimizer step")
    max_train_examples: int | None = Field(None, ge=1, description="use at most this many training examples per "
                                                                   "task")
    eval_examples: int = Field(200, ge=1, le=100_000, description="held-out examples scored per task and method")
    curve_examples: int | None = Field(None, ge=1, description="held-out examples scored after each Coconut stage "
                                                               "(the per-stage curve; None: eval_examples)")
    max_new_tokens: int = Field(64, ge=1, le=4096, description="greedy tokens after the thoughts")
    generation_batch_size: int = Field(16, ge=1, le=4096, description="prompts per generation batch")
    max_length: int = Field(256, ge=16, le=32768, description="training sequences are cut to this many tokens")
    textbook_eval: bool = Field(True, description="also score the GSM8K-trained methods on 01's textbook problems "
                                                  "(combinatorics and convex optimisation; needs the gsm8k task)")
    procedural: ProceduralSettings = Field(default_factory=ProceduralSettings,
                                           description="the procedural multi-hop task's sizes and seed")
    seed: int = Field(0, description="seed of LoRA init, example order and the uniform_prob mix")

    def thoughts(self, method: str) -> int:
        """Continuous thoughts (or pause slots) at inference for ``method``: max_latent_stage x c_thought, 0 for
        the language-only methods."""
        return 0 if method in ("no_cot", "cot") else self.max_latent_stage * self.c_thought
