"""Hand-off to veRL and OpenRLHF: ``ladder export`` writes veRL's parquet schema and OpenRLHF's JSONL from real
LADDER variants, GSM8K and MBPP rows, and the reward files, loaded by path the way the engines load them,
score real right and wrong answers through their public signatures."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ladderlib.cli import main
from ladderlib.io import read_jsonl, write_jsonl

VERL_FIELDS = ["data_source", "prompt", "ability", "reward_model", "extra_info"]  # examples/data_preprocess/gsm8k.py


def load_by_path(path: Path, name: str):
    """What veRL's get_custom_reward_fn (module 'custom_module') and OpenRLHF's RemoteRewardModel do."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def rows(shared_data, tmp_path_factory):
    d = tmp_path_factory.mktemp("rows")
    integrals = read_jsonl(shared_data / "integrals" / "rubi_textbook.jsonl")[:6]
    variants = d / "variants.json"  # a LADDER variant dataset file as 02_variants writes it
    from ladderlib.ladder.variants.dataset import DATASET_FORMAT
    variants.write_text(json.dumps({"format": DATASET_FORMAT, "rows": integrals}))
    gsm = d / "gsm8k.jsonl"
    write_jsonl(gsm, read_jsonl(shared_data / "gsm8k" / "test.jsonl")[:5])
    mbpp = d / "mbpp.jsonl"
    write_jsonl(mbpp, [r for r in read_jsonl(shared_data / "mbpp" / "mbpp.jsonl") if r["task_id"] in (11, 12, 13)])
    return {"integrals": (variants, integrals), "gsm8k": (gsm, read_jsonl(gsm)), "code": (mbpp, read_jsonl(mbpp))}


def export(engine, task, dataset, out, capsys, *extra):
    assert main(["export", engine, "--task", task, "--dataset", str(dataset), "--output", str(out), *extra]) == 0
    return json.loads(capsys.readouterr().out)


def test_verl_parquet_matches_verls_schema_field_by_field(rows, tmp_path, capsys):
    import datasets
    import pyarrow.parquet as pq

    variants, integrals = rows["integrals"]
    summary = export("verl", "integrals", variants, tmp_path / "v", capsys, "--test-fraction", "0.34")
    assert summary["rows"] == {"train": 4, "test": 2}
    table = pq.read_table(summary["files"]["train"])
    assert table.column_names == VERL_FIELDS
    assert str(table.schema.field("prompt").type) == "list<element: struct<role: string, content: string>>"
    assert str(table.schema.field("reward_model").type) == "struct<style: string, ground_truth: string>"
    ds = datasets.load_dataset("parquet", data_files={"train": summary["files"]["train"],
                                                      "test": summary["files"]["test"]})
    assert (ds["train"].num_rows, ds["test"].num_rows) == (4, 2)
    rec = ds["train"][0]
    assert rec["data_source"] == "ladder/integrals" and rec["ability"] == "math"
    assert rec["prompt"][-1]["role"] == "user" and "\\boxed{}" in rec["prompt"][-1]["content"]
    assert rec["reward_model"]["style"] == "rule"
    row = json.loads(rec["extra_info"]["row"])
    assert rec["reward_model"]["ground_truth"] == row["integrand"] and row in integrals
    assert rec["extra_info"]["split"] == "train" and rec["extra_info"]["index"] == 0
    held = {r["extra_info"]["row"] for r in ds["test"]}
    assert held.isdisjoint({r["extra_info"]["row"] for r in ds["train"]})  # a row is train or test, never both


