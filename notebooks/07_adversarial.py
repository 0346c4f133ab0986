# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Adversarial: a five-stage generator against a test-writing discriminator, stage-wise PPO
#
# Seed 003. The **generator** reasons in five stages — informal → structured → pseudocode → constraints and
# invariants → code — each stage's prompt carrying the earlier stages' text; its program is read from the last
# stage (fences, stray prose and example calls handled) and run in the **sandbox** (`ladderlib.sandbox`:
# bubblewrap isolation, one verdict per test that the program cannot forge). The **discriminator** writes
# `assert` tests for the problem and signature; every test runs against the reference solution first, and tests
# that fail it (or do not call the function) are invalid: dropped and counted.
#
# **Rewards.** Generator: share of tests passed over the problem's own tests plus the valid adversarial ones.
# Discriminator (the seed's): (1 − generator pass rate on its valid tests) × test validity. CURE's test reward
# (a valid test earns the share of wrong programs it catches, an invalid one loses the share it lets through) is
# computed on the same rounds, so the two can be compared below; `adversarial.discriminator_reward` picks the one
# that trains.
#
# **Training.** Our PPO (`ladderlib.rl`; TRL has none) on two LoRA adapters of one base model (one copy in
# memory), each with its own value head; a step updates only its role's adapter. For each training stage:
# N discriminator steps (generator frozen), N generator steps (discriminator frozen), K alternating steps. At
# training stage *k* the generator still writes all five stages, but PPO updates only its stage-*k* text; the
# reward is the pass rate of the code the chain ends in. A checkpoint is committed after every stage epoch with the
# seed's metadata; `checkpoint_best` maximises 0.7·generator reward + 0.3·test validity on training rounds.
#
# **Data hygiene.** Training problems come from MBPP train (task ids 601–974); HumanEval and MBPP test (11–510)
# are only evaluated, and any training problem sharing an id or description with them is dropped.

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
from ladderlib.workbook import run_adversarial

adv = run_adversarial(params, run)
print(f"{adv.summary['steps']} PPO steps on {adv.problems['kept']} training problems "
      f"({'reused a finished run' if adv.summary['reused'] else 'trained now'}); "
      f"evaluated on {', '.join(f'{n} {k}' for k, n in adv.problems['evaluation'].items())} problems")

# %% [markdown]
# ## What each training stage trains

# %%
from IPython.display import Markdown

Markdown("\n".join(f"- {meaning}" for meaning in adv.summary["stage_meaning"].values()))

# %% [markdown]
# ## Rewards and test validity per stage

# %%
from ladderlib.plots import show
from ladderlib.plots.adversarial import plot_stage_curves, plot_verdicts
from ladderlib.plots.tables import table

show(plot_stage_curves(adv.metrics), run.path, "07_stage_curves")
table(adv.stage_rows(), {"checkpoint": "checkpoint", "step": "step", "steps": "steps", "generator_reward": "generator reward",
                         "own_pass_rate": "own tests passed", "discriminator_reward": "discriminator reward",
                         "test_validity": "test validity", "score": "best score", "best": "best"},
      caption="One checkpoint per stage epoch (means over its steps)")

# %% [markdown]
# ## Adversarial tests written during training, with their sandbox verdicts
#
# *valid*: calls the function and the reference passes it; *breaking*: valid and the generator's program fails it;
# *invalid*: the reference fails it (or it does not call the function), so it never counts against the generator.

# %%
table(adv.training_tests(), {"step": "step", "stage": "stage", "problem": "problem", "test": "test",
                             "reference": "on the reference", "program": "on the program", "kind": "kind"},
      code=["test"], caption="Breaking and valid tests first")

# %%
show(plot_verdicts(adv.training_verdicts(), "Sandbox verdicts of the training rounds"), run.path, "07_train_verdicts")

# %% [markdown]
# ## Base vs trained on HumanEval and MBPP test

# %%
from ladderlib.plots.training import plot_accuracy

show(plot_accuracy(adv.evaluation["pass"], "pass@1: base vs trained generator"), run.path, "07_pass_at_1")
table(adv.evaluation["pass"], {"set": "set", "generator": "generator", "correct": "passed (first sample)", "n": "problems",
                               "pass@1": "pass@1", "ci_low": "95% CI low", "ci_high": "95% CI high", "samples": "samples"})

# %%
table(adv.evaluation["paired"], {"set": "set", "n": "problems", "both": "both pass", "base_only": "only base",
                                 "trained_only": "only trained", "neither": "neither", "p_value": "McNemar p"},
      caption="Paired: the same problems, first sample of each")

# %%
table(adv.evaluation["discriminator"], {"set": "set", "discriminator": "discriminator", "tests": "tests",
                                        "valid": "valid", "validity": "validity", "validity_ci": "95% CI",
                                        "not_calling": "not calling it", "breaking": "breaking",
                                        "break_rate": "break rate"},
      caption="Tests against the reference (validity) and the trained generator's program (break rate)")

# %%
table(adv.evaluation["tests"][:12], {"set": "set", "discriminator": "discriminator", "problem": "problem",
                                     "test": "test", "reference": "on the reference", "program": "on the program",
                                     "kind": "kind"}, code=["test"], caption="Evaluation tests (first 12)")

# %% [markdown]
# ## What we see

# %%
from ladderlib.workbook.findings import adversarial_findings

Markdown(adversarial_findings(adv, params))
