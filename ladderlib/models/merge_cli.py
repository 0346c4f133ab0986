"""``ladder merge``: merge a LoRA adapter into its base model, check the result reloads and generates, and push
it to the Hugging Face hub (seed 001's ``merge_and_push.py``).

    ladder merge --base-model M --adapter-path A [--local-save-path DIR] [--repo-name owner/name] [--no-push]
        [--private] [--overwrite] [--json]

The merged model is always saved locally first (full precision, safetensors). Pushing needs the network and a
hub token: without them the command says so after the local save and exits 1 (the local copy stays).
Exit codes: 0 merged (and pushed when asked), 1 merged but not pushed, 2 unusable input (the message names it).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ladderlib.config.flags import (UsageError, add_json, add_model, add_params, load_profile, model_settings,
                                    require_adapter, run_command)

CHECK_PROMPT = "What is 2 + 3?"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``merge`` sub-command."""
    p = sub.add_parser("merge", help="merge a LoRA adapter into its base, save it, optionally push it (seed 001)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_params(p, "model")
    add_model(p, "--base-model", "--model")
    p.add_argument("--adapter-path", required=True, help="folder of the LoRA adapter to merge")
    p.add_argument("--local-save-path", "--output-dir", dest="local_save_path", default="merged_model",
                   help="where the merged model is saved (default: ./merged_model)")
    p.add_argument("--repo-name", help="hub model repo 'owner/name' to push to")
    p.add_argument("--no-push", action="store_true", help="only save locally, even with --repo-name")
    p.add_argument("--private", action="store_true", help="create the hub repo private")
    p.add_argument("--no-check", action="store_true", help="skip reloading the merged model and generating a few tokens")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier merged model at --local-save-path")
    add_json(p)
    p.set_defaults(func=run)


def _reload_check(folder: Path, device: str) -> dict[str, Any]:
    """Load the merged folder as a plain model and generate a few greedy tokens."""
    from ladderlib.config.model import ModelSettings
    from ladderlib.models.generation import Chat, Engine, Sampling
    from ladderlib.models.loader import load_model

    model, tok = load_model(ModelSettings(name=str(folder), device=device))
    (text,) = Engine(model, tok)([Chat(CHECK_PROMPT)], Sampling(max_new_tokens=8))
    return {"ok": True, "prompt": CHECK_PROMPT, "sample": text}


def _push(folder: Path, repo: str, private: bool) -> tuple[str | None, str | None]:
    """(url, None) after a push, or (None, why it did not happen)."""
    from ladderlib.models.hub import push_to_hub

    try:
        from huggingface_hub import get_token

        if get_token() is None and not os.environ.get("HF_TOKEN"):
            return None, ("no Hugging Face token: log in with `huggingface-cli login` or set HF_TOKEN, then push "
                          f"with `huggingface-cli upload {repo} {folder}`")
        return push_to_hub(folder, repo, private=private), None
    except Exception as exc:  # noqa: BLE001 - offline, refused, network down: say so, the local copy stays
        return None, f"{exc} (push later with `huggingface-cli upload {repo} {folder}`)"


def run(args: argparse.Namespace) -> int:
    """Merge, check and (when asked) push; the result as JSON or text; 1 when a requested push failed."""

    def work() -> dict[str, Any]:
        from ladderlib.models.hub import _REPO_ID_RE
        from ladderlib.models.lora import merge_adapter

        params = load_profile(args.params)
        model = model_settings(params, args.model, args.device)
        adapter = require_adapter(args.adapter_path, "--adapter-path")
        push = bool(args.repo_name) and not args.no_push
        if push and not _REPO_ID_RE.match(args.repo_name):
            raise UsageError(f"--repo-name {args.repo_name!r} must look like 'owner/name'")
        out = Path(args.local_save_path)
        if out.is_file():
            raise UsageError(f"--local-save-path {out} is a file, not a folder")
        if out.is_dir() and any(out.iterdir()) and not args.overwrite:
            raise UsageError(f"--local-save-path {out} already holds files: pass --overwrite to replace them")
        merged = merge_adapter(model, adapter, out)
        result: dict[str, Any] = {"merged_dir": str(merged), "base_model": model.name, "adapter": str(adapter),
                                  "pushed": False, "url": None, "push_error": None}
        if not args.no_check:
            result["reload_check"] = _reload_check(merged, model.device)
        if push:
            url, error = _push(merged, args.repo_name, args.private)
            result.update(pushed=url is not None, url=url, push_error=error)
            if error:
                import sys

                print(f"ladder merge: saved {merged}, but not pushed to {args.repo_name}: {error}", file=sys.stderr)
        return result

    def text(r: dict[str, Any]) -> str:
        lines = [f"merged {r['adapter']} into {r['base_model']} -> {r['merged_dir']}"]
        if "reload_check" in r:
            lines.append(f"reloaded and generated: {r['reload_check']['sample']!r}")
        if r["url"]:
            lines.append(f"pushed to {r['url']}")
        elif r["push_error"]:
            lines.append(f"NOT pushed: {r['push_error']}")
        return "\n".join(lines)

    from ladderlib.models import ModelLoadError

    return run_command("merge", args, work, errors=(ModelLoadError,), text=text,
                       code=lambda r: 1 if r["push_error"] else 0)
