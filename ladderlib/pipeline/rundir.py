"""A run folder (``runs/<run-id>/``) and the artifacts the notebooks hand to each other through it.

``RunDir`` names every artifact (``run.sft_adapter``, ``run.variant_dataset``, ``run.rollouts``, ...): stage
entries and notebooks use those names, never path literals, so the contract between notebooks is this one
table. ``RunDir.artifacts()`` lists it (name, path, the notebook that writes it, what it is).
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ladderlib.io import atomic_write_json

if TYPE_CHECKING:
    from ladderlib.config import Params

PARAMS_FILE = "params.yaml"
MANIFEST_FILE = "manifest.json"
METRICS_FILE = "metrics.json"


def new_run_id(profile: str) -> str:
    """A sortable, unique run id: ``20261125-221530-cpu_smoke-3fa2``."""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{profile}-{secrets.token_hex(2)}"


@dataclass(frozen=True)
class Artifact:
    """One named file or folder of a run: where it lives, which notebook writes it, and what it holds."""

    path: str
    writer: str
    doc: str
    kind: str = "file"
    name: str = ""

    def __set_name__(self, owner: type, name: str) -> None:
        object.__setattr__(self, "name", name)

    def __get__(self, run: "RunDir | None", owner: type) -> Any:
        return self if run is None else run.path / self.path


class RunDir:
    """One run folder; notebooks and stage entries read and write their artifacts through it."""

    params_path = Artifact(PARAMS_FILE, "pipeline", "the validated profile, paths made absolute")
    manifest_path = Artifact(MANIFEST_FILE, "pipeline", "run id, git commit, package versions, per-notebook status")
    metrics_path = Artifact(METRICS_FILE, "every notebook", "numbers each notebook records, by section")
    notebooks_dir = Artifact("notebooks", "pipeline", "executed notebooks with their outputs", "folder")
    plots_dir = Artifact("plots", "every notebook", "figures, one PNG per plot", "folder")
    data_dir = Artifact("data", "01_data", "datasets as JSONL, one file per split", "folder")
    data_card = Artifact("data/data_card.json", "01_data", "rows, sha256, sources and licences of every dataset")
    variant_trees = Artifact("variants/trees.json", "02_variants", "the variant forest (every node with its metadata)")
    variant_dataset = Artifact("variants/dataset.json", "02_variants", "one training row per variant, with difficulty")
    verification_report = Artifact("verify/verification_report.json", "03_verify", "accept rates and the reward-hacking audit")
    sft_adapter = Artifact("checkpoints/sft_lora", "04_sft", "the tutor SFT LoRA adapter", "folder")
    planner_sft_adapter = Artifact("checkpoints/planner_sft_lora", "04_sft", "the planner SFT LoRA adapter", "folder")
    sft_dev_eval_dir = Artifact("eval/sft_dev", "04_sft", "base vs SFT records on the validation sample", "folder")
    rollouts = Artifact("regime_w/rollouts.jsonl", "05_regime_w_rollouts", "8-arm Regime W rollouts, one row per question")
    ppo_dir = Artifact("checkpoints/ppo_regime_w", "06_grpo_ppo", "PPO trainer state, metrics and adapter", "folder")
    gsm8k_test_eval_dir = Artifact("eval/gsm8k_test", "06_grpo_ppo", "base vs SFT vs PPO records on GSM8K test", "folder")
    grpo_root = Artifact("checkpoints", "06_grpo_ppo", "LADDER GRPO arms live in checkpoints/grpo_<arm>", "folder")
    planner_grpo_dir = Artifact("planner_grpo", "06_grpo_ppo", "planner GRPO checkpoints, metrics and adapter", "folder")
    adversarial_dir = Artifact("adversarial", "07_adversarial", "adversarial PPO: checkpoints (per stage epoch, best), "
                               "metrics.jsonl, rollouts.jsonl with every sandbox verdict, summary.json", "folder")
    adversarial_eval_dir = Artifact("adversarial/eval", "07_adversarial", "base vs trained generator and "
                                    "discriminator on HumanEval and MBPP test: records and summary", "folder")
    latent_dir = Artifact("latent", "08_latent", "latent reasoning: methods/<task>__<method>/ (adapter/ with the "
                          "latent-token rows, result.json with rows, stage and step logs, per-item records), "
                          "summary.json (paired tests, Coconut stage curve)", "folder")
    latent_results = Artifact("latent/results.json", "08_latent", "latent reasoning: one row per task x method "
                              "(system, model, task, n, correct, accuracy, ci_low, ci_high, wall_s, gen_tokens)")
    report_md = Artifact("report.md", "09_ttrl_eval", "the run's report: final table across systems, train/test "
                         "hygiene, plots, params, commit, packages, data card hashes (rebuild: ladder report RUN_DIR)")
    report_html = Artifact("report.html", "09_ttrl_eval", "report.md as one self-contained HTML page (plots embedded)")
    ttrl_dir = Artifact("ttrl", "09_ttrl_eval", "test-time RL: per-problem folders (plain/, cached/: result.json, "
                        "metrics.jsonl, adapter/) and the adapter cache (cache/)", "folder")
    ttrl_results = Artifact("ttrl/results.json", "09_ttrl_eval", "integrals: base vs LADDER GRPO vs LADDER GRPO + TTRL, "
                            "one row each (system, model, task, n, correct, accuracy, ci_low, ci_high, wall_s, "
                            "gen_tokens; the +ttrl accuracy is final_pass@1)")
    ttrl_summary = Artifact("ttrl/summary.json", "09_ttrl_eval", "both TTRL figures (final_pass@1, "
                            "solved_during_adaptation) with 95% CIs, per-problem results and the cache statistics")

    def __init__(self, path: str | Path):
        self.path = Path(path).resolve()

    def __repr__(self) -> str:
        return f"RunDir({str(self.path)!r})"

    @classmethod
    def artifacts(cls) -> list[Artifact]:
        """Every named artifact, in declaration order."""
        return [v for v in vars(cls).values() if isinstance(v, Artifact)]

    # --- named paths with a parameter ---------------------------------------------------------------------

    def dataset(self, name: str) -> Path:
        """Dataset ``name`` written by 01_data (``data/<name>.jsonl``)."""
        from ladderlib.data.store import dataset_path

        return dataset_path(self.path, name)

    def grpo_dir(self, arm: str) -> Path:
        """The output folder of LADDER GRPO arm ``arm`` (``variants``, ``originals``)."""
        return self.grpo_root / f"grpo_{arm}"

    def plot(self, name: str) -> Path:
        """Where figure ``name`` is saved (``plots/<name>.png``)."""
        return self.plots_dir / f"{name}.png"

    # --- reading -----------------------------------------------------------------------------------------

    def has_adapter(self, folder: Path) -> bool:
        """True when ``folder`` (e.g. ``run.sft_adapter``) holds a saved LoRA adapter."""
        return (Path(folder) / "adapter_config.json").is_file()

    def adapter_or_none(self, folder: Path) -> Path | None:
        """``folder`` when it holds a saved LoRA adapter, else None (its notebook has not run)."""
        return Path(folder) if self.has_adapter(folder) else None

    def params(self) -> Params:
        """The validated params this run was started with."""
        from ladderlib.config import load_params

        return load_params(self.params_path)

    def subdir(self, name: str) -> Path:
        """A sub-folder for one step's artifacts (created if missing)."""
        p = self.path / name
        p.mkdir(parents=True, exist_ok=True)
        return p

    def read_metrics(self) -> dict[str, Any]:
        """All metrics recorded so far, by section."""
        return json.loads(self.metrics_path.read_text()) if self.metrics_path.is_file() else {}

    def record_metrics(self, section: str, values: dict[str, Any]) -> dict[str, Any]:
        """Merge ``values`` into ``metrics.json[section]`` atomically; returns the whole metrics dict."""
        metrics = self.read_metrics()
        metrics.setdefault(section, {}).update(values)
        atomic_write_json(self.metrics_path, metrics)
        return metrics


