"""Pick the device and dtype a model runs in: bf16 on GPUs that support it, fp16 on older GPUs, fp32 on CPU."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch


def resolve_device(requested: str = "auto") -> str:
    """Return 'cuda', 'mps' or 'cpu'; asking for a device that is absent is an error."""
    if requested == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if requested == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("model.device='cuda' but no CUDA GPU is visible to PyTorch; use device: auto or cpu")
    if requested == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise RuntimeError("model.device='mps' but Apple MPS is not available; use device: auto or cpu")
    return requested


def resolve_dtype(requested: str, device: str) -> torch.dtype:
    """Return the torch dtype: 'auto' gives bf16 on bf16-capable CUDA, fp16 on other CUDA, fp32 elsewhere."""
    if requested != "auto":
        dtype = getattr(torch, requested)
        if device == "cpu" and dtype == torch.float16:
            raise RuntimeError("model.dtype='float16' is not supported for training on CPU; use float32 or bfloat16")
        return dtype
    if device == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    return torch.float32


def mixed_precision(requested_device: str, requested_dtype: str) -> tuple[str, torch.dtype, bool, bool]:
    """``(device, dtype, bf16, fp16)``: the trainer's AMP flags for the dtype a model is loaded in (CUDA only)."""
    device = resolve_device(requested_device)
    dtype = resolve_dtype(requested_dtype, device)
    cuda = device == "cuda"
    return device, dtype, cuda and dtype == torch.bfloat16, cuda and dtype == torch.float16


@contextlib.contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run the block with ``n`` torch intra-op threads (None: leave the setting alone), restoring it afterwards."""
    if n is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
