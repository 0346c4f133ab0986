"""The "what we see" paragraph that ends each notebook, written from the run's own numbers.

Each function reads a stage's result and says, in a few Markdown sentences, what the numbers show and how far
they can be trusted (sample sizes, confidence intervals); on a ``smoke`` profile it says plainly that the
numbers only prove the notebook runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def smoke_note(params: Any) -> str:
    """A warning line for smoke profiles ("" otherwise)."""
    if not getattr(params, "smoke", False):
        return ""
    return (f"\n\n> **Smoke profile** (`{params.profile}`): sizes are tiny so that the whole workbook runs on a "
            "laptop CPU. These numbers show that the notebook works end to end; they are not evidence for or "
            "against the method. Use a GPU profile for results.")


def _ci(row: Mapping[str, Any]) -> str:
    return f"{row['correct']}/{row['n']} = {row['accuracy']:.2f} (95% CI {row['ci_low']:.2f}–{row['ci_high']:.2f})"


def data_findings(stage: Any, params: Any) -> str:
    """01: what was written and where it came from."""
    d = stage.card["datasets"]
    rows = lambda name: d[name]["rows"] if name in d else 0  # noqa: E731
    parts = [
        f"GSM8K gives **{rows('gsm8k_train')}** training, **{rows('gsm8k_validation')}** validation and "
        f"**{rows('gsm8k_test')}** test questions (no question of train or validation appears in test).",
        f"The integration pairs split into **{rows('integrals_train')}** train and **{rows('integrals_test')}** test "
        f"problems, plus **{rows('integrals_roots')}** hard roots for 02's variant trees.",
    ]
    if "humaneval" in d:
        parts.append(f"HumanEval holds {rows('humaneval')} problems" + (
            f"; MBPP {rows('mbpp_train')} train / {rows('mbpp_test')} test." if "mbpp_test" in d else "."))
    parts.append("Every later notebook reads these files, whose sha256 hashes are in the data card above.")
    return " ".join(parts) + smoke_note(params)


def variants_findings(stage: Any, params: Any) -> str:
    """02: how many variants each source gave, and why a source gave none."""
    out = [f"**{len(stage.trees)}** trees hold **{len(stage.rows)}** variants."]
    for src in stage.sources:
        name, proposed, accepted = src["source"], src["proposed"], src["accepted"]
        if name == "model":
            empty = stage.stats.get("model", {}).get("empty_outputs", 0)
            if proposed == 0:
                out.append(f"The model answered {src['prompts']} prompts but proposed no parsable integrand "
                           f"({empty} of its answers held no candidate at all); the symbolic source filled the trees.")
            else:
                out.append(f"The model proposed {proposed} candidates in {src['prompts']} prompts and "
                           f"{accepted} passed screening ({empty} answers held none).")
        else:
            out.append(f"The {name} source proposed {proposed} rewrites; {accepted} were kept.")
    diffs = [r["difficulty"] for r in stage.rows if r.get("difficulty") is not None]
    if diffs:
        out.append(f"Estimated difficulty ranges from {min(diffs):.1f} to {max(diffs):.1f}; 06 trains easiest first.")
    return " ".join(out) + smoke_note(params)


def verify_findings(stage: Any, params: Any) -> str:
    """03: how the verifier treats true and corrupted answers, and the model's own."""
    by = {r["kind"]: r for r in stage.rates}
    true = by.get("true")
    corrupt = [r for k, r in by.items() if k != "true"]
    out = []
    if true:
        out.append(f"The verifier accepts **{true['accepted']}/{true['n']}** true antiderivatives.")
    if corrupt:
        n, acc = sum(r["n"] for r in corrupt), sum(r["accepted"] for r in corrupt)
        out.append(f"Of {n} corrupted answers it accepts **{acc}** (a corruption can still be correct, e.g. "
                   "log(2x) for 1/x; the bench re-checks those symbolically).")
    m = stage.model_answers
    if m:
        out.append(f"The model's {len(m)} sampled answers: {sum(a['correct'] for a in m)} verified correct; the "
                   f"audit table shows which check rejected the rest.")
    return " ".join(out) + smoke_note(params)