def create_run(params: Params, runs_dir: str | Path = "runs", run_id: str | None = None) -> RunDir:
    """Make a new run folder holding ``params.yaml`` and an empty ``metrics.json``."""
    from ladderlib.config import dump_params

    run = RunDir(Path(runs_dir) / (run_id or new_run_id(params.profile)))
    run.path.mkdir(parents=True, exist_ok=False)
    dump_params(params, run.params_path)
    atomic_write_json(run.metrics_path, {})
    return run


def open_run(
    params_path: str | Path,
    run_dir: str | Path | None = None,
    runs_dir: str | Path | None = None,
    persist_runs: bool = False,
) -> tuple[Params, RunDir]:
    """Notebook entry point: reuse the pipeline's run folder, or start a fresh one when run interactively.

    ``params_path = "auto"`` means the profile for this machine's GPU (``ladderlib.platform.profiles``). A new
    run goes under ``runs_dir``, by default where runs survive the session on this platform (Drive on Colab with
    ``persist_runs``, ``/kaggle/working/runs`` on Kaggle, ``<checkout>/runs`` elsewhere). Inside a notebook it
    also keeps known library noise out of the outputs (``ladderlib.pipeline.quiet``).
    """
    from ladderlib.pipeline.quiet import in_notebook, quiet_libraries

    if in_notebook():
        quiet_libraries()
    if run_dir:
        run = RunDir(run_dir)
        if not run.params_path.is_file():
            raise FileNotFoundError(f"{run.path} is not a run folder (no {PARAMS_FILE})")
        return run.params(), run
    from ladderlib.config import load_params
    from ladderlib.platform.detect import detect_platform
    from ladderlib.platform.profiles import resolve_params_path
    from ladderlib.platform.storage import runs_root

    platform = detect_platform()
    path, why = resolve_params_path(params_path, platform)
    if why:
        print(why)
    params = load_params(path)
    run = create_run(params, runs_dir if runs_dir is not None else runs_root(platform, persist_runs))
    return params, run


def latest_run(runs_dir: str | Path = "runs", profile: str | None = None) -> RunDir | None:
    """The newest run folder (optionally of one profile), or None."""
    runs = sorted(p for p in Path(runs_dir).glob("*") if (p / PARAMS_FILE).is_file())
    if profile:
        runs = [p for p in runs if f"-{profile}-" in p.name]
    return RunDir(runs[-1]) if runs else None
