"""Params profiles: the shipped ones validate, and bad input fails early with a message naming key and problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from ladderlib.config import ParamsError, dump_params, load_params, validate_params

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
        ({"profile": "x", "seed": "abc"}, "seed: Input should be a valid integer"),
        ({"profile": "x", "seed": -1}, "seed: Input should be greater than or equal to 0"),
        ({"seed": 1}, "profile: required key is missing"),
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
    msg = _err({"profile": "x", "seed": "a", "model": {"lora": {"r": 0}, "colour": 1}})
    assert "3 problem(s)" in msg
    for part in ("seed:", "model.lora.r:", "model.colour: unknown key"):
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
