"""Figures and tables for 01_data: dataset sizes and the length distributions a researcher checks first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ladderlib.data.store import read_dataset


def dataset_table(card: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per written dataset: name, rows, sha256 prefix."""
    return [
        {"dataset": name, "rows": d["rows"], "sha256": d["sha256"][:12], "file": d["file"]}
        for name, d in card["datasets"].items()
    ]


def plot_data_overview(run_dir: str | Path) -> Any:
    """Three panels: GSM8K question length per split, solution steps, integrand length per integral split."""
    from ladderlib.plots.figure import panels, tidy

    fig, (words, steps, chars) = panels(3, "What the data looks like")
    for split in ("train", "validation", "test"):
        rows = read_dataset(run_dir, f"gsm8k_{split}")
        words.hist([len(r["question"].split()) for r in rows], bins=30, alpha=0.5, density=True, label=f"{split} ({len(rows)})")
        steps.hist([r["solution"].count("\n") for r in rows], bins=range(0, 12), alpha=0.5, density=True, label=split)
    words.set(title="GSM8K question length", xlabel="words", ylabel="share of questions")
    steps.set(title="GSM8K solution steps", xlabel="lines before ####", ylabel="share of solutions")
    for split in ("train", "test", "roots"):
        rows = read_dataset(run_dir, f"integrals_{split}")
        lengths = [min(len(r["integrand"]), 119) for r in rows]
        chars.hist(lengths, bins=range(0, 124, 6), histtype="step", lw=1.5, density=True, label=f"{split} ({len(rows)})")
    chars.set(title="Integrand length", xlabel="characters (120+ pooled)", ylabel="share of integrands")
    for ax in (words, steps, chars):
        tidy(ax)
        ax.legend(fontsize=8)
    return fig
