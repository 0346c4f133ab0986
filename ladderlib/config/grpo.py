"""``GRPOBase``: the settings every GRPO run shares (LADDER's curriculum GRPO and the planner's), in TRL's names.

Each field is passed to ``trl.GRPOConfig`` under the same name; the subclasses in ``config.ladder`` and
``config.planner`` add what only their system needs and may change defaults.
"""

from __future__ import annotations

from pydantic import Field

from ladderlib.config.base import Section


class GRPOBase(Section):
    """GRPO engine settings (TRL's ``GRPOTrainer``)."""

    learning_rate: float = Field(5e-6, gt=0, le=1, description="learning rate of the LoRA policy")
    beta: float = Field(0.001, ge=0, description="KL coefficient towards the reference model (0: no reference passes)")
    num_generations: int = Field(4, ge=2, le=256, description="completions sampled per prompt (the GRPO group)")
    per_device_train_batch_size: int = Field(
        4, ge=1, description="completions per device per step; prompts per step = this / num_generations"
    )
    gradient_accumulation_steps: int = Field(1, ge=1, description="batches accumulated per optimizer step")
    max_completion_length: int = Field(256, ge=4, le=32768, description="tokens sampled per completion")
    temperature: float = Field(1.0, gt=0, le=3, description="sampling temperature of the completions")
    max_steps: int = Field(100, ge=1, description="optimizer steps")
    logging_steps: int = Field(1, ge=1, description="log metrics every this many steps")
    save_steps: int = Field(50, ge=1, description="write a committed, resumable checkpoint every this many steps")
    seed: int = Field(0, ge=0, description="seed of initialisation, data order and sampling")
    bf16: bool | None = Field(
        None, description="bf16 autocast (None: follow the model's dtype; True on a CPU with AVX-512 bf16 is faster)")
    torch_threads: int | None = Field(None, ge=1, le=512, description="torch intra-op threads while training (None: torch's)")
    use_vllm: bool = Field(False, description="generate with vLLM colocated in the training process (CUDA only)")
    vllm_gpu_memory_utilization: float = Field(0.3, gt=0, lt=1, description="GPU memory share vLLM may take when colocated")
    resume: bool = Field(True, description="continue from the last committed checkpoint of a run with the same settings")
