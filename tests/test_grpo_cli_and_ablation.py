"""``ladder train`` (seed 000's command) and the ablation's original rows."""

from __future__ import annotations

import json

import pytest

from ladderlib.cli import main
from ladderlib.data.integrals import ROOT_INTEGRALS
from ladderlib.io import write_jsonl
from ladderlib.ladder.ablation import original_rows

PROFILE = """
profile: cli_tiny
model: {name: embedded, device: cpu, dtype: float32, lora: {r: 4, alpha: 8, target_modules: [q_proj, v_proj]}}
grpo: {max_steps: 1, num_generations: 2, per_device_train_batch_size: 2, max_completion_length: 8, save_steps: 1,
       eval_max_new_tokens: 8}
"""


def test_original_rows_carry_checked_answers_and_difficulty():
    rows = original_rows(["x*log(x)", "x*log(x)", "x**2*log(x)"])
    assert [r["integrand"] for r in rows] == ["x*log(x)", "x**2*log(x)"]
    assert rows[0]["antiderivative"] == ROOT_INTEGRALS["x*log(x)"] and rows[0]["difficulty"] > 0
    assert original_rows(["x*exp(x)"])[0]["antiderivative"] is not None  # not a root: sympy finds it


def test_train_cli_rejects_bad_input(tmp_path, capsys):
    assert main(["train", "--dataset", str(tmp_path / "missing.json"), "--output-dir", str(tmp_path / "o")]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"integrand": "x"}, {"problem": "no integrand"}])
    assert main(["train", "--dataset", str(bad), "--output-dir", str(tmp_path / "o")]) == 2
    assert "row 1 has no integrand" in capsys.readouterr().err


def test_train_cli_trains_refuses_to_clobber_and_resumes_strictly(tmp_path, capsys):
    profile = tmp_path / "p.yaml"
    profile.write_text(PROFILE)
    data = write_jsonl(tmp_path / "rows.jsonl", [{"integrand": "2*x", "difficulty": 1.0}, {"integrand": "cos(x)", "difficulty": 2.0}])
    out = tmp_path / "run"
    args = ["train", "--dataset", str(data), "--params", str(profile), "--model", "embedded", "--output-dir", str(out)]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["steps"] == 1 and (out / "adapter" / "adapter_config.json").is_file()
    assert main(args) == 2 and "--resume" in capsys.readouterr().err  # would discard the earlier run
    assert main([*args, "--resume", "--max-steps", "2"]) == 2  # other settings: refused, not silently restarted
    assert "different grpo" in capsys.readouterr().err
    assert main([*args, "--resume"]) == 0  # same settings: continues (already at max_steps: nothing to train)
    resumed = json.loads(capsys.readouterr().out)
    assert resumed["reused"] and resumed["steps"] == 1  # no extra step
    assert main([*args, "--overwrite", "--max-steps", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["steps"] == 2


@pytest.mark.parametrize("keys", [["reward"], ["reward", "missing"]])
def test_plot_arms_draws_one_line_per_arm(keys):
    from ladderlib.plots.training import plot_arms

    fig = plot_arms({"a": [{"step": 1, "reward": 0.1}, {"step": 2, "reward": 0.3}], "b": [{"step": 1, "reward": 0.2}]},
                    keys, "t")
    ax, *rest = [a for a in fig.axes if a.get_visible()]
    assert len(ax.lines) == 2 and list(ax.lines[0].get_ydata()) == [0.1, 0.3]
    assert len(rest) == len(keys) - 1 and all(any("no data" in t.get_text() for t in a.texts) for a in rest)
