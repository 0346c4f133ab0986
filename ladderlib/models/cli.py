"""``ladder model`` : prepare the embedded model offline, or show what a params profile would load."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``model`` sub-command."""
    p = sub.add_parser("model", help="prepare or inspect models")
    p.add_argument("action", choices=["prepare", "info"], help="prepare: convert the embedded GGUF once; info: print details")
    p.add_argument("--params", help="params profile whose model to inspect (default: the embedded model)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Convert the embedded model, or load the profile's model and print its size, device and dtype."""
    from ladderlib.models.embedded import ensure_converted

    if args.action == "prepare":
        print(ensure_converted())
        return 0
    from ladderlib.config import load_params
    from ladderlib.config.model import ModelSettings
    from ladderlib.models import load_model

    settings = load_params(args.params).model if args.params else ModelSettings()
    model, tok = load_model(settings)
    n = sum(p.numel() for p in model.parameters())
    print(f"model={settings.name} params={n/1e6:.1f}M device={next(model.parameters()).device} dtype={model.dtype} vocab={len(tok)}")
    return 0
