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

# %% tags=["parameters"]
# Parameters (papermill injects the pipeline's values below this cell).
params_path = "../params/cpu_smoke.yaml"  # profile used when this notebook is run by hand
run_dir = ""  # the run folder (left empty, a new run starts under ../runs)

# %%
from ladderlib.pipeline import open_run

params, run = open_run(params_path, run_dir, runs_dir="../runs")
print(f"profile={params.profile}  run={run.path}")

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
