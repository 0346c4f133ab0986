"""Train/test hygiene of a run folder: no test problem, nor a variant of one, in any training set of the run.

Integrals are matched by canonical fingerprint (``ladderlib.verify.fingerprint.integrand_key``: equal functions,
whatever their written form, share a key), so a variant that is the test problem rewritten is caught; GSM8K,
MBPP and HumanEval by id and by whitespace- and case-normalised text. Each check pairs one training set of the
run (a dataset 01 wrote and a later notebook trains on, 02's variant dataset, 05's rollouts, the problems 07's
adversarial PPO played) with one test set. TTRL's per-problem variants are by design trained on for their own
problem only; ``ladderlib.ladder.ttrl`` drops variants equal to another test problem, so they are not checked here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ladderlib.pipeline.rundir import RunDir

COLUMNS = ("training set", "used by", "rows", "test set", "test rows", "matched by", "overlaps", "examples", "status")


def normalised(text: str) -> str:
    """Lower case, whitespace collapsed: the text key of a GSM8K question or a code problem's description."""
    return " ".join(str(text).lower().split())


@dataclass
class Keys:
    """The identity keys of one problem set: ``{kind: {key: a readable label}}`` (kinds: id, text, fingerprint)."""

    rows: int
    keys: dict[str, dict[str, str]]


def gsm8k_keys(rows: Iterable[dict[str, Any]], id_field: str = "id") -> Keys:
    """GSM8K-style rows by id and normalised question."""
    rows = list(rows)
    return Keys(len(rows), {"id": {str(r[id_field]): str(r[id_field]) for r in rows if r.get(id_field)},
                            "text": {normalised(r["question"]): str(r.get(id_field)) for r in rows if r.get("question")}})


def code_keys(rows: Iterable[dict[str, Any]]) -> Keys:
    """MBPP / HumanEval / seed-format rows by id and normalised description (as 07's training pool filters)."""
    from ladderlib.tasks.code import to_problem

    problems = [to_problem(r) for r in rows]
    return Keys(len(problems), {"id": {p.id: p.id for p in problems},
                                "text": {normalised(p.description): p.id for p in problems}})


def integral_keys(integrands: Iterable[str]) -> Keys:
    """Integrands by canonical fingerprint (unparsable ones are left out)."""
    from ladderlib.verify.fingerprint import integrand_key

    items = list(integrands)
    keys: dict[str, str] = {}
    for text in items:
        key = integrand_key(text)
        if key is not None:
            keys.setdefault(key, text)
    return Keys(len(items), {"fingerprint": keys})


def _read_json_rows(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text())
    return data["rows"] if isinstance(data, dict) else data


def _rollout_rows(path: Path) -> list[dict[str, Any]]:
    from ladderlib.io import read_jsonl

    return [{"id": r.get("question_id"), "question": r.get("question")} for r in read_jsonl(path)]


def _played(path: Path) -> Keys:
    """The problems 07's PPO rounds played, by id, and by description where MBPP train holds them."""
    from ladderlib.io import read_jsonl

    ids = sorted({rnd["problem_id"] for row in read_jsonl(path) for rnd in row.get("rounds", [])})
    keys = {"id": {i: i for i in ids}}
    pool = path.parent.parent / _dataset("mbpp_train")
    if pool.is_file():
        text = code_keys(r for r in read_jsonl(pool) if r.get("id") in set(ids)).keys["text"]
        if text:
            keys["text"] = text
    return Keys(len(ids), keys)


@dataclass(frozen=True)
class TrainingSet:
    """One training set of a run: its file (relative to the run), who trains on it, how to key it, and the test
    sets it must not share a problem with."""

    file: str
    used_by: str
    keys: Callable[[Path], Keys]
    tests: tuple[str, ...]
    filtered_by: str = ""
    """Set for a source pool its consumer filters against the test sets itself: an overlap found here is shown
    (status ``filtered``) but does not fail the check; the consumer's own training set is checked in its row."""


def _dataset(name: str) -> str:
    return f"data/{name}.jsonl"


def _jsonl(path: Path) -> list[dict[str, Any]]:
    from ladderlib.io import read_jsonl

    return read_jsonl(path)


