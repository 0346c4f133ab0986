"""The Regime W arms: Wolfram-style (precise, linear, computational) and Maudlin-style (reflective) system prompts.

Each arm pairs one style with one sampling temperature; the default settings give 8 arms
(``wolfram-0.2 … wolfram-0.5``, ``maudlin-0.2 … maudlin-0.5``). Every arm asks for step-by-step
reasoning that ends with a final line ``#### <answer>`` (the GSM8K marker ``extract_answer`` prefers).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from ladderlib.config.regime_w import RegimeWSettings

Style = Literal["wolfram", "maudlin"]
STYLES: tuple[Style, ...] = ("wolfram", "maudlin")

OUTPUT_FORMAT = (
    "Reason step by step, one short line per step. "
    "End with a final line of the form '#### <answer>', where <answer> is only the final number."
)

SYSTEM_PROMPTS: dict[Style, str] = {
    "wolfram": (
        "You are a precise computational mathematician. Solve the problem linearly: list the given "
        "quantities, then compute each intermediate value with an explicit calculation, one step after "
        "another, without digressions. " + OUTPUT_FORMAT
    ),
    "maudlin": (
        "You are a reflective, careful philosopher of mathematics. Before computing, state what the "
        "problem assumes and question whether the setup is read correctly; then reason step by step, "
        "and double-check the result against the question before answering. " + OUTPUT_FORMAT
    ),
}

USER_TEMPLATE = "{question}\n\nSolve the problem step by step and end with '#### <answer>'."


@dataclass(frozen=True)
class Arm:
    """One arm: a reasoning style sampled at one temperature."""

    id: str
    style: Style
    temperature: float
    system_prompt: str

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (for JSON / tables)."""
        return asdict(self)


def arm_id(style: Style, temperature: float) -> str:
    """Stable arm id, e.g. ``wolfram-0.2``."""
    return f"{style}-{temperature:g}"


def build_arms(settings: RegimeWSettings | None = None) -> list[Arm]:
    """The arms for ``settings``: for each temperature (in order) a Wolfram arm then a Maudlin arm.

    This interleaved order is also the order in which ``cf_arms`` picks counterfactual arms, so any
    even prefix holds both styles.
    """
    settings = settings or RegimeWSettings()
    return [
        Arm(arm_id(style, t), style, float(t), SYSTEM_PROMPTS[style])
        for t in settings.temperatures
        for style in STYLES
    ]


def user_prompt(question: str) -> str:
    """The user message sent to every arm for ``question``."""
    return USER_TEMPLATE.format(question=question.strip())
