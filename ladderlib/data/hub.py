"""Hub datasets through ``datasets.load_dataset``, failing with one message that says what to set instead."""

from __future__ import annotations

from typing import Any


def load_hub_dataset(hub_id: str, config: str, what: str, instead: str) -> Any:
    """``load_dataset(hub_id, config)``; any failure (offline, unknown id) raises ``RuntimeError`` naming the
    dataset and ending "Offline? <instead>"."""
    from datasets import load_dataset

    try:
        return load_dataset(hub_id, config)
    except Exception as exc:  # noqa: BLE001 - the hub raises many types; say what to do instead
        raise RuntimeError(f"could not load {what} from the hub ({hub_id!r}): {exc}. Offline? {instead}") from exc
