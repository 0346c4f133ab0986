"""TTRL on real problems: a real 2-step GRPO per problem on the embedded model, every problem restarting from the
same weights, the adapter cache (miss, near hit, exact hit) with real MiniLM embeddings, and both TTRL figures."""

from __future__ import annotations

from pathlib import Path

import pytest

from ladderlib.config.model import LoraSettings, ModelSettings
from ladderlib.config.ttrl import TTRLSettings
from ladderlib.config.variants import VariantSettings
from ladderlib.ladder.ttrl import ProblemResult, TTRLRun, cache_stats, problem_row, run_set, variant_settings
from ladderlib.ladder.ttrl_cache import AdapterCache, base_id, minilm_embedder

MODEL = ModelSettings(name="embedded", device="cpu", dtype="float32",
                      lora=LoraSettings(r=4, alpha=8, target_modules=["q_proj", "v_proj"]))
SETTINGS = TTRLSettings(max_steps=2, num_generations=2, per_device_train_batch_size=2, max_completion_length=12,
                        learning_rate=1e-3, probe_samples=2, answer_max_new_tokens=16, variant_source="symbolic",
                        max_variants=3, variant_depth=1, variant_breadth=3, cache_hit_steps=1, seed=0)
VSETTINGS = variant_settings(VariantSettings(difficulty_timeout_s=0.3), SETTINGS)
# the answer keys are wrong on purpose: TTRL must never read them
ROWS = [{"id": "p1", "integrand": "x*exp(2*x)", "antiderivative": "KEY_NEVER_READ"},
        {"id": "p2", "integrand": "x*exp(3*x)", "antiderivative": "KEY_NEVER_READ"}]


@pytest.fixture(scope="module")
def plain(tmp_path_factory, one_thread):
    out = tmp_path_factory.mktemp("ttrl") / "plain"
    return run_set(ROWS, MODEL, SETTINGS, VSETTINGS, out), out


def test_two_problems_real_grpo_restart_from_the_same_weights(plain):
    run, out = plain
    p1, p2 = run.problems
    assert (p1.steps, p2.steps) == (2, 2) and p1.variants >= 1 and p2.variants >= 1
    assert all(Path(p.adapter_stack[-1], "adapter_config.json").is_file() for p in run.problems)
    # the weights each problem starts from are the same; problem 1's training changed them (so a leak would show)
    assert p1.start_digest == p2.start_digest
    assert p1.end_digest != p1.start_digest
    assert p1.probe_samples == 4 and p1.solved_during_adaptation is not None
    assert p1.gen_tokens["grpo"] > 0 and p1.gen_tokens["answer"] > 0 and p1.wall_s > 0
    assert not any("KEY_NEVER_READ" in f.read_text(errors="ignore") for f in out.rglob("*.json*") if f.is_file())
    figs = run.figures()
    assert figs["final_pass@1"]["n"] == 2 and figs["solved_during_adaptation"]["n"] == 2
    assert 0.0 <= figs["final_pass@1"]["ci_low"] <= figs["final_pass@1"]["ci_high"] <= 1.0


def test_a_rerun_reuses_the_stored_results(plain):
    run, out = plain
    again = run_set(ROWS, MODEL, SETTINGS, VSETTINGS, out)
    assert all(p.reused for p in again.problems)
    assert [p.final_correct for p in again.problems] == [p.final_correct for p in run.problems]


def test_cache_miss_then_near_hit_starts_from_the_cached_adapter(plain, tmp_path):
    run, _ = plain
    cache = AdapterCache(tmp_path / "cache", base_id(MODEL.name, []), minilm_embedder(), min_similarity=0.8)
    cached = run_set(ROWS, MODEL, SETTINGS, VSETTINGS, tmp_path / "cached", cache=cache,
                     reuse={p.id: p for p in run.problems})
    c1, c2 = cached.problems
    assert c1.cache == "miss" and c1.steps == 2  # the first problem: nothing cached yet (the plain result reused)
    assert c2.cache == "near" and c2.cache_from.endswith("p1") and c2.similarity >= 0.8 and c2.steps == 1
    assert c2.start_digest != run.problems[1].start_digest  # started from p1's adapter, not the starting weights
    assert len(c2.adapter_stack) == 2 and c2.adapter_stack[0].startswith(str(tmp_path / "cache"))
    stats = cache_stats(run, cached)
    assert stats["hits"] == 1 and stats["hit_rate"] == 0.5 and stats["steps_saved"] == 1
    assert stats["accuracy_without_cache"]["n"] == stats["accuracy_with_cache"]["n"] == 2
    # the same integrand written differently is an exact hit: its cached adapter answers, no training
    reopened = AdapterCache(tmp_path / "cache", base_id(MODEL.name, []), minilm_embedder(), min_similarity=0.8)
    hit = reopened.lookup("Integrate 3*x*exp(3*x)/3 dx", "fp-not-equal")
    assert hit is not None and hit.kind == "near"
    from ladderlib.ladder.ttrl import integrand_fingerprint

    exact = reopened.lookup("something else entirely", integrand_fingerprint({"integrand": "exp(3*x)*x"}))
    assert exact is not None and exact.kind == "exact" and exact.entry.id.endswith("p2")
    # another starting policy never sees these entries; an unrelated problem misses
    assert AdapterCache(tmp_path / "cache", "other-base", minilm_embedder()).lookup("Integrate x dx", None) is None
    assert reopened.lookup("Integrate log(x)/x dx", None) is None


def test_the_two_figures_differ_on_a_constructed_case():
    def result(pid: str, final: bool, during: bool | None) -> ProblemResult:
        return ProblemResult(pid, "x", "x", None, None, final_correct=final, solved_during_adaptation=during)

    # p1, p2: a sampled answer passed during the steps, but the greedy answer after them is wrong; p3 the reverse
    run = TTRLRun([result("p1", False, True), result("p2", False, True), result("p3", True, False),
                   result("p4", False, False)])
    figs = run.figures()
    assert figs["final_pass@1"]["k"] == 1 and figs["final_pass@1"]["value"] == 0.25
    assert figs["solved_during_adaptation"]["k"] == 2 and figs["solved_during_adaptation"]["value"] == 0.5
    assert figs["final_pass@1"]["ci_high"] < 1 and figs["solved_during_adaptation"]["ci_low"] > 0
    # without probes there is no solved_during_adaptation figure at all, rather than a made-up one
    none = TTRLRun([result("p1", True, None)]).figures()["solved_during_adaptation"]
    assert none["n"] == 0 and none["value"] is None


def test_problem_row_drops_every_answer_key():
    row = {"id": "q", "integrand": "x", "lower": "0", "upper": "1", "value": "1/2", "antiderivative": "x**2/2",
           "answer": "1/2"}
    assert problem_row(row) == {"id": "q", "integrand": "x", "lower": "0", "upper": "1"}
