"""Params profiles: the shipped ones validate, and bad input fails early with a message naming key and problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ladderlib.config import ParamsError, dump_params, load_params, validate_params

REPO = Path(__file__).resolve().parents[1]

PROFILES = sorted((Path(__file__).resolve().parents[1] / "params").glob("*.yaml"))


def test_all_shipped_profiles_validate():
    names = {p.stem for p in PROFILES}
    assert {"cpu_smoke", "colab_t4", "kaggle_p100", "lambda_a100", "h100"} <= names
    for p in PROFILES:
        params = load_params(p)
        assert params.profile == p.stem


def test_gpu_profiles_ask_for_gpu_features():
    by = {p.stem: load_params(p) for p in PROFILES}
    assert by["cpu_smoke"].model.name == "embedded" and by["cpu_smoke"].model.quantization == "none"
    assert by["colab_t4"].model.quantization == "4bit" and by["colab_t4"].model.dtype == "float16"
    assert by["h100"].model.dtype == "bfloat16" and by["h100"].model.backend == "unsloth"


def test_relative_paths_resolve_from_the_profile_folder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "pairs.jsonl").write_text('{"integrand": "x", "antiderivative": "x**2/2"}\n')
    prof = tmp_path / "sub" / "p.yaml"
    prof.write_text("profile: p\ndata: {gsm8k: {path: ../data_here, hub_id: openai/gsm8k}, integrals: {path: ../pairs.jsonl}}\n")
    params = load_params(prof)
    assert params.data.gsm8k.path == (tmp_path / "data_here").resolve()
    assert not params.data.gsm8k.use_local()  # missing local copy falls back to the hub id
    assert params.data.integrals.path == (tmp_path / "pairs.jsonl").resolve()


def test_dump_and_reload_roundtrip(tmp_path, tiny_profile):
    params = load_params(tiny_profile)
    out = dump_params(params, tmp_path / "run" / "params.yaml")
    again = load_params(out)
    assert again == params
    assert yaml.safe_load(out.read_text())["data"]["gsm8k"]["path"].startswith("/")


def _err(data) -> str:
    with pytest.raises(ParamsError) as ei:
        validate_params(data, source="t.yaml")
    return str(ei.value)


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"profile": "x", "modle": {}}, "modle: unknown key; did you mean 'model'?"),
        ({"profile": "x", "model": {"lora": {"rank": 8}}}, "model.lora.rank: unknown key"),
        ({"profile": "x", "model": {"lora": {"r": 0}}}, "model.lora.r: Input should be greater than or equal to 1 (got 0)"),
        ({"profile": "x", "model": {"lora": {"dropout": 1.5}}}, "model.lora.dropout: Input should be less than 1 (got 1.5)"),
        ({"profile": "x", "model": {"dtype": "fp8"}}, "model.dtype: Input should be 'auto', 'float32', 'bfloat16' or 'float16' (got 'fp8')"),
        ({"profile": "x", "model": {"quantization": "8bit"}}, "model.quantization: Input should be 'none' or '4bit'"),
        ({"profile": "x", "model": {"name": "  "}}, "model.name: must name a model"),
        ({"profile": "x", "variants": {"seed": "abc"}}, "variants.seed: Input should be a valid integer"),
        ({"profile": "x", "variants": {"seed": -1}}, "variants.seed: Input should be greater than or equal to 0"),
        ({"description": "d"}, "profile: required key is missing"),
        ({"profile": "has space"}, "profile: String should match pattern"),
        ({"profile": "x", "data": {"gsm8k": {"val_fraction": 1.5}}}, "data.gsm8k.val_fraction: Input should be less than 1 (got 1.5)"),
        ({"profile": "x", "data": {"gsm8k": {"path": "/no/such/gsm8k", "hub_id": None}}}, "data.gsm8k: path '/no/such/gsm8k' does not exist and there is no hub_id to fall back on"),
        ({"profile": "x", "data": {"gsm8k": {"path": None, "hub_id": None}}}, "data.gsm8k: give 'path'"),
        ({"profile": "x", "data": {"integrals": {"path": "/no/such.jsonl"}}}, "data.integrals.path: file '/no/such.jsonl' does not exist"),
        ({"profile": "x", "data": {"code": {"mbpp_path": "/no/mbpp.jsonl"}}}, "data.code.mbpp_path: file '/no/mbpp.jsonl' does not exist"),
        ({"profile": "x", "model": {"max_seq_length": 10}}, "model.max_seq_length: Input should be greater than or equal to 64"),
        ({"profile": "x", "model": {"lora": {"target_modules": 5}}}, "model.lora.target_modules"),
    ],
)
def test_bad_values_name_key_and_problem(data, expected):
    msg = _err(data)
    assert msg.startswith("t.yaml: ")
    assert expected in msg


def test_every_problem_is_listed_at_once():
    msg = _err({"profile": "x", "sft": {"seed": "a"}, "model": {"lora": {"r": 0}, "colour": 1}})
    assert "3 problem(s)" in msg
    for part in ("sft.seed:", "model.lora.r:", "model.colour: unknown key"):
        assert part in msg


def test_top_level_must_be_mapping():
    assert "the top level must be a mapping" in _err(["profile", "x"])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "is empty"),
        ("profile: [unclosed", "is not valid YAML"),
        ("- a\n- b\n", "the top level must be a mapping"),
    ],
)
def test_bad_files(tmp_path, text, expected):
    p = tmp_path / "bad.yaml"
    p.write_text(text)
    with pytest.raises(ParamsError, match=expected):
        load_params(p)


def test_missing_file():
    with pytest.raises(ParamsError, match="params file '/no/such/profile.yaml' not found"):
        load_params("/no/such/profile.yaml")


def test_cli_reports_bad_params_and_exits_2(tmp_path):
    import subprocess
    import sys

    p = tmp_path / "bad.yaml"
    p.write_text("profile: bad\nmodel: {lora: {r: -3}}\n")
    r = subprocess.run(
        [sys.executable, "-m", "ladderlib.cli", "pipeline", "--params", str(p), "--runs-dir", str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=120,
    )
    assert r.returncode == 2
    assert "model.lora.r: Input should be greater than or equal to 1 (got -3)" in r.stderr
    assert not (tmp_path / "runs").exists()  # nothing started


def test_keys_of_the_older_layout_name_their_new_names():
    msg = _err({"profile": "x", "seed": 3, "sft": {"batch_size": 2, "grad_accum": 4}, "planner_grpo": {"max_tokens": 9}})
    assert "4 problem(s)" in msg
    assert "seed: each section has its own seed" in msg
    assert "sft.batch_size: renamed; write sft.per_device_train_batch_size instead" in msg
    assert "sft.grad_accum: renamed; write sft.gradient_accumulation_steps instead" in msg
    assert "planner_grpo.max_tokens: renamed; write planner_grpo.token_budget instead" in msg


def test_every_setting_is_described_and_explained():
    from ladderlib.config.explain import explain, section_names, setting_docs

    docs = setting_docs()
    assert len(docs) > 150
    assert [d.key for d in docs if not d.description] == []
    keys = {d.key for d in docs}
    assert {"model.lora.r", "grpo.beta", "planner_grpo.token_budget", "verify.rel_tol", "sft.gradient_accumulation_steps"} <= keys
    text = explain("grpo")
    assert "grpo.beta  (float, default 0.001)" in text and "KL coefficient" in text and "sft." not in text
    assert explain("model.lora").count("\n") == 7  # four settings, two lines each
    with pytest.raises(KeyError, match="sections: model, data"):
        explain("nope")
    assert {"model", "grpo", "planner_grpo", "regime_w"} <= set(section_names())


def test_params_cli_explains_and_checks(tmp_path, capsys):
    from ladderlib.cli import main

    assert main(["params", "explain", "ppo"]) == 0
    assert "ppo.target_kl" in capsys.readouterr().out
    assert main(["params", "explain", "nope"]) == 2 and "no settings under 'nope'" in capsys.readouterr().err
    assert main(["params", "check", str(REPO / "params" / "cpu_smoke.yaml")]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("profile: b\nsft: {grad_accum: 2}\n")
    assert main(["params", "check", str(bad)]) == 2 and "renamed" in capsys.readouterr().err


def test_loading_a_profile_imports_no_trainer_torch_or_papermill():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from ladderlib.config import load_params\n"
        f"load_params({str(REPO / 'params' / 'cpu_smoke.yaml')!r})\n"
        "import ladderlib.config.explain\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers', 'trl', 'peft', 'papermill', "
        "'datasets', 'sympy')]\n"
        "trainers = [m for m in sys.modules if m.startswith(('ladderlib.train', 'ladderlib.rl', 'ladderlib.pipeline', "
        "'ladderlib.models', 'ladderlib.ladder', 'ladderlib.planner', 'ladderlib.regime_w'))]\n"
        "print(heavy, trainers)\n"
        "assert not heavy and not trainers\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stdout + out.stderr
