"""The flags every seed command shares, in one place: ``--params``, ``--model``, ``--output-dir``, ``--resume`` /
``--overwrite``, ``--json``, and the exit-2 error path.

A command builds its parser with the ``add_*`` helpers, reads settings with ``load_profile`` / ``model_settings``
/ ``section`` (a profile section with flag overrides, a bad value named by its flag), guards its output folder
with ``guard_output`` and runs its work through ``run_command``: progress goes to stderr, the result to stdout
(JSON with ``--json``, else the command's text), and unusable input prints ``ladder CMD: message`` and exits 2.
Only argparse-level modules are imported at the top, so ``ladder --help`` stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

PROFILES_DIR = Path(__file__).resolve().parents[2] / "params"


class UsageError(ValueError):
    """Unusable input of a command; the message names the file or flag."""


# --- parser helpers ------------------------------------------------------------------------------------------


def add_params(p: argparse.ArgumentParser, sections: str) -> None:
    """``--params PROFILE``: a YAML file or the name of a profile in ``params/``; flags override it."""
    p.add_argument("--params", metavar="PROFILE",
                   help=f"params profile: a YAML file or a name in params/ (cpu_smoke, h100, ...); its {sections} "
                        "sections are used and flags override them (default: the built-in defaults)")


def add_model(p: argparse.ArgumentParser, *names: str) -> None:
    """``--model`` (plus aliases such as ``--base-model``) and ``--device``."""
    p.add_argument(*(names or ("--model",)), dest="model", metavar="MODEL",
                   help="base model: 'embedded' (SmolLM2-135M, offline), a hub id or a local folder "
                        "(default: the profile's model.name)")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help="override model.device")


def add_output_dir(p: argparse.ArgumentParser, what: str, required: bool = True, default: str | None = None) -> None:
    """``--output-dir DIR`` with what the command writes there."""
    p.add_argument("--output-dir", required=required and default is None, default=default, metavar="DIR",
                   help=f"folder the command writes into: {what}")


def add_resume(p: argparse.ArgumentParser) -> None:
    """``--resume`` / ``--overwrite`` (mutually exclusive) for commands that refuse to overwrite earlier output."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--resume", action="store_true", help="continue the earlier run in --output-dir")
    group.add_argument("--overwrite", action="store_true",
                       help="discard the earlier run's outputs in --output-dir and start over")


def add_json(p: argparse.ArgumentParser) -> None:
    """``--json``: the result as JSON on stdout (progress stays on stderr)."""
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout (progress goes to stderr)")


# --- settings ------------------------------------------------------------------------------------------------


def profile_path(value: str) -> Path:
    """The file of ``--params``: a path, or ``NAME`` / ``NAME.yaml`` in ``params/``."""
    path = Path(value).expanduser()
    if path.is_file():
        return path
    named = PROFILES_DIR / (value if value.endswith((".yaml", ".yml")) else f"{value}.yaml")
    if "/" not in value and named.is_file():
        return named
    known = ", ".join(sorted(f.stem for f in PROFILES_DIR.glob("*.yaml")))
    raise UsageError(f"--params {value!r}: no such file and no profile of that name in params/ ({known})")


def load_profile(value: str | None) -> Any:
    """The validated ``Params`` of ``--params`` (None without it); a bad profile raises ``ParamsError``."""
    if not value:
        return None
    from ladderlib.config.load import load_params

    return load_params(profile_path(value))


def model_settings(params: Any, name: str | None = None, device: str | None = None, **updates: Any) -> Any:
    """The profile's ``model`` section (defaults without one) with ``--model`` / ``--device`` / ``updates`` applied."""
    from ladderlib.config.model import ModelSettings

    base = params.model.model_dump() if params is not None else ModelSettings().model_dump()
    flags = {"name": ("--model", name), "device": ("--device", device)}
    flags.update({k: (f"--{k.replace('_', '-')}", v) for k, v in updates.items()})
    return validated(ModelSettings, base, flags)


