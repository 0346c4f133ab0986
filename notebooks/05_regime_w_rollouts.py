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
