"""Read a params profile (YAML) into a validated ``Params`` and write it back.

Every problem is reported before any work starts, one line each, naming the key path
(``model.lora.r``) and what is wrong with it.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from ladderlib.config.params import Params


class ParamsError(ValueError):
    """A params profile that cannot be used; the message names the file, key and problem."""


# Keys renamed when settings took TRL's names (and when one name meant two things): old path -> new path.
RENAMED: dict[str, str] = {
    **{f"{section}.{old}": f"{section}.{new}" for section in ("sft", "planner_sft") for old, new in (
        ("batch_size", "per_device_train_batch_size"), ("grad_accum", "gradient_accumulation_steps"),
        ("epochs", "num_train_epochs"), ("lr_scheduler", "lr_scheduler_type"), ("max_seq_length", "max_length"))},
    "planner_grpo.max_tokens": "planner_grpo.token_budget",
    "verify.max_tokens": "verify.max_answer_tokens",
}
REMOVED: dict[str, str] = {
    "seed": "each section has its own seed (variants.seed, sft.seed, grpo.seed, ...); set those instead",
}


def _renamed_keys(data: dict[str, Any]) -> list[str]:
    """Problems for keys of an older profile layout, each naming the key to use now."""
    out = [f"{key}: {why}" for key, why in REMOVED.items() if key in data]
    for old, new in RENAMED.items():
        section, key = old.split(".")
        if isinstance(data.get(section), dict) and key in data[section]:
            out.append(f"{old}: renamed; write {new} instead")
    return out


def _allowed_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str] | None:
    """Walk ``loc`` through nested sections and return the keys allowed where it ends."""
    current: Any = model
    for part in loc[:-1]:
        fields = getattr(current, "model_fields", None)
        if not fields or part not in fields:
            return None
        ann = fields[part].annotation
        current = ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None
        if current is None:
            return None
    fields = getattr(current, "model_fields", None)
    return sorted(fields) if fields else None


def _describe(err: dict[str, Any]) -> str:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "literal["))))
    # pydantic puts union-member names in loc (e.g. 'lax-or-strict', 'is-instance[Path]'): drop them
    loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.endswith("-or-strict"))))
    key = ".".join(str(p) for p in loc) or "(top level)"
    if err["type"] == "extra_forbidden":
        allowed = _allowed_keys(Params, loc) or []
        hint = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        did = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"{key}: unknown key{did} (allowed here: {', '.join(allowed)})"
    if err["type"] == "missing":
        return f"{key}: required key is missing"
    msg = err["msg"].removeprefix("Value error, ")
    given = err.get("input")
    shown = "" if isinstance(given, dict) else f" (got {given!r})"
    return f"{key}: {msg}{shown}"


def validate_params(data: dict[str, Any], source: str = "params", base_dir: str | Path | None = None) -> Params:
    """Validate a mapping into ``Params`` (relative paths from ``base_dir``); raise ``ParamsError`` listing every problem."""
    if not isinstance(data, dict):
        raise ParamsError(f"{source}: the top level must be a mapping of keys, got {type(data).__name__}")
    renamed = _renamed_keys(data)
    try:
        params = Params.model_validate(data, context={"base_dir": str(base_dir) if base_dir else None})
    except ValidationError as exc:
        seen: list[str] = list(renamed)
        old = {r.split(":")[0] for r in renamed}
        for err in exc.errors():
            line = _describe(err)
            if line not in seen and line.split(":")[0] not in old:
                seen.append(line)
        raise ParamsError(f"{source}: {len(seen)} problem(s):\n  - " + "\n  - ".join(seen)) from None
    return params


def load_params(path: str | Path, overrides: dict[str, Any] | None = None) -> Params:
    """Load and validate a YAML profile; ``overrides`` (nested dict) are merged on top first.

    Relative paths inside the profile are read from the profile's own folder.
    """
    p = Path(path)
    if not p.is_file():
        raise ParamsError(f"params file {str(p)!r} not found")
    try:
        data = yaml.safe_load(p.read_text())
    except yaml.YAMLError as exc:
        raise ParamsError(f"params file {str(p)!r} is not valid YAML: {exc}") from None
    if data is None:
        raise ParamsError(f"params file {str(p)!r} is empty")
    if overrides:
        data = deep_merge(data, overrides)
    return validate_params(data, source=str(p), base_dir=p.resolve().parent)


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Return ``base`` with ``extra`` merged in recursively (``extra`` wins)."""
    out = dict(base)
    for k, v in extra.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_merge(out[k], v)
        else:
            out[k] = v
    return out


def dump_params(params: Params, path: str | Path) -> Path:
    """Write ``params`` as YAML (paths absolute), atomically; returns the path."""
    from ladderlib.io import atomic_write_text

    text = yaml.safe_dump(params.model_dump(mode="json"), sort_keys=False)
    return atomic_write_text(Path(path), text)