def section(params: Any, attr: str, cls: type, flags: Mapping[str, tuple[str, Any]]) -> Any:
    """Section ``attr`` of the profile (``cls()`` defaults without one) with flag overrides.

    ``flags`` maps a field (``lora.r`` for a nested one) to ``(flag, value)``; a None value keeps the profile's.
    """
    base = getattr(params, attr).model_dump() if params is not None else cls().model_dump()
    return validated(cls, base, flags)


def validated(cls: type, base: dict[str, Any], flags: Mapping[str, tuple[str, Any]]) -> Any:
    """``cls`` validated from ``base`` with the flag values set; an invalid value raises ``UsageError`` naming its flag."""
    from pydantic import ValidationError

    data = json.loads(json.dumps(base, default=str))
    for key, (_, value) in flags.items():
        if value is None:
            continue
        *parents, leaf = key.split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        by_field = {tuple(k.split(".")): flag for k, (flag, v) in flags.items() if v is not None}
        problems = []
        for err in exc.errors():
            loc = tuple(str(p) for p in err["loc"])
            flag = next((f for k, f in by_field.items() if loc[: len(k)] == k), None)
            where = flag or ".".join(loc) or cls.__name__
            problems.append(f"{where}: {err['msg'].removeprefix('Value error, ')}"
                            + (f" (got {err['input']!r})" if flag and not isinstance(err["input"], dict) else ""))
        raise UsageError("; ".join(problems)) from None


# --- output folders ------------------------------------------------------------------------------------------


def guard_output(out: str | Path, args: argparse.Namespace, names: Iterable[str]) -> list[Path]:
    """Refuse an output folder that holds an earlier run (any of ``names``) unless ``--resume`` or ``--overwrite``;
    with ``--overwrite`` those outputs are removed. Returns the earlier outputs found."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--output-dir {out} is a file, not a folder")
    earlier = [out / n for n in names if (out / n).exists()]
    if earlier and not (getattr(args, "resume", False) or getattr(args, "overwrite", False)):
        found = ", ".join(p.name for p in earlier)
        raise UsageError(f"{out} holds an earlier run ({found}): pass --resume to continue it or --overwrite to "
                         "start over")
    if earlier and getattr(args, "overwrite", False):
        for p in earlier:
            shutil.rmtree(p) if p.is_dir() else p.unlink()
    return earlier


def require_adapter(path: str | Path | None, flag: str) -> Path | None:
    """``path`` when it is a saved LoRA adapter folder (None passes); else ``UsageError`` naming the flag."""
    if path is None:
        return None
    p = Path(path).expanduser()
    if not (p / "adapter_config.json").is_file():
        why = "does not exist" if not p.exists() else "has no adapter_config.json"
        raise UsageError(f"{flag} {path}: no LoRA adapter there (the folder {why})")
    return p


def require_file(path: str | Path, flag: str) -> Path:
    """``path`` when it is a readable file; else ``UsageError`` naming the flag."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise UsageError(f"{flag} {path}: no such file")
    return p


# --- running ---------------------------------------------------------------------------------------------------


def run_command(name: str, args: argparse.Namespace, work: Callable[[], dict[str, Any]], *,
                text: Callable[[dict[str, Any]], str] | None = None, errors: tuple[type[BaseException], ...] = (),
                code: Callable[[dict[str, Any]], int] | None = None) -> int:
    """Run ``work`` with stdout sent to stderr, then print its result (JSON with ``--json`` or without ``text``).

    ``ValueError`` (``UsageError``, ``ParamsError``, pydantic errors), ``FileNotFoundError`` and ``errors`` print
    ``ladder NAME: message`` on stderr and return 2; ``code(result)`` gives the exit status otherwise (default 0).
    """
    try:
        with contextlib.redirect_stdout(sys.stderr):
            result = work()
    except (ValueError, FileNotFoundError, *errors) as exc:
        print(f"ladder {name}: {exc}", file=sys.stderr)
        return 2
    if getattr(args, "json", False) or text is None:
        print(json.dumps(result, indent=1, default=str, ensure_ascii=False))
    else:
        print(text(result))
    return code(result) if code else 0
