"""The parts every resumable trainer run shares: an output folder made ready for a fresh or resumed run, and
the final adapter saved atomically.

Layout under the output folder: ``checkpoints/`` (committed ``checkpoint-N``), ``metrics.jsonl``,
``tensorboard/`` and ``adapter/``.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from ladderlib.io import atomic_replace_dir, atomic_write_json


def begin_run(out: Path, fingerprint: dict[str, Any], resume: bool, strict: bool = False) -> str | None:
    """Ready ``out`` and return the checkpoint to resume from: a fresh run clears old metrics and events, a
    resumed one drops metric rows past its checkpoint."""
    from ladderlib.train.checkpoints import checkpoint_step, prepare_work_dir
    from ladderlib.train.metrics import truncate_metrics

    out.mkdir(parents=True, exist_ok=True)
    checkpoint = prepare_work_dir(out / "checkpoints", fingerprint, resume, strict=strict)
    if checkpoint is None:
        (out / "metrics.jsonl").unlink(missing_ok=True)
        shutil.rmtree(out / "tensorboard", ignore_errors=True)
    else:
        truncate_metrics(out / "metrics.jsonl", checkpoint_step(checkpoint))
    return checkpoint


def finished_summary(out: Path, fingerprint: dict[str, Any], max_steps: int) -> dict[str, Any] | None:
    """The stored ``summary.json`` of a run in ``out`` that already finished with the same fingerprint (its last
    committed checkpoint at ``max_steps`` or beyond, adapter saved), else None. Reads only; changes nothing."""
    import json

    from ladderlib.train.checkpoints import checkpoint_step, committed_checkpoints, fingerprint_differences

    work = out / "checkpoints"
    done = committed_checkpoints(work)
    if not done or fingerprint_differences(work, fingerprint) or checkpoint_step(done[-1]) < max_steps:
        return None
    if not (out / "summary.json").is_file() or not (out / "adapter" / "adapter_config.json").is_file():
        return None
    return {**json.loads((out / "summary.json").read_text()), "reused": True}


def save_adapter(trainer: Any, tokenizer: Any, adapter_dir: Path, info: dict[str, Any]) -> Path:
    """Save the adapter (of a trainer, or a PEFT model), the tokenizer and ``training_info.json`` into
    ``adapter_dir`` in one rename (under a launcher: written by the main process, see ``_save_distributed``)."""
    from ladderlib.train.distributed import world_size

    adapter_dir.parent.mkdir(parents=True, exist_ok=True)
    if world_size() > 1:
        return _save_distributed(trainer, tokenizer, adapter_dir, info)
    tmp = Path(tempfile.mkdtemp(prefix=f".{adapter_dir.name}.", dir=adapter_dir.parent))
    try:
        save = getattr(trainer, "save_model", None) or trainer.save_pretrained
        save(str(tmp))
        tokenizer.save_pretrained(str(tmp))
        atomic_write_json(tmp / "training_info.json", info)
        return atomic_replace_dir(tmp, adapter_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _save_distributed(trainer: Any, tokenizer: Any, adapter_dir: Path, info: dict[str, Any]) -> Path:
    """``save_adapter`` across processes: every rank calls the trainer's ``save_model`` (a collective under
    DeepSpeed ZeRO-3, which gathers the shards; only the main process writes), into one folder the main process
    then completes and renames into place."""
    from ladderlib.train.distributed import barrier, is_main

    tmp = adapter_dir.parent / f".{adapter_dir.name}.saving"
    if is_main():
        shutil.rmtree(tmp, ignore_errors=True)
    barrier()
    if hasattr(trainer, "save_model"):
        trainer.save_model(str(tmp))
    elif is_main():
        trainer.save_pretrained(str(tmp))
    barrier()
    if is_main():
        tokenizer.save_pretrained(str(tmp))
        atomic_write_json(tmp / "training_info.json", info)
        atomic_replace_dir(tmp, adapter_dir)
    barrier()
    return adapter_dir
