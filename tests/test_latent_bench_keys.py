"""The latent learning bench keys saved methods by what their results depend on (not by the methods list)."""

from __future__ import annotations

import json

from bench.latent_learning import finished_methods, parse_args, settings, settings_key


def key_of(*argv: str) -> str:
    return settings_key(*settings(parse_args(list(argv))))


def test_a_method_run_alone_is_kept_by_a_run_of_every_method(tmp_path):
    alone = key_of("--kind", "links", "--methods", "coconut")
    assert alone == key_of("--kind", "links") == key_of("--kind", "links", "--methods", "no_cot", "coconut")
    assert alone != key_of("--kind", "links", "--methods", "coconut", "--final-stage-epochs", "4")
    assert alone != key_of("--kind", "links", "--methods", "coconut", "--dev")
    saved = {"task": "procedural", "method": "coconut", "rows": {}, "stages": [], "steps": [], "records": {}}
    (tmp_path / "procedural-coconut.json").write_text(json.dumps({**saved, "settings_key": alone}))
    (tmp_path / "other.json").write_text(json.dumps({**saved, "method": "cot", "settings_key": "0" * 16}))
    assert list(finished_methods(tmp_path, key_of("--kind", "links"))) == ["procedural/coconut"]
