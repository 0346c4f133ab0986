"""The latent learning bench keys saved methods by what their results depend on (not by the methods list, and
for the methods without thoughts not by how thoughts are made)."""

from __future__ import annotations

import json

from bench.latent_learning import finished_methods, parse_args, settings, settings_key


def key_of(*argv: str, method: str = "coconut") -> str:
    return settings_key(*settings(parse_args(list(argv))), method)


def test_a_method_run_alone_is_kept_by_a_run_of_every_method(tmp_path):
    alone = key_of("--kind", "links", "--methods", "coconut")
    assert alone == key_of("--kind", "links") == key_of("--kind", "links", "--methods", "no_cot", "coconut")
    assert alone != key_of("--kind", "links", "--methods", "coconut", "--final-stage-epochs", "4")
    assert alone != key_of("--kind", "links", "--methods", "coconut", "--dev")
    saved = {"task": "procedural", "method": "coconut", "rows": {}, "stages": [], "steps": [], "records": {}}
    (tmp_path / "procedural-coconut.json").write_text(json.dumps({**saved, "settings_key": alone}))
    (tmp_path / "other.json").write_text(json.dumps({**saved, "method": "cot", "settings_key": "0" * 16}))
    every = settings(parse_args(["--kind", "links"]))
    assert list(finished_methods(tmp_path, *every)) == ["procedural/coconut"]


def test_baselines_are_shared_by_runs_that_differ_only_in_how_thoughts_are_made(tmp_path):
    soft = ("--kind", "links", "--thought-input", "soft_embedding")
    for method in ("no_cot", "cot", "pause"):
        assert key_of(*soft, method=method) == key_of("--kind", "links", method=method)
        assert key_of("--kind", "links", "--thought-norm", method=method) == key_of("--kind", "links", method=method)
    for method in ("coconut", "coconut_no_curriculum"):
        assert key_of(*soft, method=method) != key_of("--kind", "links", method=method)
    saved = {"task": "procedural", "rows": {}, "stages": [], "steps": [], "records": {}}
    for method in ("no_cot", "coconut"):
        (tmp_path / f"{method}.json").write_text(json.dumps(
            {**saved, "method": method, "settings_key": key_of("--kind", "links", method=method)}))
    assert list(finished_methods(tmp_path, *settings(parse_args(list(soft))))) == ["procedural/no_cot"]
