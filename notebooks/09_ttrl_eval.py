# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 09 · TTRL and the final evaluation: every system of the run in one table, train/test hygiene, the report
#
# **Test-time RL** (LADDER paper, arXiv 2503.00735; seed 000): for each held-out integral, grow its variant tree,
# run a short GRPO on the variants with the verifier as reward, then answer the original problem. The answer key
# of the original is never used, adaptation restarts from the LADDER-GRPO adapter for every problem (or from a
# cached adapter of a similar problem), and variants equal to another test problem are dropped. Two figures,
# never mixed up: **`final_pass@1`** — the adapted model's greedy answer to the original, checked by the verifier
# (the honest figure) — and **`solved_during_adaptation`** — the paper's count, where a problem counts as solved
# if any answer sampled during adaptation passed.
#
# **The final table** reads what every notebook of this run recorded: integrals (base / LADDER GRPO / + TTRL),
# GSM8K test (base / SFT / PPO, planner–worker, latent), code (base / adversarially trained generator on
# HumanEval and MBPP test). Each row has n, accuracy with its 95% interval, wall time and generated tokens; a
# system whose notebook did not run here (`--only`) is a *missing* row with the reason, not a gap.
#
# **Hygiene**: no test problem, nor a variant of one (same canonical fingerprint; GSM8K, MBPP and HumanEval by id
# and normalised text), may appear in a training set of the run. The **report** (`report.md`, a self-contained
# `report.html`) gathers the tables, every notebook's plots, the params, the commit, package versions and data
# card hashes; `ladder report RUN_DIR` rebuilds it.

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
from ladderlib.workbook import run_final

final = run_final(params, run)
print(f"{len(final.table)} rows in the final table ({int((final.table['status'] == 'missing').sum())} missing); "
      f"hygiene {'passed' if final.hygiene_ok else 'FAILED'}")

# %% [markdown]
# ## TTRL on the held-out integrals

# %%
from ladderlib.plots.tables import table

table(final.ttrl.table.to_dict("records"), caption="Base vs LADDER GRPO vs LADDER GRPO + TTRL")

# %%
from ladderlib.workbook.ttrl_views import PROBLEM_COLUMNS, cache_rows, figure_rows

table(figure_rows(final.ttrl_summary), caption="final_pass@1 (honest) and solved_during_adaptation (the paper's count)")

# %%
table(cache_rows(final.ttrl_summary), caption="The adapter cache: a second pass over the same problems")

# %%
table(final.ttrl.plain.table(), PROBLEM_COLUMNS, caption="What adaptation did, problem by problem",
      code=["integrand", "answer"])

# %% [markdown]
# ## The final table: every system trained in this run

# %%
from ladderlib.plots import show

show(final.figure, run.path, "09_final_table")

# %%
from ladderlib.workbook.report import display_rows

table(display_rows(final.table), caption="Accuracy with its 95% interval; missing rows say why")

# %% [markdown]
# ## Train/test hygiene

# %%
from IPython.display import Markdown

from ladderlib.workbook.report import hygiene_banner

Markdown(("**" if final.hygiene_ok else "**⚠️ ") + hygiene_banner(final.hygiene) + "**")

# %%
table(final.hygiene.to_dict("records"), caption="Each training set of the run against each test set")

# %% [markdown]
# ## The report

# %%
Markdown(f"Written: `{final.report.md_path.relative_to(run.path)}` and `{final.report.html_path.relative_to(run.path)}` "
         f"(self-contained, {final.report.html_path.stat().st_size / 1e6:.1f} MB) in `{run.path}`; rebuild with "
         f"`ladder report {run.path}`.")

# %% [markdown]
# ## What we see

# %%
from ladderlib.workbook.findings import final_findings

Markdown(final_findings(final, params))