def sft_findings(stage: Any, params: Any) -> str:
    """04: loss, and base vs SFT on the validation sample."""
    curve = stage.tutor.get("loss_curve") or []
    out = []
    if curve:
        out.append(f"Tutor SFT ran {stage.tutor['steps']} steps; the loss went from {curve[0]['loss']:.2f} to "
                   f"{curve[-1]['loss']:.2f}.")
    out.append(f"Planner SFT ran {stage.planner['steps']} steps on plans from {stage.planner.get('source')}.")
    by = {r["model"]: r for r in stage.dev}
    if "base" in by and "sft" in by:
        out.append(f"On the validation sample, base {_ci(by['base'])} vs SFT {_ci(by['sft'])}; overlapping "
                   "intervals mean this sample cannot tell them apart.")
    return " ".join(out) + smoke_note(params)


def rollouts_findings(stage: Any, params: Any) -> str:
    """05: what the arms did, and what the bandit can and cannot say yet."""
    s = stage.summary
    pulled = sum(1 for a in stage.arms if a["pulls"])
    out = [f"{s['n_questions']} questions × {len(stage.arms)} arms: at least one arm was right on "
           f"{s['any_correct_rate']:.0%} of questions, an average arm on {s['arm_correct_rate']:.0%}; mean reward "
           f"{s['mean_reward']:.2f}, mean s_wm {s['mean_s_wm']:.2f}."]
    if pulled < len(stage.arms):
        out.append(f"The UCB1 replay pulls one arm per question, so only {pulled} of {len(stage.arms)} arms have been "
                   "tried; an untried arm has an infinite UCB by definition (it would be pulled next). The per-arm "
                   "accuracy table uses every arm's answer instead.")
    return " ".join(out) + smoke_note(params)


def rl_findings(stage: Any, params: Any) -> str:
    """06: PPO, the GSM8K comparison, the GRPO ablation and the planner, each with its uncertainty."""
    out = []
    final = stage.ppo.get("final") or {}
    if final:
        out.append(f"PPO ran {stage.ppo['steps']} steps (last: mean reward {final.get('reward_mean', 0):.2f}, "
                   f"KL {final.get('kl', 0):.3f}).")
    if stage.gsm8k:
        out.append("GSM8K test: " + "; ".join(f"{r['model']} {_ci(r)}" for r in stage.gsm8k) + ".")
    if "warmup" in stage.grpo:
        out.append(f"Both GRPO arms start from one shared SFT warm-up ({stage.grpo['warmup'].get('steps')} steps): "
                   "their 'before' numbers are the warm-up's, the SFT-only control.")
    arms = {k: v for k, v in stage.grpo.items() if k not in ("heldout", "warmup")}
    for arm, r in arms.items():
        before, after = r.get("heldout_before") or {}, r.get("heldout_after") or {}
        if before and after:
            out.append(f"GRPO on {arm}: held-out {before['correct']}/{before['n']} before, "
                       f"{after['correct']}/{after['n']} after {r['steps']} steps.")
    out.append("The Trainer's *Training Loss* column reads about 0 for GRPO: advantages are normalised within each "
               "group, so the policy-gradient term averages to zero by construction and what remains is β·KL, tiny "
               "here; the reward curves, not the loss, show learning.")
    p = stage.planner
    if p:
        out.append(f"Planner GRPO scored {p.get('completions_scored', 0)} plans, {p.get('unparsable_plans', 0)} of them "
                   "unparsable (those get exactly the unparsable reward).")
        if t := p.get("gsm8k_test"):
            out.append(f"Planner + frozen worker on the same GSM8K test rows: {_share(t['correct'], t['n'])}, "
                       f"{t['decomposed']} of {t['n']} problems decomposed.")
    return " ".join(out) + smoke_note(params)




def _share(k: int, n: int) -> str:
    from ladderlib.evaluate.stats import wilson_interval

    lo, hi = wilson_interval(k, n)
    return f"{k}/{n} (95% CI {lo:.2f}–{hi:.2f})" if n else "0/0"


