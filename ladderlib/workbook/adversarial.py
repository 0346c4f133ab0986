"""Stage 07_adversarial: stage-wise adversarial PPO (generator vs discriminator) on MBPP train, then base vs
trained on HumanEval and MBPP test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ladderlib.config.params import Params
from ladderlib.pipeline.rundir import RunDir


@dataclass
class AdversarialStage:
    """The training summary and curves, the training rounds' tests, and the evaluation."""

    summary: dict[str, Any]
    metrics: list[dict[str, Any]]
    rollouts: list[dict[str, Any]]
    evaluation: dict[str, Any]
    problems: dict[str, Any]

    def stage_rows(self) -> list[dict[str, Any]]:
        """One row per stage epoch: steps and mean rewards, validity and score (from the checkpoints' metadata)."""
        return [{"checkpoint": e["name"], "step": e["step"], "steps": e["steps_in_epoch"],
                 "generator_reward": e["generator_reward"], "own_pass_rate": e["own_pass_rate"],
                 "discriminator_reward": e["discriminator_reward"], "test_validity": e["test_validity"],
                 "score": e["score"], "best": (self.summary.get("best") or {}).get("step") == e["step"]}
                for e in self.summary.get("epochs", [])]

    def training_tests(self, limit: int = 12) -> list[dict[str, Any]]:
        """Adversarial tests written during training with their sandbox verdicts (valid, breaking ones first)."""
        rows = []
        for r in self.rollouts:
            for rnd in r["rounds"]:
                for t in rnd["tests"]:
                    kind = ("breaking" if t["programs"] and t["programs"][0] != "passed" else "valid") \
                        if t["valid"] else "invalid"
                    rows.append({"step": r["step"], "stage": r["stage"], "problem": rnd["problem_id"],
                                 "test": t["test"], "reference": t["reference"] if t["calls_function"] else
                                 f"{t['reference']} (does not call it)", "program": ", ".join(t["programs"]),
                                 "kind": kind})
        order = {"breaking": 0, "valid": 1, "invalid": 2}
        return sorted(rows, key=lambda x: (order[x["kind"]], x["step"]))[:limit]

    def training_verdicts(self) -> dict[str, dict[str, int]]:
        """Sandbox verdicts of every training round, by kind of run."""
        out: dict[str, dict[str, int]] = {"own tests": {}, "tests vs reference": {}, "tests vs programs": {}}
        for r in self.rollouts:
            for rnd in r["rounds"]:
                verdicts = {"own tests": [v for c in rnd["chains"] for v in c["own"]],
                            "tests vs reference": [t["reference"] for t in rnd["tests"]],
                            "tests vs programs": [v for t in rnd["tests"] for v in t["programs"]]}
                for kind, vs in verdicts.items():
                    for v in vs:
                        out[kind][v] = out[kind].get(v, 0) + 1
        return out


def run_adversarial(params: Params, run: RunDir) -> AdversarialStage:
    """Train into ``run.adversarial_dir`` (resuming a killed run), score base vs trained into
    ``run.adversarial_eval_dir``; records ``metrics.json['adversarial']``."""
    from ladderlib.adversarial.checkpoints import resolve, restore
    from ladderlib.adversarial.evaluate import evaluate_adversarial
    from ladderlib.adversarial.problems import training_pool, usable
    from ladderlib.adversarial.roles import build_roles
    from ladderlib.adversarial.train import METRICS, ROLLOUTS, train_adversarial
    from ladderlib.data import read_dataset
    from ladderlib.data.code import read_problems_file
    from ladderlib.tasks.code import to_problem
    from ladderlib.train.metrics import read_metrics

    a, sandbox = params.adversarial, params.sandbox
    has = lambda name: run.dataset(name).is_file()  # noqa: E731
    if not has("mbpp_train") and (a.problems_file is None or a.eval_mbpp):
        raise FileNotFoundError("07_adversarial trains on MBPP train and scores MBPP test, which 01_data writes only "
                                "when data.code.mbpp_path or data.code.mbpp_hub_id is set (or give "
                                "adversarial.problems_file and eval_mbpp: 0)")
    humaneval = read_dataset(run.path, "humaneval") if has("humaneval") else []
    mbpp_test = read_dataset(run.path, "mbpp_test") if has("mbpp_test") else []
    if a.eval_humaneval and not humaneval:
        raise FileNotFoundError("07_adversarial scores HumanEval, which 01_data writes when data.code.humaneval is on")
    if a.problems_file is not None:
        train_rows, source = read_problems_file(a.problems_file), f"file:{a.problems_file.name}"
    else:
        train_rows, source = read_dataset(run.path, "mbpp_train"), "mbpp_train"
    pool, info = training_pool(train_rows, humaneval + mbpp_test, sandbox, a.max_train_problems)
    sets, dropped = {}, {}
    for name, rows, n in (("humaneval", humaneval, a.eval_humaneval), ("mbpp_test", mbpp_test, a.eval_mbpp)):
        sets[name], dropped[name] = usable([to_problem(r) for r in rows[:n]], sandbox)
    roles = build_roles(params.model, a)
    summary = train_adversarial(params.model, a, sandbox, pool, run.adversarial_dir, resume=True, roles=roles)
    if summary.get("reused"):
        restore(roles, resolve(summary["final_checkpoint"]))
    evaluation = evaluate_adversarial(roles, sets, a, sandbox, out_dir=run.adversarial_eval_dir)
    problems = {"source": source, **info, "evaluation": {k: len(v) for k, v in sets.items()},
                "evaluation_reference_fails": dropped}
    run.record_metrics("adversarial", {
        "problems": problems, "steps": summary["steps"], "best": summary["best"], "epochs": summary["epochs"],
        "stage_meaning": summary["stage_meaning"], "pass": evaluation["pass"], "paired": evaluation["paired"],
        "discriminator": evaluation["discriminator"],
    })
    return AdversarialStage(summary, read_metrics(run.adversarial_dir / METRICS),
                            read_metrics(run.adversarial_dir / ROLLOUTS), evaluation, problems)
