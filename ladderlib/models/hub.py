"""Merge a LoRA adapter into its base model and, only when asked and online, push a folder to the Hugging Face hub."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from ladderlib.config.model import ModelSettings

__all__ = ["HubOfflineError", "hub_offline", "merge_and_push", "push_to_hub"]

_REPO_ID_RE = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")


class HubOfflineError(RuntimeError):
    """A hub upload was asked for on a machine marked offline (``HF_HUB_OFFLINE``)."""


def hub_offline() -> bool:
    """True when ``HF_HUB_OFFLINE`` is set to a true value (1/ON/YES/TRUE), as huggingface_hub reads it."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def _check_push(repo_id: str) -> None:
    """Refuse a push that cannot work: offline, or a malformed repo id."""
    if hub_offline():
        raise HubOfflineError(
            f"not pushing to the hub repo {repo_id!r}: HF_HUB_OFFLINE is set, so this machine is offline. "
            "Unset HF_HUB_OFFLINE (and log in with `huggingface-cli login`) on a machine with network."
        )
    if not _REPO_ID_RE.match(repo_id):
        raise ValueError(f"hub repo id {repo_id!r} must look like 'owner/name'")


def push_to_hub(folder: str | Path, repo_id: str, private: bool = True, commit_message: str | None = None) -> str:
    """Upload a folder (adapter or merged model) to a hub model repo, created private by default; returns its URL."""
    _check_push(repo_id)
    folder = Path(folder)
    if not folder.is_dir() or not any(folder.iterdir()):
        raise FileNotFoundError(f"nothing to push: {folder} is not a folder with files")
    from huggingface_hub import HfApi

    api = HfApi()
    api.create_repo(repo_id=repo_id, repo_type="model", private=private, exist_ok=True)
    api.upload_folder(
        folder_path=str(folder),
        repo_id=repo_id,
        repo_type="model",
        commit_message=commit_message or f"Upload {folder.name} from ladder-workbook",
    )
    return f"https://huggingface.co/{repo_id}"


def merge_and_push(
    base_settings: ModelSettings,
    adapter_path: str | Path,
    output_dir: str | Path,
    repo_id: str | None = None,
    private: bool = True,
) -> dict[str, Any]:
    """Merge the adapter into a full-precision base model (seed 001's merge step) and push it when ``repo_id`` is given.

    A push that cannot happen (offline, bad repo id) is refused before the merge starts.
    """
    from ladderlib.models.lora import merge_adapter

    if repo_id is not None:
        _check_push(repo_id)
    merged = merge_adapter(base_settings, adapter_path, output_dir)
    url = push_to_hub(merged, repo_id, private=private) if repo_id is not None else None
    return {"merged_dir": str(merged), "url": url}
