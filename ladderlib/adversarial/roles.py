"""Generator and discriminator as two LoRA adapters on one base model, each with its own value head and PPO.

One base model in memory (PEFT multi-adapter: ``get_peft_model(..., adapter_name="generator")`` then
``add_adapter("discriminator", ...)``); ``set_adapter(role)`` picks which one generates and trains. PEFT's
``set_adapter`` also makes only that adapter's weights require gradients, so each role's PPO trainer is built
while its adapter is active and owns exactly that adapter's LoRA weights plus its own value head; before every
step of a role its adapter is switched on again. The KL reference of both is the base model (adapters
disabled). The model is always loaded through transformers (Unsloth has no multi-adapter PEFT path).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ladderlib.config.adversarial import AdversarialSettings
from ladderlib.config.model import ModelSettings
from ladderlib.config.ppo import PPOConfig

ROLES = ("generator", "discriminator")


def peft_with_roles(model: Any, settings: ModelSettings) -> Any:
    """Wrap ``model`` with one LoRA adapter per role (k-bit preparation first when it is 4-bit)."""
    from peft import get_peft_model, prepare_model_for_kbit_training

    from ladderlib.models.lora import lora_config

    if getattr(model, "is_loaded_in_4bit", False):
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=settings.gradient_checkpointing)
    config = lora_config(settings.lora)
    peft = get_peft_model(model, config, adapter_name=ROLES[0])
    for role in ROLES[1:]:
        peft.add_adapter(role, config)
    return peft


def role_config(ppo: PPOConfig, batch: int) -> PPOConfig:
    """The PPO settings of a role whose steps hold ``batch`` responses."""
    return PPOConfig.model_validate({**ppo.model_dump(), "batch_size": batch,
                                     "mini_batch_size": min(ppo.mini_batch_size, batch), "save_every": 0})


class Roles:
    """The shared PEFT model, its tokenizer, and one ``PPOTrainer`` per role."""

    def __init__(self, model_settings: ModelSettings, ppo: PPOConfig, batches: dict[str, int],
                 *, generation_batch_size: int = 8) -> None:
        from ladderlib.models import load_model
        from ladderlib.rl.ppo import PPOTrainer
        from ladderlib.rl.value_head import CausalLMWithValueHead

        settings = model_settings.model_copy(update={"backend": "transformers"})
        base, self.tokenizer = load_model(settings)
        self.model = peft_with_roles(base, settings)
        self.generation_batch_size = generation_batch_size
        self.trainers: dict[str, Any] = {}
        for role in ROLES:
            self.model.set_adapter(role)
            self.trainers[role] = PPOTrainer(CausalLMWithValueHead(self.model), role_config(ppo, batches[role]),
                                             tokenizer=self.tokenizer)
        self.model.set_adapter(ROLES[0])

    @contextlib.contextmanager
    def engine(self, role: str | None) -> Iterator[Any]:
        """An ``Engine`` generating as ``role`` (its adapter active), or as the base model with ``role=None``."""
        from ladderlib.models.generation import Engine

        previous = self.model.active_adapter
        if role is not None:
            self._check(role)
            self.model.set_adapter(role)
        try:
            yield Engine(self.model, self.tokenizer, batch_size=self.generation_batch_size,
                         adapter_disabled=role is None)
        finally:
            self.model.set_adapter(previous)

    def step(self, role: str, prompts: Sequence[Any], responses: Sequence[str], finished: Sequence[bool],
             scores: Sequence[float]) -> dict[str, float]:
        """One PPO update of ``role`` only, on (prompt, response text, reward) triples; returns its stats."""
        import torch

        from ladderlib.models.generation import encode

        self._check(role)
        trainer = self.trainers[role]
        self.model.set_adapter(role)
        queries = [torch.tensor(encode(self.tokenizer, p), dtype=torch.long) for p in prompts]
        ids = [trainer.encode_response(r, add_eos=f) for r, f in zip(responses, finished, strict=True)]
        ids = [r if r.numel() else trainer.encode_response("", add_eos=True) for r in ids]
        return trainer.step(queries, ids, list(scores))

    def adapter_state(self, role: str) -> dict[str, Any]:
        """The LoRA weights of ``role`` (names without the adapter), as PEFT saves them."""
        from peft import get_peft_model_state_dict

        return get_peft_model_state_dict(self.model, adapter_name=role)

    def save(self, folder: Path) -> None:
        """Write each role's adapter (``<role>/`` loadable by PEFT), value head and optimizer into ``folder``."""
        import torch
        from safetensors.torch import save_file

        from ladderlib.rl.value_head import VALUE_HEAD_FILE

        self.model.save_pretrained(str(folder), selected_adapters=list(ROLES))
        for role, trainer in self.trainers.items():
            head = {k: v.detach().cpu().contiguous() for k, v in trainer.model.v_head.state_dict().items()}
            save_file(head, str(folder / role / VALUE_HEAD_FILE))
            torch.save(trainer.optimizer.state_dict(), folder / role / "optimizer.pt")
        self.tokenizer.save_pretrained(str(folder / ROLES[0]))

    def load(self, folder: Path, state: dict[str, Any]) -> None:
        """Restore what ``save`` wrote, and each trainer's step and KL controller from ``state``."""
        import torch
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        for role, trainer in self.trainers.items():
            result = set_peft_model_state_dict(self.model, load_file(str(folder / role / "adapter_model.safetensors")),
                                               adapter_name=role)
            if getattr(result, "unexpected_keys", None):
                raise RuntimeError(f"unexpected adapter keys in {folder / role}: {result.unexpected_keys[:5]}")
            trainer.model.load_value_head(folder / role)
            trainer.optimizer.load_state_dict(torch.load(folder / role / "optimizer.pt", map_location=trainer.device,
                                                         weights_only=True))
            trainer.step_count = int(state[role]["step"])
            trainer.kl_ctl.load_state_dict(state[role]["kl_ctl"])

    def trainer_state(self) -> dict[str, Any]:
        """Each role's step count and KL controller (for ``trainer_state.json``)."""
        return {role: {"step": t.step_count, "kl_ctl": t.kl_ctl.state_dict()} for role, t in self.trainers.items()}

    def _check(self, role: str) -> None:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; roles: {', '.join(ROLES)}")


def build_roles(model: ModelSettings, settings: AdversarialSettings) -> Roles:
    """The two roles on ``settings.model`` (else the profile's model), PPO batches sized by the schedule."""
    batches = {"generator": settings.batch_size * settings.programs_per_problem, "discriminator": settings.batch_size}
    return Roles(model.model_copy(update={"name": settings.model or model.name}), settings.ppo, batches,
                 generation_batch_size=settings.generation_batch_size)
