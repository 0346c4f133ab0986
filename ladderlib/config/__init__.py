"""Params profiles: YAML files validated into typed objects (``Params``)."""

from ladderlib.config.load import ParamsError, deep_merge, dump_params, load_params, validate_params
from ladderlib.config.params import Params

__all__ = ["Params", "ParamsError", "deep_merge", "dump_params", "load_params", "validate_params"]
