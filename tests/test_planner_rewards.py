"""Planner GRPO settings, dataset, independence on real MiniLM embeddings, and the reward on real plans."""

from __future__ import annotations

import pytest

from ladderlib.config.planner import PlannerGRPOSettings
from ladderlib.planner.independence import EmbeddingModelError, independence, load_embedding_model
from ladderlib.planner.pipeline import PipelineResult
from ladderlib.planner.rewards import PlannerReward, batch_metrics, plan_reward, token_efficiency

NATALIA = {
    "question": "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. "
    "How many clips did Natalia sell altogether in April and May?",
    "answer": "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n"
    "Natalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72",
}


# --- settings and dataset -------------------------------------------------------------------------------------


def test_settings_defaults_follow_seed_001_and_are_strict():
    s = PlannerGRPOSettings()
    assert (s.learning_rate, s.beta, s.num_generations, s.temperature) == (1e-5, 0.001, 4, 0.7)
    assert (s.correctness_weight, s.token_weight, s.independence_weight) == (1.0, 0.2, 0.3)
    assert s.unparsable_reward == 0.0 and s.embedding_model == "embedded" and s.use_vllm is False
    with pytest.raises(ValueError, match="extra"):
        PlannerGRPOSettings(token_wieght=0.1)
    with pytest.raises(ValueError):
        PlannerGRPOSettings(num_generations=1)
    with pytest.raises(ValueError):
        PlannerGRPOSettings(embedding_model="  ")


def test_dataset_reuses_the_planner_sft_prompt():
    from ladderlib.planner.data import planner_grpo_dataset
    from ladderlib.config.planner import PLANNER_SYSTEM_PROMPT
    from ladderlib.planner.data import planner_example, planner_rows_from_gsm8k

    ds = planner_grpo_dataset([NATALIA])
    row = ds[0]
    assert row["gold"] == "72" and row["question"] == NATALIA["question"]
    assert row["prompt"] == planner_example(planner_rows_from_gsm8k([NATALIA])[0], PLANNER_SYSTEM_PROMPT)["prompt"]
    assert row["prompt"][0] == {"role": "system", "content": PLANNER_SYSTEM_PROMPT}
    with pytest.raises(ValueError, match="empty"):
        planner_grpo_dataset([])


# --- independence ---------------------------------------------------------------------------------------------


def test_independence_on_real_minilm_embeddings():
    dup = independence([
        "How many clips did Natalia sell in May?",
        "How many clips did Natalia sell during May?",
        "In May, how many clips did Natalia sell?",
    ])
    unrelated = independence([
        "How many clips did Natalia sell in May?",
        "What is the area of a rectangle 3 m wide and 5 m long?",
        "How long does a train at 60 km/h take to travel 150 km?",
    ])
    assert 0.0 <= dup < 0.15, dup
    assert 0.5 < unrelated <= 1.0, unrelated
    # one or no subproblem: no decomposition, no bonus (and no model needed); blank ones do not count
    assert independence([]) == 0.0 and independence(["Compute 48/2."]) == 0.0
    assert independence(["Compute 48/2.", "   "]) == 0.0
    assert load_embedding_model() is load_embedding_model("embedded")  # cached


def test_missing_embedding_model_is_a_clear_error(tmp_path):
    with pytest.raises(EmbeddingModelError, match="does not exist"):
        load_embedding_model(str(tmp_path / "no-such-minilm"))


# --- reward arithmetic ----------------------------------------------------------------------------------------


def _result(**kw) -> PipelineResult:
    base = dict(question="q", plan_text="{}", parse_ok=True, decomposed=False)
    return PipelineResult(**{**base, **kw})


