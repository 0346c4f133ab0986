"""What every setting means: the field descriptions of ``Params``, as rows or as text (``ladder params explain``)."""

from __future__ import annotations

import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from ladderlib.config.params import Params


@dataclass(frozen=True)
class SettingDoc:
    """One setting: its dotted key, type, default and description."""

    key: str
    type: str
    default: str
    description: str


def _type_name(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) if not typing.get_args(annotation) else None
    text = text or str(annotation).replace("typing.", "").replace("pathlib.", "")
    return text.replace("NoneType", "None")


def _section(annotation: Any) -> type[BaseModel] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def setting_docs(model: type[BaseModel] = Params, prefix: str = "") -> list[SettingDoc]:
    """Every leaf setting under ``model`` (nested sections flattened to dotted keys), in declaration order."""
    out: list[SettingDoc] = []
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        nested = _section(field.annotation)
        if nested is not None:
            out.extend(setting_docs(nested, key + "."))
            continue
        if field.default_factory is not None:
            default = repr(field.default_factory())
        else:
            default = "(required)" if field.default is PydanticUndefined else repr(field.default)
        out.append(SettingDoc(key, _type_name(field.annotation), default, field.description or ""))
    return out


def section_names() -> list[str]:
    """The top-level keys of a profile that are sections (not plain values)."""
    return [n for n, f in Params.model_fields.items() if _section(f.annotation) is not None]


def explain(section: str | None = None, width: int = 100) -> str:
    """Readable text for one section (``grpo``, ``model.lora``) or, with None, the whole profile."""
    docs = setting_docs()
    if section:
        docs = [d for d in docs if d.key == section or d.key.startswith(section + ".")]
        if not docs:
            raise KeyError(f"no settings under {section!r}; sections: {', '.join(section_names())}")
    lines = []
    for d in docs:
        default = d.default if len(d.default) <= 40 else d.default[:37] + "..."
        lines.append(f"{d.key}  ({d.type}, default {default})")
        lines.append(f"    {d.description}" if d.description else "    (no description)")
    return "\n".join(line[:width] if not line.startswith("    ") else line for line in lines)
