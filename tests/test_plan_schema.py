"""The planner's JSON plan: schema and a parser that survives messy model output, and fails clearly."""

from __future__ import annotations

import json

import pytest

from ladderlib.planner.schema import Plan, PlanParseError, parse_plan, plan_json_schema

GOOD = {"should_decompose": True, "subproblems": ["Compute 48/2.", "Compute 48+[1]."], "plan": "In order."}


@pytest.mark.parametrize(
    "text, expected",
    [
        # 1. clean JSON
        (json.dumps(GOOD), GOOD),
        # 2. a ```json fence with prose around it
        ("Sure! Here is the plan:\n```json\n" + json.dumps(GOOD, indent=2) + "\n```\nHope this helps.", GOOD),
        # 3. a bare ``` fence
        ("```\n" + json.dumps(GOOD) + "\n```", GOOD),
        # 4. trailing prose that itself contains braces
        (json.dumps(GOOD) + "\nNote: use {x} for unknowns.", GOOD),
        # 5. Python-style dict: single quotes and True/False
        ("{'should_decompose': False, 'subproblems': [], 'plan': 'Solve directly.'}",
         {"should_decompose": False, "subproblems": [], "plan": "Solve directly."}),
        # 6. trailing commas
        ('{"should_decompose": true, "subproblems": ["a", "b",], "plan": "p",}',
         {"should_decompose": True, "subproblems": ["a", "b"], "plan": "p"}),
        # 7. curly quotes from a chat UI
        ("{\u201cshould_decompose\u201d: false, \u201csubproblems\u201d: [], \u201cplan\u201d: \u201cdirect\u201d}",
         {"should_decompose": False, "subproblems": [], "plan": "direct"}),
        # 8. a string boolean, blank subproblems dropped, missing plan defaults to ""
        ('{"should_decompose": "true", "subproblems": ["a", "  ", ""]}',
         {"should_decompose": True, "subproblems": ["a"], "plan": ""}),
        # 9. truncated generation (cut off inside the list): closed and recovered
        ('{"should_decompose": true, "subproblems": ["Compute 2+2.", "Add [1] and 3',
         {"should_decompose": True, "subproblems": ["Compute 2+2.", "Add [1] and 3"], "plan": ""}),
        # 10. a first object that is not a plan, then the plan
        ('Example format: {"a": 1}. My answer: ' + json.dumps(GOOD), GOOD),
        # 11. the plan nested under a key, extra keys ignored
        ('{"result": ' + json.dumps({**GOOD, "confidence": 0.9}) + "}", GOOD),
        # 12. subproblems given as one string with one per line
        ('{"should_decompose": true, "subproblems": "- Compute 3*4\\n- Add 5", "plan": "p"}',
         {"should_decompose": True, "subproblems": ["Compute 3*4", "Add 5"], "plan": "p"}),
        # 13. braces and apostrophes inside strings do not confuse the scanner
        ('{"should_decompose": false, "subproblems": [], "plan": "Don\'t split: {it} is one step."}',
         {"should_decompose": False, "subproblems": [], "plan": "Don't split: {it} is one step."}),
    ],
)
def test_parse_plan_recovers_messy_output(text, expected):
    assert parse_plan(text).model_dump() == expected


@pytest.mark.parametrize(
    "text, message",
    [
        (None, "empty planner output"),
        ("   \n", "empty planner output"),
        ("I think we should split it into two parts.", "no JSON object"),
        ('{"subproblems": ["a"], "plan": "p"}', "lacks 'should_decompose'"),
        ('{"should_decompose": "perhaps", "subproblems": []}', "should_decompose"),
        ('{"should_decompose": true, "subproblems": 42}', "subproblems"),
        ("{not json: at all}", r"no valid plan .*not valid JSON"),
        ("{broken: [}", "no JSON object"),
    ],
)
def test_parse_plan_failures_are_clear(text, message):
    with pytest.raises(PlanParseError, match=message):
        parse_plan(text)


def test_parse_error_is_a_value_error_and_quotes_the_output():
    with pytest.raises(ValueError, match="split it"):
        parse_plan("Let us split it.")


def test_plan_round_trips_through_json():
    plan = Plan(**GOOD)
    assert parse_plan(plan.to_json()) == plan
    assert list(json.loads(plan.to_json())) == ["should_decompose", "subproblems", "plan"]


def test_schema_names_the_three_fields():
    schema = plan_json_schema()
    assert set(schema["properties"]) == {"should_decompose", "subproblems", "plan"}
    assert schema["required"] == ["should_decompose"]
