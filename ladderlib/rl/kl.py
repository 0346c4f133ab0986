"""KL-penalty coefficient controllers: adaptive (Ziegler et al. 2019) and fixed."""

from __future__ import annotations

from typing import Any

__all__ = ["AdaptiveKLController", "FixedKLController", "KLController"]


class FixedKLController:
    """A constant KL coefficient; ``update`` is a no-op."""

    def __init__(self, kl_coef: float) -> None:
        self.value = float(kl_coef)

    def update(self, current_kl: float, n_steps: int) -> float:
        """Keep the coefficient; returns it."""
        return self.value

    def state_dict(self) -> dict[str, Any]:
        """Serialisable state (for checkpoints)."""
        return {"type": "fixed", "value": self.value}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from ``state_dict``."""
        self.value = float(state["value"])


class AdaptiveKLController:
    """Ziegler et al. (2019) proportional controller driving the measured KL towards ``target``.

    ``e = clip(KL/target - 1, -0.2, 0.2)``; ``beta <- beta * (1 + e * n_steps / horizon)``, where
    ``n_steps`` is the number of samples (episodes) behind the KL measurement.
    """

    def __init__(self, init_kl_coef: float, target: float, horizon: int) -> None:
        if target <= 0 or horizon <= 0:
            raise ValueError("target and horizon must be positive")
        self.value = float(init_kl_coef)
        self.target = float(target)
        self.horizon = int(horizon)

    def update(self, current_kl: float, n_steps: int) -> float:
        """Move the coefficient up when ``current_kl`` > target, down when below; returns the new value."""
        error = min(max(current_kl / self.target - 1.0, -0.2), 0.2)
        self.value *= 1.0 + error * n_steps / self.horizon
        return self.value

    def state_dict(self) -> dict[str, Any]:
        """Serialisable state (for checkpoints)."""
        return {"type": "adaptive", "value": self.value, "target": self.target, "horizon": self.horizon}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore from ``state_dict``."""
        self.value = float(state["value"])
        self.target = float(state.get("target", self.target))
        self.horizon = int(state.get("horizon", self.horizon))


KLController = AdaptiveKLController | FixedKLController