def adversarial_findings(stage: Any, params: Any) -> str:
    """07: what the rounds produced, base vs trained pass@1 with CIs and the paired test, the discriminator."""
    rows, s = stage.metrics, stage.summary
    p = stage.problems
    out = [f"Training used {p['kept']} MBPP-train problems" if p["source"] == "mbpp_train"
           else f"Training used {p['kept']} problems from {p['source']}"]
    out[0] += (f" ({p['overlapping_evaluation']} dropped as evaluation problems, "
               f"{len(p['reference_fails_own_tests'])} because their reference fails its own tests in the sandbox).")
    if rows:
        tests = sum(r["tests"] for r in rows)
        valid = sum(r["valid_tests"] for r in rows)
        out.append(f"{len(rows)} PPO steps over stages {', '.join(str(x) for x in dict.fromkeys(r['stage'] for r in rows))}: "
                   f"the discriminator wrote {tests} asserts, {_share(valid, tests)} valid "
                   f"({sum(r['tests_not_calling'] for r in rows)} did not call the function, "
                   f"{sum(r['tests_failing_reference'] for r in rows)} failed the reference); mean generator reward "
                   f"{sum(r['generator_reward'] for r in rows) / len(rows):.2f}, own tests passed "
                   f"{sum(r['own_pass_rate'] for r in rows) / len(rows):.2f}.")
        seed = sum(r["discriminator_reward_seed"] for r in rows) / len(rows)
        cure = sum(r["discriminator_reward_cure"] for r in rows) / len(rows)
        out.append(f"On the same rounds the seed's discriminator reward averages {seed:.2f} and CURE's {cure:.2f}: "
                   "CURE also pays for catching wrong programs when validity is low and charges invalid tests that "
                   "let wrong programs through, while the seed's is 0 whenever no test is valid.")
    best = s.get("best") or {}
    if best:
        out.append(f"The best checkpoint (0.7·generator reward + 0.3·test validity on training rounds) is "
                   f"{best['name']} (score {best['score']:.2f}).")
    ev = stage.evaluation
    for pair in ev.get("paired", []):
        by = {r["generator"]: r for r in ev["pass"] if r["set"] == pair["set"]}
        b, t = by["base"], by["trained"]
        out.append(f"{pair['set']}: pass@1 base {b['correct']}/{b['n']} = {b['pass@1']:.2f} "
                   f"(95% CI {b['ci_low']:.2f}–{b['ci_high']:.2f}) vs trained {t['correct']}/{t['n']} = "
                   f"{t['pass@1']:.2f} ({t['ci_low']:.2f}–{t['ci_high']:.2f}); they differ on "
                   f"{pair['base_only'] + pair['trained_only']} problems (McNemar p = {pair['p_value']:.2f}).")
    for d in ev.get("discriminator", []):
        br = "no valid test to break with" if d["break_rate"] is None else \
            f"break rate {d['breaking']}/{d['valid']} on the trained generator's code"
        out.append(f"{d['set']}, {d['discriminator']} discriminator: {_share(d['valid'], d['tests'])} valid tests; {br}.")
    return " ".join(out) + smoke_note(params)


def _figure(name: str, value: Any) -> str | None:
    """``name k/n = acc (95% CI lo–hi)`` from a TTRL summary figure (a dict with counts/CI, or a number)."""
    if isinstance(value, Mapping):
        acc = value.get("accuracy", value.get("rate", value.get("value")))
        if acc is None and value.get("n"):
            acc = value.get("correct", value.get("solved", 0)) / value["n"]
        if acc is None:
            return None
        k = value.get("correct", value.get("solved"))
        counts = f"{k}/{value['n']} = " if k is not None and value.get("n") is not None else ""
        ci = f" (95% CI {value['ci_low']:.2f}–{value['ci_high']:.2f})" if "ci_low" in value and "ci_high" in value else ""
        return f"`{name}` {counts}{float(acc):.2f}{ci}"
    if isinstance(value, (int, float)):
        return f"`{name}` {float(value):.2f}"
    return None