TRAINING_SETS: tuple[TrainingSet, ...] = (
    TrainingSet(_dataset("gsm8k_train"), "04 SFT (tutor, planner), 05 rollouts, 06 planner GRPO",
                lambda p: gsm8k_keys(_jsonl(p)), ("gsm8k_test",)),
    TrainingSet("regime_w/rollouts.jsonl", "06 PPO", lambda p: gsm8k_keys(_rollout_rows(p)), ("gsm8k_test",)),
    TrainingSet(_dataset("integrals_train"), "06 GRPO originals arm",
                lambda p: integral_keys(r["integrand"] for r in _jsonl(p)), ("integrals_test",)),
    TrainingSet(_dataset("integrals_roots"), "02 variant-tree roots",
                lambda p: integral_keys(r["integrand"] for r in _jsonl(p)), ("integrals_test",)),
    TrainingSet("variants/dataset.json", "06 GRPO variants arm",
                lambda p: integral_keys(r["integrand"] for r in _read_json_rows(p)), ("integrals_test",)),
    TrainingSet(_dataset("mbpp_train"), "07 adversarial training pool",
                lambda p: code_keys(_jsonl(p)), ("humaneval", "mbpp_test"),
                filtered_by="07's training pool drops problems sharing an id or description with an evaluation one"),
    TrainingSet("adversarial/rollouts.jsonl", "07 adversarial PPO (problems played)", _played,
                ("humaneval", "mbpp_test")),
)
"""Every training set a run can hold, with the test sets each is checked against."""

TEST_SETS: dict[str, Callable[[Path], Keys]] = {
    "gsm8k_test": lambda p: gsm8k_keys(_jsonl(p)),
    "integrals_test": lambda p: integral_keys(r["integrand"] for r in _jsonl(p)),
    "humaneval": lambda p: code_keys(_jsonl(p)),
    "mbpp_test": lambda p: code_keys(_jsonl(p)),
}
"""The run's test sets (01's datasets) and how each is keyed."""


def hygiene_rows(run: RunDir, max_examples: int = 3) -> list[dict[str, Any]]:
    """One row per (training set, test set): rows, how they were matched, overlaps found and a few examples;
    ``status`` is ``clean``, ``OVERLAP``, ``filtered`` (see ``TrainingSet.filtered_by``) or ``absent`` (a file this
    run has not written)."""
    tests: dict[str, Keys | None] = {}
    for name, keyer in TEST_SETS.items():
        path = run.dataset(name)
        tests[name] = keyer(path) if path.is_file() else None
    out = []
    for ts in TRAINING_SETS:
        path = run.path / ts.file
        train = ts.keys(path) if path.is_file() else None
        for name in ts.tests:
            test = tests[name]
            row = {"training set": ts.file, "used by": ts.used_by, "rows": train.rows if train else None,
                   "test set": _dataset(name), "test rows": test.rows if test else None}
            if train is None or test is None:
                missing = ts.file if train is None else _dataset(name)
                out.append({**row, "matched by": "", "overlaps": None, "examples": f"{missing} not in this run",
                            "status": "absent"})
                continue
            kinds = [k for k in train.keys if k in test.keys]
            found: dict[str, str] = {}
            for kind in kinds:
                for key in train.keys[kind].keys() & test.keys[kind].keys():
                    found.setdefault(test.keys[kind][key], f"{kind}: {train.keys[kind][key]} = {test.keys[kind][key]}")
            examples = "; ".join(sorted(found.values())[:max_examples])
            if found and ts.filtered_by:
                examples = f"{examples} ({ts.filtered_by})"
            status = "clean" if not found else "filtered" if ts.filtered_by else "OVERLAP"
            out.append({**row, "matched by": " + ".join(kinds), "overlaps": len(found), "examples": examples,
                        "status": status})
    return out


def hygiene_check(run: RunDir) -> Any:
    """The hygiene checks of ``run`` as a pandas DataFrame (``COLUMNS``), one row per training/test pair."""
    import pandas as pd

    return pd.DataFrame(hygiene_rows(run), columns=list(COLUMNS))


def hygiene_passed(checks: Any) -> bool:
    """True when no check found an overlap."""
    return not (checks["status"] == "OVERLAP").any()


def overlap_count(checks: Any) -> int:
    """Test problems found in training sets, summed over the failing checks."""
    return int(checks.loc[checks["status"] == "OVERLAP", "overlaps"].sum())
