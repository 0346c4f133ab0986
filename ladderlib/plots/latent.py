"""08_latent's figures: accuracy and generated tokens per method (the paper's Table 1 as bars), the Coconut
curriculum curve (accuracy after each stage against its number of thoughts), and the training loss per method."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ladderlib.plots.figure import missing, panels, tidy

METHOD_LABELS = {"no_cot": "no-CoT", "cot": "CoT", "pause": "pause", "coconut": "Coconut",
                 "coconut_no_curriculum": "Coconut\nno curric."}


def plot_methods(rows: Sequence[Mapping[str, Any]], task: str) -> Any:
    """Held-out accuracy (95% CI, correct/n over each bar) and mean generated tokens per answer, per method."""
    rows = [r for r in rows if r["task"] == task]
    fig, (acc_ax, tok_ax) = panels(2, f"Latent reasoning on {task}: held-out, greedy")
    if not rows:
        for ax in (acc_ax, tok_ax):
            missing(ax, task, "no method scored on this task")
        return fig
    names = [METHOD_LABELS.get(r["model"], r["model"]) for r in rows]
    acc = [float(r["accuracy"]) for r in rows]
    err = [[a - float(r["ci_low"]) for a, r in zip(acc, rows)], [float(r["ci_high"]) - a for a, r in zip(acc, rows)]]
    acc_ax.bar(names, acc, yerr=err, capsize=5, color="#4c72b0")
    for i, r in enumerate(rows):
        acc_ax.text(i, min(float(r["ci_high"]) + 0.03, 1.0), f"{r['correct']}/{r['n']}", ha="center", fontsize=8)
    acc_ax.set(ylim=(0, 1.1), ylabel="accuracy (95% CI)", title="accuracy")
    tok_ax.bar(names, [float(r["mean_gen_tokens"]) for r in rows], color="#dd8452")
    tok_ax.set(ylabel="tokens per answer", title="generated tokens (thoughts not counted)")
    for ax in (acc_ax, tok_ax):
        tidy(ax, integer_x=False)
        ax.tick_params(axis="x", labelsize=8)
    return fig


def probe_lines(stages: Sequence[Mapping[str, Any]], key: str = "top5") -> dict[int, list[tuple[int, float]]]:
    """Step -> [(stage, rate)] from the stage rows' ``thought_probe``: how often, after each stage, the thought for
    that step decoded to the step's result (``key``: ``top1`` or ``top5``)."""
    lines: dict[int, list[tuple[int, float]]] = {}
    for s in stages:
        for row in s.get("thought_probe") or []:
            lines.setdefault(row["step"], []).append((s["stage"], row[key]))
    return lines


def plot_curriculum(stages: Sequence[Mapping[str, Any]], task: str) -> Any:
    """Coconut's held-out accuracy after each curriculum stage (stage k: k x c thoughts replace k steps), and how
    often the thought standing for each replaced step decodes through the LM head to that step's result."""
    pts = [s for s in stages if s["task"] == task and s["method"] == "coconut" and "accuracy" in s]
    fig, (ax, loss_ax) = panels(2, f"Coconut curriculum on {task}")
    if not pts:
        missing(ax, "accuracy", "Coconut was not trained in this run")
        missing(loss_ax, "loss", "Coconut was not trained in this run")
        return fig
    xs = [p["stage"] for p in pts]
    acc = [p["accuracy"] for p in pts]
    ax.errorbar(xs, acc, yerr=[[a - p["ci_low"] for a, p in zip(acc, pts)], [p["ci_high"] - a for a, p in zip(acc, pts)]],
                marker="o", capsize=4)
    for x, p in zip(xs, pts):
        ax.annotate(f"{p['thoughts']} th.", (x, p["accuracy"]), textcoords="offset points", xytext=(4, 6), fontsize=8)
    probes = probe_lines(pts)
    for j, line in sorted(probes.items()):
        ax.plot(*zip(*line), ls="--", marker=".", lw=1, label=f"step {j}'s thought decodes to its result (top 5)")
    if probes:
        ax.plot([], [], marker="o", color="C0", label="answer accuracy")
        ax.legend(fontsize=7)
    ax.set(xlabel="curriculum stage", ylabel="held-out accuracy / decode rate", title=f"after each stage (n={pts[0]['n']})")
    tidy(ax, rate=True)
    loss_ax.plot(xs, [p["loss"] for p in pts], marker="o", color="#55a868")
    loss_ax.set(xlabel="curriculum stage", ylabel="mean loss", title="training loss per stage")
    tidy(loss_ax)
    return fig


def plot_losses(steps: Sequence[Mapping[str, Any]], task: str) -> Any:
    """Training loss against optimizer step, one line per method."""
    fig, (ax,) = panels(1, f"Training loss on {task}")
    fig.set_size_inches(7.0, 3.2)
    by: dict[str, list[Mapping[str, Any]]] = {}
    for r in steps:
        if r["task"] == task:
            by.setdefault(r["method"], []).append(r)
    if not by:
        missing(ax, "loss", "no training steps logged")
        return fig
    for method, rows in by.items():
        ax.plot([r["step"] for r in rows], [r["loss"] for r in rows], label=METHOD_LABELS.get(method, method).replace("\n", " "),
                lw=1.2)
    ax.set(xlabel="optimizer step", ylabel="loss (answer and language steps)")
    ax.legend(fontsize=8)
    tidy(ax)
    return fig
