# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · The verifier RL can trust
#
# Every integration reward comes from `ladderlib.verify`: answers are parsed safely (plain math, LaTeX, `\boxed{}`,
# answer tags, prose around them; never `eval`), screened by reward-hacking filters (echoed integrand, unevaluated
# integrals, bare constants, non-finite values, foreign symbols, step functions, oversized expressions, non-math),
# then checked numerically (derivative at random points in [-10, 10], complex-safe, up to piecewise constants).
#
# Below: true antiderivatives and six corruptions of each from the test split, then real answers sampled from the
# model, and the audit of which filter fired how often.

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
from ladderlib.workbook import run_verify

verify = run_verify(params, run)
table(verify.rates, {"kind": "answer kind", "n": "n", "accepted": "accepted", "accept_rate": "accept rate"},
      caption="True answers should be accepted, corruptions rejected")

# %% [markdown]
# ## Real model answers

# %%
table(verify.model_answers, {"integrand": "integrand", "answer": "model answer", "correct": "verified",
                             "code": "verifier code", "reason": "reason"},
      caption=f"{len(verify.model_answers)} sampled answers, {sum(a['correct'] for a in verify.model_answers)} correct",
      code=["integrand", "answer"])

# %% [markdown]
# ## Reward-hacking audit: which check fired, how often

# %%
from ladderlib.ladder.audit import audit_rows

table(audit_rows(verify.audit), {"code": "verifier code", "count": "count", "answer": "example answer",
                                 "reason": "reason"}, code=["answer"])

# %% [markdown]
# ## What we see

# %%
from IPython.display import Markdown

from ladderlib.workbook.findings import verify_findings

Markdown(verify_findings(verify, params))
