# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Regime W rollouts
#
# Eight arms answer each training question: four *Wolfram-style* (precise, linear) and four *Maudlin-style*
# (reflective) system prompts at temperatures 0.2–0.5. Each question's arm set is scored for coherence —
# `s_end` (pairwise agreement of final answers), `s_path` (consistency of reasoning lengths, 1/(1+CV²)),
# `s_cf` (counterfactual robustness: answer stability under a meaning-preserving rewrite of the question),
# `s_wm = 0.4·s_end + 0.3·s_path + 0.3·s_cf` — and rewarded: +1 if any arm is correct else −0.5, plus 0.7·s_wm,
# minus 0.001·max(0, mean tokens − 400). A UCB1 bandit over arms shows which reasoning styles win.
#
# Collection is resumable: rerunning this notebook continues `rollouts.jsonl` where it stopped.

# %% tags=["parameters"]
# Parameters (papermill injects the pipeline's values below this cell).
params_path = "../params/cpu_smoke.yaml"  # profile used when this notebook is run by hand
run_dir = ""  # the run folder (left empty, a new run starts under ../runs)

# %%
from ladderlib.pipeline import open_run

params, run = open_run(params_path, run_dir, runs_dir="../runs")
print(f"profile={params.profile}  run={run.path}")

# %%
from ladderlib.workbook import run_rollouts

rollouts = run_rollouts(params, run)
r = rollouts.result
print(f"policy: {rollouts.policy}")
print(f"{r.n_new} new rows, {r.n_skipped} already there, {r.seconds:.0f}s, {r.tokens_per_s:.1f} tok/s")

# %%
from ladderlib.plots.tables import table

table([{"arm": arm, "accuracy": acc} for arm, acc in rollouts.summary["arm_accuracy"].items()],
      caption="Each arm's accuracy over all rows (every arm answers every question)")

# %%
table(rollouts.arms, {"arm_id": "arm", "style": "style", "temperature": "T", "pulls": "pulls", "mean": "mean",
                      "ucb": "UCB"}, caption="UCB1 replay: one arm pulled per question (unpulled arms: UCB = inf)")

# %%
table(rollouts.styles, {"style": "style", "pulls": "pulls", "pull_share": "share of pulls", "mean": "mean",
                        "best_arm": "best arm"}, caption="By reasoning style")

# %% [markdown]
# ## Reward inspector
# Pick a question to see the eight arms' answers, the coherence scores and the reward. Without a running kernel
# the rows show as static cards.

# %%
from ladderlib.widgets.reward_inspector import reward_inspector

reward_inspector(rollouts.rows)

# %% [markdown]
# ## What we see

# %%
from IPython.display import Markdown

from ladderlib.workbook.findings import rollouts_findings

Markdown(rollouts_findings(rollouts, params))
