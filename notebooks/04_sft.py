# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Supervised fine-tuning (Regime W phase 1, planner baseline)
#
# * **Tutor SFT** (seed 002): TRL `SFTTrainer` + PEFT LoRA (r=32, α=16, dropout 0.05, lr 5e-5, batch 1 × grad-accum 8,
#   1 epoch by default; QLoRA 4-bit NF4 + paged 8-bit AdamW when the profile asks for 4-bit on CUDA) on the GSM8K
#   train split, tutoring-style prompt, step-by-step answers ending in `#### <answer>`. Loss on the completion only.
# * **Planner SFT** (seed 001): the planner learns to emit a JSON plan `{should_decompose, subproblems, plan}`; offline,
#   the plans are built from the GSM8K solutions' own step structure (or a dataset given by path / hub id).
# * **Dev evaluation**: base vs SFT on a validation sample (greedy), accuracy with Wilson 95% intervals.
#
# Adapters are saved atomically under `<run>/checkpoints/`. The Trainer's progress table below is live while it trains.

# %%
# Platform: on a fresh Colab or Kaggle runtime this fetches and installs the workbook once (keeping the
# runtime's CUDA torch); elsewhere it only says what machine this is and which profile "auto" means here.
import importlib.util, os, subprocess, sys  # noqa: E401
if importlib.util.find_spec("ladderlib") is None:  # a fresh hosted runtime
    repo = "/content/ladder-workbook" if os.path.isdir("/content") else "/tmp/ladder-workbook"
    if not os.path.isdir(repo):
        subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "v0.1.0",
                        "https://github.com/ladder-workbook/ladder-workbook", repo], check=True)
    sys.path.insert(0, repo)
from ladderlib.platform import setup_platform

machine = setup_platform()

# %% tags=["parameters"]
# Parameters (papermill injects the pipeline's values below this cell).
params_path = "auto"  # a params profile; "auto": the profile for this machine's GPU (cpu_smoke without one)
run_dir = ""  # the run folder (left empty, a new run starts where runs are kept on this platform)
persist_runs = False  # Colab: keep runs on Google Drive (mounts it), so they survive the session

# %%
from ladderlib.pipeline import open_run

params, run = open_run(params_path, run_dir, persist_runs=persist_runs)
print(f"profile={params.profile}  run={run.path.name}")

# %%
from ladderlib.plots.tables import table
from ladderlib.workbook import run_sft

sft = run_sft(params, run)
table([{"adapter": name, **{k: m[k] for k in ("steps", "examples", "train_loss", "runtime_s")}}
       for name, m in (("tutor", sft.tutor), ("planner", sft.planner))], caption="Adapters trained")

# %%
from ladderlib.plots import show
from ladderlib.plots.training import plot_curves

show(plot_curves(sft.tutor["loss_curve"], ["loss", "grad_norm", "learning_rate"], "Tutor SFT"), run.path, "04_sft_loss")

# %% [markdown]
# ## Base vs SFT on the validation sample

# %%
from ladderlib.plots.training import plot_accuracy

show(plot_accuracy(sft.dev, "GSM8K validation: base vs SFT"), run.path, "04_sft_dev")
table(sft.dev, {"model": "model", "accuracy": "accuracy", "ci_low": "95% CI low", "ci_high": "95% CI high", "correct": "correct", "n": "n", "parsable": "answer found"})

# %% [markdown]
# ## What we see

# %%
from IPython.display import Markdown

from ladderlib.workbook.findings import sft_findings

Markdown(sft_findings(sft, params))
