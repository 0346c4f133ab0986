"""The Hugging Face token the platform's way: Colab's ``userdata`` or Kaggle's secrets, never printed.

The token goes into ``HF_TOKEN`` (which huggingface_hub reads) when it is not already set. Gated models
(Llama) then load; without it, ``gated_model_hint`` says how to add one on this platform.
"""

from __future__ import annotations

import os
from collections.abc import Callable, MutableMapping

from ladderlib.platform.detect import Platform

SECRET_NAME = "HF_TOKEN"


def _colab_secret() -> str | None:
    try:
        from google.colab import userdata  # noqa: PLC0415 - exists only on Colab

        return userdata.get(SECRET_NAME)
    except Exception:  # noqa: BLE001 - also ImportError; SecretNotFoundError / NotebookAccessError: no token given
        return None


def _kaggle_secret() -> str | None:
    try:
        from kaggle_secrets import UserSecretsClient  # noqa: PLC0415 - exists only on Kaggle

        return UserSecretsClient().get_secret(SECRET_NAME)
    except Exception:  # noqa: BLE001 - the secret is not attached to this notebook
        return None


READERS: dict[str, Callable[[], str | None]] = {"colab": _colab_secret, "kaggle": _kaggle_secret}


def load_hub_token(platform: Platform, env: MutableMapping[str, str] | None = None,
                   readers: dict[str, Callable[[], str | None]] | None = None) -> str:
    """Put the platform's hub token into ``HF_TOKEN``; returns where it came from (the token is never shown)."""
    env = os.environ if env is None else env
    if env.get(SECRET_NAME):
        return "environment"
    reader = (readers or READERS).get(platform.name)
    token = reader() if reader is not None else None
    if token:
        env[SECRET_NAME] = token
        return f"{platform.name} secrets"
    return "none"


def gated_model_hint(platform_name: str) -> str:
    """How to give this platform a hub token, for an error about a gated model."""
    return {
        "colab": "add a secret named HF_TOKEN (key icon in Colab's left bar), give this notebook access, rerun the first cell",
        "kaggle": "add a secret named HF_TOKEN (Add-ons > Secrets), attach it to this notebook, rerun the first cell",
    }.get(platform_name, "run `huggingface-cli login` or set HF_TOKEN, after accepting the model's licence on the hub")
