# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · Latent reasoning: Coconut continuous thoughts against no-CoT, CoT and pause tokens
#
# Seed 004 names "latent reasoning"; we build the best-known method, **Coconut** (Hao et al. 2024,
# arXiv 2412.06769). Between `<bot>` and `<eot>` the model does not write tokens: each latent position receives the
# **last hidden state of the previous position** as its input embedding, computed in sequential passes that reuse
# the KV cache (`ladderlib.latent.coconut`). The loss is masked on the question and the latent positions.
#
# **Curriculum.** Stage 0 is ordinary CoT training; at stage *k* the first *k* reasoning steps are replaced by
# *k·c* continuous thoughts; after the last stage the remaining language steps are dropped, so the model answers
# straight after its thoughts. At inference the thoughts are padded to `max_latent_stage · c` and decoding is
# greedy, batched with left padding.
#
# **Baselines, trained the same way in the same run** (a fresh LoRA each, the same number of optimizer steps):
# *no-CoT* (answer only), *CoT* (every step in language), *pause* (the thought slots hold a learned pause
# embedding instead of hidden states — the paper's "pause as thought"), and *Coconut without curriculum* (only
# the last stage, for all epochs).
#
# **Tasks.** A seeded procedural multi-hop task (start at a digit, apply 3–6 operations mod 10, one step each;
# the test questions are disjoint from the training ones) and, where the profile asks for it, GSM8K with the
# `<<48/2=24>>` calculator annotations as equation-only steps, from 01's split. GSM8K-trained methods are also
# scored on 01's textbook problems (combinatorics and convex sets, seed 004's second entry point).

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
from ladderlib.workbook import run_latent

latent = run_latent(params, run)
tasks = list(dict.fromkeys(r["task"] for r in latent.rows))
print(f"{len(latent.rows)} result rows over {', '.join(tasks)}; "
      f"{len(latent.reused)} method(s) kept from an earlier attempt, the rest trained now")

# %% [markdown]
# ## Accuracy and generated tokens per method (the paper's Table 1)
#
# Accuracy is greedy exact match on the held-out split with a 95% Wilson interval; tokens are the tokens each
# method writes per answer (Coconut's thoughts are hidden states and cost forward passes, not tokens).

# %%
from ladderlib.plots import show
from ladderlib.plots.latent import plot_curriculum, plot_losses, plot_methods
from ladderlib.plots.tables import table

for task in tasks:
    show(plot_methods(latent.rows, task), run.path, f"08_methods_{task}")
table(latent.rows, {"task": "held-out set", "model": "method", "trained_on": "trained on", "n": "n",
                    "correct": "correct", "accuracy": "accuracy", "ci_low": "95% CI low", "ci_high": "95% CI high",
                    "mean_gen_tokens": "tokens per answer", "train_s": "training s", "wall_s": "scoring s"},
      caption="One row per method and held-out set")

# %% [markdown]
# ## Coconut against each baseline, on the same items
#
# Exact McNemar test on the discordant items and a paired bootstrap 95% CI of the accuracy difference.

# %%
table(latent.paired, {"task": "held-out set", "baseline": "baseline", "n": "n", "coconut_only": "only Coconut right",
                      "baseline_only": "only baseline right", "diff": "Coconut − baseline",
                      "diff_ci_low": "95% CI low", "diff_ci_high": "95% CI high", "p_value": "McNemar p"},
      caption="Paired comparisons (positive: Coconut better)")

# %% [markdown]
# ## The curriculum: Coconut after each stage, and every method's training loss
#
# The dashed lines read the thoughts as the paper does: each continuous thought is a last hidden state, so the
# LM head turns it into a token distribution. After stage *k*, a line for step *j* ≤ *k* shows how often the
# thought standing for step *j* has that step's result (the node reached, the number computed) among its five
# likeliest tokens. Accuracy that falls while these lines stay high would mean the answer is lost after the
# thoughts; lines that fall with it mean the thoughts stop carrying the intermediate results.

# %%
for task in dict.fromkeys(s["task"] for s in latent.stages):
    show(plot_curriculum(latent.stages, task), run.path, f"08_curriculum_{task}")
    show(plot_losses(latent.steps, task), run.path, f"08_losses_{task}")

# %% [markdown]
# ## What each method answers (the first held-out items)

# %%
from IPython.display import display

for split in dict.fromkeys(r["task"] for r in latent.rows):
    display(table(latent.examples(split), caption=f"{split}: gold answer, then each method's answer (✓/✗, tokens written)"))

# %% [markdown]
# ## What we see

# %%
from IPython.display import Markdown

from ladderlib.workbook.findings import latent_findings

Markdown(latent_findings(latent, params))
