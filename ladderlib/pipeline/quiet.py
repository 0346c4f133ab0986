"""Keep known library noise out of notebook outputs: harmless warnings and weight-loading / dataset-map bars.

Each silenced warning is listed in ``SILENCED`` with why it is harmless, so a researcher can see what is hidden
and undo it (``warnings.resetwarnings()``). Progress of long work stays: the Trainer's own progress table, and
the tqdm bars our stages draw (``tqdm.auto``, which renders as a widget in JupyterLab). Only library *logging*
below ERROR and the per-load bars (``Loading weights``, ``Tokenizing train dataset``) are turned off.
"""

from __future__ import annotations

import logging
import warnings

SILENCED: tuple[tuple[str, type[Warning], str], ...] = (
    (r".*`gradient_checkpointing` is deprecated.*", FutureWarning,
     "transformers 5 renamed the TrainingArguments field to activation_checkpointing; TRL still passes the old "
     "name, which maps to the same setting"),
    (r".*`is_gradient_checkpointing` is deprecated.*", FutureWarning,
     "the same rename, on the model property PEFT and TRL read; same value"),
    (r".*'pin_memory' argument is set as true but no accelerator is found.*", UserWarning,
     "DataLoader pinning is a no-op on a CPU-only machine; it matters only with a GPU, where it is used"),
)


def quiet_libraries() -> list[str]:
    """Silence the warnings in ``SILENCED`` and the libraries' info logs and per-load progress bars.

    Returns what was done (one line each), so a notebook can say it.
    """
    done = []
    for pattern, category, _why in SILENCED:
        warnings.filterwarnings("ignore", message=pattern, category=category)
    done.append(f"{len(SILENCED)} known harmless warnings hidden")
    try:
        import transformers

        transformers.utils.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
        done.append("transformers: errors only, no weight-loading bars")
    except ImportError:  # pragma: no cover - a dependency
        pass
    try:
        import datasets

        datasets.disable_progress_bars()
        datasets.utils.logging.set_verbosity_error()
        done.append("datasets: no per-map bars")
    except ImportError:  # pragma: no cover - a dependency
        pass
    try:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    except ImportError:  # pragma: no cover
        pass
    for name in ("accelerate", "peft", "trl", "sentence_transformers", "torch.utils.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    return done


def in_notebook() -> bool:
    """True inside an IPython kernel (JupyterLab, Colab, papermill), False in scripts and tests."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    return shell is not None and type(shell).__name__ != "TerminalInteractiveShell"
