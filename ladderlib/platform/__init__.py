"""Where the workbook runs: Colab, Kaggle, a CUDA machine (Lambda, H100 boxes) or a local machine.

``setup_platform()`` is the first cell of every notebook: it detects the platform and GPU, installs the workbook
on a fresh Colab/Kaggle runtime (keeping the platform's CUDA torch), reads the hub token the platform's way, and
says in one line what it did; locally and under papermill it only looks. ``choose_profile`` picks the params
profile for ``params_path = "auto"``; ``runs_root`` says where run folders survive the session.
"""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "detect": "GpuInfo Platform detect_platform gpu_info",
    "profiles": "choose_profile resolve_params_path",
    "install": "InstallStep install_plan",
    "storage": "runs_root",
    "secrets": "load_hub_token",
    "setup": "PlatformReport setup_platform",
})
