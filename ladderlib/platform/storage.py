"""Where run folders live so they survive the session: Google Drive on Colab (opt-in), ``/kaggle/working/runs``
on Kaggle (kept as the notebook's output), ``<checkout>/runs`` elsewhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ladderlib.platform.detect import Platform

DRIVE_MOUNT = Path("/content/drive")
DRIVE_RUNS = DRIVE_MOUNT / "MyDrive" / "ladder-workbook" / "runs"


def _mount_drive() -> None:
    from google.colab import drive  # noqa: PLC0415 - exists only on Colab

    drive.mount(str(DRIVE_MOUNT))


def runs_root(platform: Platform, persist: bool = False, mount: Callable[[], None] = _mount_drive,
              kaggle_dir: Path = Path("/kaggle/working")) -> Path:
    """The folder new run folders go in; on Colab with ``persist`` Drive is mounted (``mount``) first."""
    if platform.name == "colab":
        if persist:
            if not (DRIVE_MOUNT / "MyDrive").is_dir():
                mount()
            return DRIVE_RUNS
        return Path("/content/runs")
    if platform.name == "kaggle":
        return kaggle_dir / "runs"
    return Path(__file__).resolve().parents[2] / "runs"