def final_findings(stage: Any, params: Any) -> str:
    """09: what the final table, the TTRL figures and the hygiene check say, and what they cannot."""
    rows = [{**r, **{k: int(r[k]) for k in ("n", "correct") if r[k] == r[k] and r[k] is not None}}
            for r in stage.table.to_dict("records")]  # pandas holds counts as floats beside missing rows
    have = [r for r in rows if r["status"] == "ok"]
    gone = [r for r in rows if r["status"] == "missing"]
    out = [f"The final table holds **{len(have)}** measured rows of {len(rows)}."]
    if gone:
        out.append("Missing: " + "; ".join(f"{r['system']} {r['model']} on {r['task']} ({r['note']})" for r in gone) + ".")
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in have:
        groups.setdefault((r["system"], r["task"]), []).append(r)
    for (system, task), group in groups.items():
        base = next((r for r in group if r["model"] == "base"), None)
        for r in group:
            if base is None or r is base:
                continue
            overlap = r["ci_low"] <= base["ci_high"] and base["ci_low"] <= r["ci_high"]
            out.append(f"{task}: {system} {r['model']} {_ci(r)} vs base {_ci(base)}; "
                       + ("the intervals overlap, so this sample cannot tell them apart." if overlap else
                          f"the intervals do not overlap ({r['model']} {'above' if r['accuracy'] > base['accuracy'] else 'below'} base)."))
    summary = getattr(stage, "ttrl_summary", None) or {}
    honest, paper = _figure("final_pass@1", summary.get("final_pass@1")), \
        _figure("solved_during_adaptation", summary.get("solved_during_adaptation"))
    if honest or paper:
        out.append("TTRL: " + "; ".join(x for x in (honest, paper) if x) + ". `final_pass@1` is the adapted model's "
                   "greedy answer to the original problem, checked by the verifier — the honest figure; "
                   "`solved_during_adaptation` counts a problem as solved if any answer sampled during adaptation "
                   "passed, the paper's count (usually the higher of the two).")
    n_bad = int((stage.hygiene["status"] == "OVERLAP").sum())
    out.append("Train/test hygiene passed: no test problem, nor a variant of one, is in a training set of this run."
               if n_bad == 0 else f"**Train/test hygiene FAILED** on {n_bad} checks (see the hygiene table): those "
               "rows are not held-out results.")
    out.append(f"The report with every table and plot is `{stage.report.html_path.name}` in the run folder.")
    return " ".join(out) + smoke_note(params)


def latent_findings(stage: Any, params: Any) -> str:
    """08: each method's accuracy with its CI and tokens, Coconut against the baselines (paired), the curve."""
    out = []
    if stage.reused:
        out.append(f"{len(stage.reused)} method(s) were kept from an earlier attempt of this run "
                   f"({', '.join(stage.reused)}); the rest trained now.")
    for task in dict.fromkeys(r["task"] for r in stage.rows):
        rows = {r["model"]: r for r in stage.rows if r["task"] == task}
        listing = "; ".join(f"{m} {_ci(r)}, {r['mean_gen_tokens']:.1f} tokens per answer" for m, r in rows.items())
        out.append(f"**{task}** (held-out): {listing}.")
        for p in (p for p in stage.paired if p["task"] == task and p["baseline"] in ("no_cot", "cot")):
            verdict = "a difference this sample supports" if p["p_value"] < 0.05 else "not a difference this sample can show"
            out.append(f"Coconut − {p['baseline']}: {p['diff']:+.2f} (paired 95% CI {p['diff_ci_low']:+.2f} to "
                       f"{p['diff_ci_high']:+.2f}; McNemar p = {p['p_value']:.2f}, {p['coconut_only']} vs "
                       f"{p['baseline_only']} discordant items): {verdict}.")
        if "coconut" in rows and "cot" in rows and rows["cot"]["mean_gen_tokens"]:
            ratio = rows["coconut"]["mean_gen_tokens"] / rows["cot"]["mean_gen_tokens"]
            out.append(f"Coconut generates {ratio:.2f}× CoT's tokens per answer (its thoughts are hidden states, not "
                       "tokens).")
        curve = [s for s in stage.stages if s["task"] == task and s["method"] == "coconut" and "accuracy" in s]
        if len(curve) > 1:
            out.append("Coconut after each curriculum stage: " + ", ".join(
                f"stage {s['stage']} ({s['thoughts']} thoughts) {s['accuracy']:.2f}" for s in curve) + ".")
        probe = curve[-1].get("thought_probe") if curve else None
        if probe:
            out.append("After the last stage, read through the LM head, the thought for each step holds that step's "
                       "result among its 5 likeliest tokens in " + ", ".join(
                           f"{p['top5']:.0%} of items (step {p['step']}, n={p['n']})" for p in probe) +
                       ": where this is low, the thoughts are not carrying the intermediate results.")
    return " ".join(out) + smoke_note(params)
