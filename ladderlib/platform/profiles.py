"""The params profile that fits a machine, for ``params_path = "auto"`` (an explicit path always wins).

By GPU name first (the profiles were written for these cards), then by memory: T4 -> ``colab_t4`` (4-bit, fp16),
P100 -> ``kaggle_p100`` (4-bit, fp16, eager attention), A100 -> ``lambda_a100`` (4-bit, bf16), H100/H200 ->
``h100`` (bf16 LoRA); other GPUs by memory (>= 70 GiB ``h100``, >= 35 GiB ``lambda_a100``, else ``colab_t4``);
no GPU -> ``cpu_smoke``.
"""

from __future__ import annotations

from pathlib import Path

from ladderlib.platform.detect import Platform

AUTO = "auto"
BY_NAME = (("T4", "colab_t4"), ("P100", "kaggle_p100"), ("A100", "lambda_a100"), ("H100", "h100"), ("H200", "h100"))


def choose_profile(platform: Platform) -> str:
    """The profile name for this machine's GPU (see the module docstring)."""
    gpu = platform.gpu
    if gpu is None:
        return "cpu_smoke"
    for marker, profile in BY_NAME:
        if marker in gpu.name.upper():
            return profile
    if gpu.memory_gib >= 70:
        return "h100"
    return "lambda_a100" if gpu.memory_gib >= 35 else "colab_t4"


def profiles_dir() -> Path:
    """``params/`` of the checkout this package runs from."""
    return Path(__file__).resolve().parents[2] / "params"


def resolve_params_path(params_path: str | Path, platform: Platform | None = None) -> tuple[Path, str | None]:
    """``(profile file, why)``: ``auto`` becomes the machine's profile (``why`` says which and why); any other
    value is returned as given (``why`` None)."""
    if str(params_path) != AUTO:
        return Path(params_path), None
    from ladderlib.platform.detect import detect_platform

    platform = platform or detect_platform()
    name = choose_profile(platform)
    return profiles_dir() / f"{name}.yaml", f"params_path 'auto' -> {name} ({platform.describe()})"
