"""Params profiles: YAML files validated into typed objects (``Params``); every setting is described.

One leaf module per section group (``model``, ``data``, ``variants``, ``verify``, ``sft``, ``grpo``, ``ladder``,
``planner``, ``regime_w``, ``ppo``, ``evaluation``, ``sandbox``, ``adversarial``), each importing only pydantic, so loading a profile never
imports torch, a trainer or papermill. ``ladder params explain [SECTION]`` prints what each setting means.
"""

from __future__ import annotations

from ladderlib.lazy import lazy_exports

__getattr__, __all__ = lazy_exports(__name__, {
    "params": "Params",
    "load": "ParamsError deep_merge dump_params load_params validate_params",
    "explain": "explain",
})
