"""Which platform this kernel runs on, and which GPU it has.

* ``colab``: the ``google.colab`` module is importable (or ``COLAB_RELEASE_TAG`` / ``COLAB_GPU`` is set);
* ``kaggle``: ``KAGGLE_KERNEL_RUN_TYPE`` (or ``KAGGLE_URL_BASE``) is set, or ``/kaggle/working`` exists;
* ``cuda``: any other machine with an NVIDIA GPU (Lambda Cloud, H100 servers);
* ``local``: everything else.

The GPU comes from torch when it is importable with CUDA, else from ``nvidia-smi``; both are injectable so the
tests can play every platform.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class GpuInfo:
    """One GPU: its name (``Tesla T4``) and memory in GiB."""

    name: str
    memory_gib: float


@dataclass(frozen=True)
class Platform:
    """The detected platform (``colab``, ``kaggle``, ``cuda``, ``local``) and its first GPU (None without one)."""

    name: str
    gpu: GpuInfo | None

    @property
    def hosted(self) -> bool:
        """Colab or Kaggle: a runtime that starts without the workbook installed."""
        return self.name in ("colab", "kaggle")

    def describe(self) -> str:
        """``Colab, Tesla T4 (15.0 GiB)``."""
        place = {"colab": "Colab", "kaggle": "Kaggle", "cuda": "CUDA machine", "local": "local machine"}[self.name]
        return f"{place}, {self.gpu.name} ({self.gpu.memory_gib:.1f} GiB)" if self.gpu else f"{place}, no GPU"


def _torch_gpu() -> GpuInfo | None:
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    if not torch.cuda.is_available():
        return None
    props = torch.cuda.get_device_properties(0)
    return GpuInfo(props.name, props.total_memory / 2**30)


def _nvidia_smi_gpu() -> GpuInfo | None:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "--query-gpu=name,memory.total", "--format=csv,noheader,nounits"],
                             capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = out.stdout.strip().splitlines()[0] if out.returncode == 0 and out.stdout.strip() else ""
    if "," not in first:
        return None
    name, mib = (part.strip() for part in first.rsplit(",", 1))
    try:
        return GpuInfo(name, float(mib) / 1024)
    except ValueError:
        return None


def gpu_info(sources: tuple[Callable[[], GpuInfo | None], ...] = (_torch_gpu, _nvidia_smi_gpu)) -> GpuInfo | None:
    """The first GPU any source reports (torch's CUDA, then ``nvidia-smi``), or None."""
    for source in sources:
        found = source()
        if found is not None:
            return found
    return None


def detect_platform(env: Mapping[str, str] | None = None, gpu: GpuInfo | None | object = ...,
                    kaggle_dir: Path = Path("/kaggle/working")) -> Platform:
    """The platform of this kernel (see the module docstring); ``env`` and ``gpu`` override what is read."""
    env = os.environ if env is None else env
    found = gpu_info() if gpu is ... else gpu
    colab = importlib.util.find_spec("google") is not None and importlib.util.find_spec("google.colab") is not None
    if colab or "COLAB_RELEASE_TAG" in env or "COLAB_GPU" in env:
        name = "colab"
    elif "KAGGLE_KERNEL_RUN_TYPE" in env or "KAGGLE_URL_BASE" in env or kaggle_dir.is_dir():
        name = "kaggle"
    else:
        name = "cuda" if found is not None else "local"
    return Platform(name, found)  # type: ignore[arg-type]