def test_reward_arithmetic():
    s = PlannerGRPOSettings(token_budget=1000, unparsable_reward=-0.25)
    assert token_efficiency(250, 1000) == 0.75 and token_efficiency(5000, 1000) == 0.0
    right = _result(decomposed=True, subproblems=["a", "b"], correct=True, plan_tokens=100, worker_tokens=150,
                    independence=0.5)
    assert plan_reward(right, s) == pytest.approx(1.0 + 0.2 * 0.75 + 0.3 * 0.5)
    wrong_long = _result(correct=False, plan_tokens=900, worker_tokens=600)
    assert plan_reward(wrong_long, s) == 0.0  # over budget: efficiency clipped at 0
    assert plan_reward(_result(parse_ok=False, correct=False), s) == -0.25
    m = batch_metrics([right, wrong_long, _result(parse_ok=False)], max_tokens=1000)
    assert m["correctness"] == pytest.approx(1 / 3) and m["parse_failure_rate"] == pytest.approx(1 / 3)
    assert m["decomposition_rate"] == 0.5 and m["mean_subproblems"] == 1.0  # over the two parsed plans
    assert m["token_efficiency"] == pytest.approx(0.375) and m["independence"] == pytest.approx(0.25)


MESSY = [
    # fenced, Python booleans, trailing comma: parses, decomposed
    "Here is my plan:\n```json\n{'should_decompose': True, 'subproblems': ['How many clips did Natalia sell in May? "
    "Compute 48/2.', 'How many clips in April and May together? Compute 48 + [1].',], 'plan': 'add them'}\n```",
    # prose around a plain JSON object: parses, not decomposed
    'Sure! {"should_decompose": false, "subproblems": [], "plan": "one step"} Hope this helps.',
    # no JSON at all
    "Natalia sold 48/2 = 24 clips in May, so 72 in total.",
    # JSON without the required key
    '{"items": [{"name": "clips", "count": 48}]}',
    # truncated mid-subproblem (a cut-off generation): closed and parsed
    '{"should_decompose": true, "subproblems": ["How many clips in May? Compute 48/2.", "Add April and May',
]


def test_reward_on_messy_planner_outputs_with_the_real_worker(embedded_model):
    model, tok = embedded_model
    s = PlannerGRPOSettings(worker_max_new_tokens=8, token_budget=200, unparsable_reward=-0.5)
    reward = PlannerReward(s).bind(model, tok)
    assert reward.__name__ == "planner_reward"
    logged: dict[str, float] = {}
    extra: dict[str, list] = {}
    n = len(MESSY)
    rewards = reward(
        prompts=[[{"role": "user", "content": NATALIA["question"]}]] * n,
        completions=[[{"role": "assistant", "content": c}] for c in MESSY],
        completion_ids=[[0] * 20] * n,
        question=[NATALIA["question"]] * n,
        gold=["72"] * n,
        trainer_state=None,
        log_metric=lambda k, v: logged.__setitem__(k, v),
        log_extra=lambda k, v: extra.__setitem__(k, v),
    )
    results = reward.last_results
    assert [r.parse_ok for r in results] == [True, True, False, False, True]
    assert [r.decomposed for r in results] == [True, False, False, False, True]
    assert rewards[2] == rewards[3] == -0.5 and reward.unparsable_seen == 2 and reward.completions_seen == n
    for r, value in zip(results, rewards):
        if not r.parse_ok:
            assert r.final_text == "" and r.tokens == 20  # worker not run
            continue
        assert r.plan_tokens == 20 and 0 < r.worker_tokens <= (r.n_subproblems + 1) * (s.worker_max_new_tokens + 2)
        assert isinstance(r.correct, bool)
        expected = float(r.correct) + 0.2 * max(0.0, 1 - r.tokens / 200) + 0.3 * r.independence
        assert value == pytest.approx(expected)
    assert results[0].independence > 0.05 and results[1].independence == 0.0
    assert len(results[0].sub_answers) == 2
    assert logged["planner/parse_failure_rate"] == pytest.approx(0.4)
    assert logged["planner/decomposition_rate"] == pytest.approx(2 / 3)
    assert {"planner/correctness", "planner/token_efficiency", "planner/mean_subproblems",
            "planner/independence"} <= set(logged)
    assert len(extra["final_answer"]) == n


def test_unbound_reward_says_to_bind():
    with pytest.raises(RuntimeError, match="bind"):
        PlannerReward(PlannerGRPOSettings())(prompts=["q"], completions=["{}"])
