# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · LADDER variant trees
#
# For each hard *root* integral, the model proposes easier (and some equivalent) variants — each prompt samples
# 3–5 transformation hints, rotates a persona ("think like Euler", ...) and cycles the temperature over 0.8–1.4 —
# recursively to a maximum depth. Every proposal is parsed with the safe parser; unparsable ones, duplicates,
# copies of an ancestor and trivial ones are dropped and counted. A 135M model writes few valid variants, so
# `variant_source: mixed` tops nodes up from a symbolic source (named sympy rewrites). Each node records its
# source, persona, temperature and an estimated difficulty; the dataset built from the trees carries difficulty
# for the curriculum of 06.

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
from ladderlib.workbook import run_variants

variants = run_variants(params, run)
table(variants.sources, {"source": "source", "prompts": "prompts", "proposed": "proposed", "accepted": "accepted",
                         "valid_rate": "accepted / proposed", "dropped": "dropped, by reason"},
      caption=f"{len(variants.trees)} trees, {len(variants.rows)} variants")

# %%
from ladderlib.plots import show
from ladderlib.plots.variants import plot_variant_overview

show(plot_variant_overview(variants.rows, variants.stats), run.path, "02_variants_overview")

# %%
table(variants.rows[:8], {"integrand": "integrand (easiest first)", "root_integrand": "root", "depth": "depth",
                          "difficulty": "difficulty", "source": "source", "rewrite": "rewrite"},
      caption="The easiest variants: where 06's curriculum starts", code=["integrand", "root_integrand"])

# %% [markdown]
# ## Browse the trees
# Pick a tree and expand nodes to see each variant with its depth, difficulty and source. Without a running
# kernel (an exported or untrusted notebook) the same trees show as a static, expandable list.

# %%
from ladderlib.widgets.variant_tree import variant_tree_browser

variant_tree_browser(variants.trees)

# %% [markdown]
# ## What we see

# %%
from IPython.display import Markdown

from ladderlib.workbook.findings import variants_findings

Markdown(variants_findings(variants, params))
