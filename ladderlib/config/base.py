"""Base class for every params section: strict (unknown keys rejected), typed, validated on assignment."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationInfo


class Section(BaseModel):
    """A block of a params profile. Unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)


def resolve_path(value: str | Path, info: ValidationInfo | None = None) -> Path:
    """Expand ``~`` and ``$VARS`` and make a path absolute.

    Relative paths are taken from the folder of the params file being validated (``context['base_dir']``),
    else from the current directory.
    """
    p = Path(os.path.expandvars(os.path.expanduser(str(value))))
    if not p.is_absolute():
        base = (info.context or {}).get("base_dir") if info is not None else None
        p = Path(base or Path.cwd()) / p
    return p.resolve()


def existing_file_or_none(value: str | Path | None, info: ValidationInfo | None = None) -> Path | None:
    """``resolve_path`` for an optional file setting: ``None`` stays ``None``; a path must name an existing file."""
    if value is None:
        return None
    p = resolve_path(value, info)
    if not p.is_file():
        raise ValueError(f"file {str(p)!r} does not exist")
    return p