def test_verl_reward_file_scores_right_and_wrong_answers(rows, tmp_path, capsys, shared_data):
    out = tmp_path / "v"
    summaries = {t: export("verl", t, rows[t][0], out / t, capsys, "--test-fraction", "0") for t in rows}
    cases = []  # (record, completion, expected score)
    import pyarrow.parquet as pq

    for task, s in summaries.items():
        for rec in pq.read_table(s["files"]["train"]).to_pylist()[:3]:
            row = json.loads(rec["extra_info"]["row"])
            right = {"integrals": lambda r: f"Differentiate to check.\n\\boxed{{{r['antiderivative']}}}",
                     "gsm8k": lambda r: f"Step by step...\n#### {r['answer'].split('####')[-1].strip()}",
                     "code": lambda r: f"```python\n{r['code']}\n```"}[task](row)
            wrong = {"integrals": "\\boxed{x**7 + 1}", "gsm8k": "#### 123456789",
                     "code": "```python\ndef nothing():\n    return None\n```"}[task]
            cases += [(rec, right, 1.0), (rec, wrong, 0.0)]
    verl = load_by_path(Path(summaries["gsm8k"]["reward"]), "custom_module")
    for rec, completion, expected in cases:
        got = verl.compute_score(rec["data_source"], completion, rec["reward_model"]["ground_truth"], rec["extra_info"])
        assert got["score"] == expected, (rec["data_source"], completion[:60], got)
    batch = verl.compute_score_batch([c[0]["data_source"] for c in cases], [c[1] for c in cases],
                                     [c[0]["reward_model"]["ground_truth"] for c in cases])
    assert [b["score"] for b in batch] == [c[2] for c in cases]
    with pytest.raises(KeyError, match="not one of ours"):
        verl.compute_score("lighteval/MATH", "\\boxed{1}", "1")


def test_openrlhf_jsonl_and_reward_func(rows, tmp_path, capsys):
    import torch

    summary = export("openrlhf", "gsm8k", rows["gsm8k"][0], tmp_path / "o", capsys, "--test-fraction", "0.2")
    train = read_jsonl(Path(summary["files"]["train"]))
    assert len(train) == 4 and len(read_jsonl(Path(summary["files"]["test"]))) == 1
    assert set(train[0]) == {"prompt", "label", "data_source", "index"}
    assert train[0]["prompt"][0]["role"] == "system" and json.loads(train[0]["label"])["data_source"] == "openai/gsm8k"
    reward = load_by_path(Path(summary["reward"]), "reward_func")
    prompts = [f"<|im_start|>user\n{r['prompt'][-1]['content']}<|im_end|>\n<|im_start|>assistant\n" for r in train]
    golds = [json.loads(r["label"])["ground_truth"] for r in train]
    queries = [p + f"So the answer is\n#### {g}" for p, g in zip(prompts, golds)]
    queries[1] = prompts[1] + "#### -1"
    out = reward.reward_func(queries, prompts, [r["label"] for r in train])
    assert set(out) == {"rewards", "scores", "extra_logs"}
    assert isinstance(out["rewards"], torch.Tensor) and out["rewards"].tolist() == [1.0, 0.0, 1.0, 1.0]
    assert out["scores"].tolist() == out["rewards"].tolist() and out["extra_logs"]["accuracy"].shape == (4,)


def test_bad_input_exits_2_naming_the_file_and_row(rows, tmp_path, capsys):
    gsm, _ = rows["gsm8k"]
    assert main(["export", "verl", "--dataset", str(gsm), "--output", str(tmp_path / "x")]) == 2
    assert f"{gsm}: row 0 is not a integrals row" in capsys.readouterr().err
    assert main(["export", "verl", "--dataset", str(tmp_path / "none.json"), "--output", str(tmp_path / "x")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_the_reward_file_loads_in_a_fresh_interpreter(rows, tmp_path, capsys):
    """The engines import the file in their own worker processes: nothing may depend on this test's imports."""
    s = export("verl", "gsm8k", rows["gsm8k"][0], tmp_path / "v", capsys, "--test-fraction", "0")
    code = ("import importlib.util as u, sys; s = u.spec_from_file_location('custom_module', sys.argv[1]); "
            "m = u.module_from_spec(s); s.loader.exec_module(m); "
            "print(m.compute_score('openai/gsm8k', 'x\\n#### 18', '18')['score'])")
    done = subprocess.run([sys.executable, "-c", code, s["reward"]], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.strip() == "1.0"
