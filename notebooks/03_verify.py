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
