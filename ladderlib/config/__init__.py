"""Params profiles: YAML files validated into typed objects (``Params``).

Names are imported lazily: subsystem settings import ``ladderlib.config.base`` while ``Params`` (which
collects those settings) is being built, and an eager import here would make that circular.
"""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

_EXPORTS = {
    "Params": "ladderlib.config.params",
    "ParamsError": "ladderlib.config.load",
    "deep_merge": "ladderlib.config.load",
    "dump_params": "ladderlib.config.load",
    "load_params": "ladderlib.config.load",
    "validate_params": "ladderlib.config.load",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
