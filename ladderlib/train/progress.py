"""One progress bar per training run, the same in a terminal and in JupyterLab (``tqdm.auto``).

transformers picks its progress display when it is imported (a text bar, an HTML table in notebooks, or a
printer that dumps every log dict), and GRPO's log dicts are long. ``use_progress_bar(trainer)`` replaces
whichever it chose with one bar that shows the step and a few key numbers; the full logs still go to
``metrics.jsonl`` and TensorBoard.
"""

from __future__ import annotations

from typing import Any

SHOWN = ("loss", "reward", "kl")


def progress_callback(description: str) -> Any:
    """A ``TrainerCallback`` drawing a ``tqdm.auto`` bar over the run's steps with ``SHOWN`` metrics."""
    from tqdm.auto import tqdm
    from transformers import TrainerCallback

    class StepBar(TrainerCallback):
        bar = None

        def on_train_begin(self, args, state, control, **kwargs):  # noqa: ANN001 - transformers' signature
            if state.is_world_process_zero:
                self.bar = tqdm(total=state.max_steps, initial=state.global_step, desc=description, unit="step")
            return control

        def on_step_end(self, args, state, control, **kwargs):  # noqa: ANN001
            if self.bar is not None:
                self.bar.update(state.global_step - self.bar.n)
            return control

        def on_log(self, args, state, control, logs=None, **kwargs):  # noqa: ANN001
            if self.bar is not None and logs:
                shown = {k: f"{v:.3g}" for k, v in logs.items() if k in SHOWN and isinstance(v, (int, float))}
                if shown:
                    self.bar.set_postfix(shown, refresh=True)
            return control

        def on_train_end(self, args, state, control, **kwargs):  # noqa: ANN001
            if self.bar is not None:
                self.bar.close()
                self.bar = None
            return control

    return StepBar()


def use_progress_bar(trainer: Any, description: str) -> Any:
    """Swap the trainer's own progress/printer callbacks for one ``progress_callback``; returns the trainer."""
    from transformers.trainer_callback import PrinterCallback, ProgressCallback

    removed = [ProgressCallback, PrinterCallback]
    try:
        from transformers.utils.notebook import NotebookProgressCallback

        removed.append(NotebookProgressCallback)
    except ImportError:  # pragma: no cover - present in every transformers 4/5
        pass
    for cls in removed:
        trainer.remove_callback(cls)
    trainer.add_callback(progress_callback(description))
    return trainer
