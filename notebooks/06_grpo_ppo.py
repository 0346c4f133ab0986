# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 · RL: PPO on Regime W rollouts, GRPO on LADDER variants, planner/worker GRPO
#
# **PPO** (seed 002, phase 4): TRL ≥ 1.13 has no PPO, so `ladderlib.rl` carries a compact one — clipped policy
# objective, value head, GAE, adaptive KL controller toward the reference (target KL 0.1), max grad norm 1.0.
# Offline, as in the seed: each step takes one random arm's response per question with that question's Regime W
# reward. The policy is the SFT model with a fresh LoRA, so the KL reference is the SFT model. Then **base vs SFT
# vs PPO** on the GSM8K test split.
#
# **GRPO on the LADDER variant curriculum**: TRL's `GRPOTrainer` with a LoRA policy. Reward = verifier correctness
# (`ladderlib.verify`) + a small format reward for a parsable answer; KL coefficient 0.001 as in the paper. Two arms
# with the same settings (seed 000's key ablation): **variants** trains on 02's variant trees, easiest first;
# **originals** trains on the trees' root problems alone. Both are measured on held-out easy integrals from the test
# split that neither arm trains on, before and after training.
#
# **Planner / worker GRPO** (seed 001): the planner (LoRA, starting from 04's planner SFT adapter when there is one)
# writes a JSON plan; the frozen worker (the same base model with the adapter disabled) solves the subproblems and
# combines them, or solves directly. Reward = 1.0·correct + 0.2·(1 − tokens/budget) + 0.3·independence (MiniLM
# embeddings, offline); unparsable plans get `unparsable_reward` and are counted.
#
# Every part resumes from its last complete checkpoint on a rerun. The GRPO Trainer tables show a *Training Loss*
# near 0: GRPO's advantages are normalised within each group, so the loss is not a learning signal to watch; the
# reward curves below are.

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
from ladderlib.workbook import run_rl

rl = run_rl(params, run)
print(f"PPO: {rl.ppo['steps']} steps (resumed from step {rl.ppo['resumed_from_step']}); "
      f"GRPO arms: {', '.join(a for a in rl.grpo if a != 'heldout')}; planner GRPO: {rl.planner['steps']} steps")

# %% [markdown]
# ## PPO on Regime W rollouts

# %%
from ladderlib.plots import show
from ladderlib.plots.training import plot_accuracy, plot_arms, plot_metrics_file

show(plot_metrics_file(run.ppo_dir / "trainer" / "metrics.jsonl",
                       ["reward_mean", "kl", "kl_coef", "value_loss", "clip_fraction", "entropy"],
                       "PPO on Regime W rollouts"), run.path, "06_ppo_curves")

# %% [markdown]
# ## Base vs SFT vs PPO on GSM8K test

# %%
from ladderlib.plots.tables import table

show(plot_accuracy(rl.gsm8k, "GSM8K test: base vs SFT vs PPO"), run.path, "06_gsm8k_test")
table(rl.gsm8k, {"model": "model", "accuracy": "accuracy", "ci_low": "95% CI low", "ci_high": "95% CI high", "correct": "correct", "n": "n", "parsable": "answer found"})

# %% [markdown]
# ## GRPO: variant curriculum vs original problems

# %%
table(rl.grpo_rows(), {"arm": "arm", "rows": "training rows", "steps": "steps", "before": "held-out before", "after": "held-out after",
       "minutes": "training minutes"}, caption=f"Held-out: {rl.grpo['heldout']['n']} easy test integrals")

# %%
train = {arm: c["train"] for arm, c in rl.grpo_curves.items()}
show(plot_arms(train, ["reward", "rewards/integral_correctness_reward/mean", "frac_reward_zero_std", "kl",
                       "completions/mean_length", "reward_std"], "GRPO: variant curriculum vs original problems"),
     run.path, "06_grpo_ablation")

# %%
show(plot_arms(train, ["success/easy", "success/medium", "success/hard", "success/all"],
               "GRPO: success rate per difficulty level"), run.path, "06_grpo_difficulty")

# %% [markdown]
# ## Planner / worker GRPO

# %%
table([{"steps": rl.planner["steps"], "plans scored": rl.planner.get("completions_scored"),
        "unparsable": rl.planner.get("unparsable_plans"), "seconds per step": rl.planner.get("step_time_s"),
        "last step": rl.planner.get("last")}], caption="Planner GRPO")

# %%
show(plot_metrics_file(rl.planner["metrics_path"], ["reward", "planner/correctness", "planner/parse_failure_rate",
                       "planner/decomposition_rate", "planner/token_efficiency", "planner/independence"],
                       "Planner GRPO"), run.path, "06_planner_grpo")

# %% [markdown]
# ## What we see

# %%
from IPython.display import Markdown

from ladderlib.workbook.findings import rl_findings

Markdown(rl_findings(rl, params))
