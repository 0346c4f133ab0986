"""Stage-wise adversarial PPO (seed 003): the schedule of ``schedule.py`` on two LoRA roles, resumable.

Each step plays one round (``rollout.py``) on its problems, then makes one PPO update of the step's role
(the other role only plays). Rollouts are sampled through the one generation engine at the PPO temperature
(full distribution), which returns text, so PPO re-encodes each response (with EOS only when the model
stopped by itself), as the Regime W PPO does. Every step both roles' rewards are measured, so the curves of both exist whichever
role trains. Output folder:

* ``metrics.jsonl``: one row per step (stage, epoch, phase, role, both rewards and their parts, test validity,
  break rate, extraction counts, and the trained role's PPO statistics under ``ppo/``);
* ``rollouts.jsonl``: one row per (step, problem): stage texts, programs, tests and every sandbox verdict;
* ``checkpoints/checkpoint-N`` after each stage epoch (and every ``save_every`` steps), ``checkpoints/
  checkpoint_best`` (``checkpoints.py``);
* ``summary.json``.

Resuming (``resume``, or ``resume_from`` a checkpoint) restores both adapters, value heads, optimizers, KL
controllers and RNG state, cuts ``metrics.jsonl`` and ``rollouts.jsonl`` back to the checkpoint's step (a
torn last line from a kill is dropped) and continues with the next step, so no step is logged twice; each
step's problems and sampling seeds follow from its number, so the continued run plays the same rounds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ladderlib.adversarial import checkpoints as ck
from ladderlib.adversarial.rollout import Budgets, ProblemRound, score, write_chains, write_tests
from ladderlib.adversarial.schedule import Step, batch_for, build_schedule
from ladderlib.adversarial.stages import training_stage_meaning
from ladderlib.config.adversarial import AdversarialSettings
from ladderlib.config.model import ModelSettings
from ladderlib.config.sandbox import SandboxSettings
from ladderlib.io import append_jsonl, atomic_write_json
from ladderlib.tasks.code import CodeProblem

log = logging.getLogger(__name__)
EVAL_FIELDS = ("eval_humaneval", "eval_mbpp", "eval_samples", "eval_k", "eval_temperature")
METRICS, ROLLOUTS, SUMMARY = "metrics.jsonl", "rollouts.jsonl", "summary.json"


def fingerprint(model: ModelSettings, settings: AdversarialSettings, problems: Sequence[CodeProblem]) -> dict[str, Any]:
    """What decides a run's trajectory: the model, the training settings (not the evaluation sizes) and the
    training problems; a resume under another fingerprint is refused."""
    ids = hashlib.sha256("\n".join(p.id for p in problems).encode()).hexdigest()[:16]
    return {"model": model.model_dump(mode="json"),
            "adversarial": settings.model_dump(mode="json", exclude=set(EVAL_FIELDS) | {"problems_file"}),
            "problems": ids}


def budgets(settings: AdversarialSettings, temperature: float | None = None, top_p: float = 1.0) -> Budgets:
    """Token budgets of the section; sampling at the PPO temperature (full distribution) unless given."""
    t = settings.ppo.temperature if temperature is None else temperature
    return Budgets(settings.stage_max_new_tokens, settings.code_max_new_tokens, settings.tests_max_new_tokens,
                   settings.max_tests, t, top_p)


def _mean(xs: Sequence[float]) -> float:
    return float(sum(xs) / len(xs)) if xs else 0.0


def round_metrics(rounds: Sequence[ProblemRound]) -> dict[str, float]:
    """Both roles' rewards and their parts over one round's problems."""
    gen = [g for r in rounds for g in r.generator]
    tests = [t for r in rounds for t in r.tests]
    pairs = [v for t in tests if t.valid for v in t.programs]
    return {
        "generator_reward": _mean([g["reward"] for g in gen]),
        "own_pass_rate": _mean([g["own_pass_rate"] for g in gen]),
        "adversarial_pass_rate": _mean([g["adversarial_pass_rate"] for g in gen]),
        "programs_correct": _mean([float(all(v == "passed" for v in p.own) and bool(p.own))
                                   for r in rounds for p in r.programs]),
        "programs_found": _mean([float(bool(c.program and c.program.defines_entry)) for r in rounds for c in r.chains]),
        "discriminator_reward_seed": _mean([r.seed_reward for r in rounds]),
        "discriminator_reward_cure": _mean([r.cure_reward for r in rounds]),
        "test_validity": _mean([r.validity for r in rounds]),
        "tests": len(tests), "valid_tests": sum(t.valid for t in tests),
        "tests_not_calling": sum(not t.calls_function for t in tests),
        "tests_failing_reference": sum(t.calls_function and t.reference != "passed" for t in tests),
        "break_rate": sum(v != "passed" for v in pairs) / len(pairs) if pairs else 0.0,
    }


def play_step(roles: Any, settings: AdversarialSettings, sandbox: SandboxSettings, step: Step,
              problems: Sequence[CodeProblem]) -> tuple[dict[str, Any], list[ProblemRound]]:
    """One round on ``problems`` and one PPO update of ``step.role``; returns (metrics row, rounds)."""
    from ladderlib.models.generation import mix_seed

    t0 = time.time()
    seed = mix_seed(settings.seed, step.index)
    b = budgets(settings)
    with roles.engine("generator") as engine:
        chains = write_chains(engine, problems, b, samples=settings.programs_per_problem, seed=seed)
    with roles.engine("discriminator") as engine:
        answers = write_tests(engine, problems, b, seed=mix_seed(seed, 1_000))
    rounds = score(problems, chains, answers, sandbox)
    if step.role == "generator":
        k = step.stage - 1
        items = [(c.prompts[k], c.texts[k], c.finished[k], g["reward"])
                 for r in rounds for c, g in zip(r.chains, r.generator, strict=True)]
    else:
        key = "cure_reward" if settings.discriminator_reward == "cure" else "seed_reward"
        items = [(r.answer.prompt, r.answer.response, r.answer.finished, getattr(r, key)) for r in rounds if r.answer]
    prompts, texts, finished, scores = (list(x) for x in zip(*items, strict=True))
    stats = roles.step(step.role, prompts, texts, finished, scores)
    row = {"step": step.index, "stage": step.stage, "epoch": step.epoch, "phase": step.phase, "role": step.role,
           **round_metrics(rounds), "trained_reward": _mean(scores),
           **{f"ppo/{k}": v for k, v in stats.items() if k != "step"}, "time_s": time.time() - t0}
    return row, rounds


def _epoch_metadata(out_dir: Path, step: Step, settings: AdversarialSettings, model: ModelSettings) -> dict[str, Any]:
    from ladderlib.train.metrics import read_metrics

    rows = [r for r in read_metrics(out_dir / METRICS) if r["stage"] == step.stage and r["epoch"] == step.epoch]
    gen, val = _mean([r["generator_reward"] for r in rows]), _mean([r["test_validity"] for r in rows])
    key = f"discriminator_reward_{settings.discriminator_reward}"
    return {"name": f"stage_{step.stage}_epoch_{step.epoch}", "stage": step.stage, "epoch": step.epoch,
            "ends_epoch": step.ends_epoch, "steps_in_epoch": len(rows), "generator_reward": gen,
            "discriminator_reward": _mean([r[key] for r in rows]), "test_validity": val,
            "own_pass_rate": _mean([r["own_pass_rate"] for r in rows]), "score": ck.best_score(gen, val),
            "stage_meaning": training_stage_meaning(step.stage),
            "settings": {"model": model.model_dump(mode="json"), "adversarial": settings.model_dump(mode="json")}}


def _start(out_dir: Path, fp: dict[str, Any], resume: bool, resume_from: str | Path | None,
           strict: bool) -> Path | None:
    """Ready the output folder; return the checkpoint to continue from (None: a fresh run)."""
    from ladderlib.train.checkpoints import committed_checkpoints
    from ladderlib.train.metrics import truncate_metrics

    root = out_dir / ck.CHECKPOINTS
    checkpoint: Path | None = None
    if resume_from is not None:
        checkpoint = ck.resolve(resume_from)
    elif resume:
        ck.clean(out_dir)
        done = committed_checkpoints(root)
        checkpoint = done[-1] if done else None
    if checkpoint is not None:
        stored = json.loads((checkpoint / ck.STATE).read_text()).get("fingerprint")
        if stored != fp:
            diff = sorted(k for k in fp if (stored or {}).get(k) != fp[k])
            if strict or resume_from is not None:
                raise ck.CheckpointError(f"cannot resume from {checkpoint}: it was written with different {', '.join(diff)}")
            checkpoint = None
    if checkpoint is None:
        for name in (METRICS, ROLLOUTS, SUMMARY):
            (out_dir / name).unlink(missing_ok=True)
        import shutil

        shutil.rmtree(root, ignore_errors=True)
        return None
    step = int(json.loads((checkpoint / ck.STATE).read_text())["step"])
    ck.clean(out_dir, after_step=step)
    for name in (METRICS, ROLLOUTS):
        truncate_metrics(out_dir / name, step)
    (out_dir / SUMMARY).unlink(missing_ok=True)
    ck.refresh_best(out_dir)
    return checkpoint


def finished_run(out_dir: Path, fp: dict[str, Any], n_steps: int) -> dict[str, Any] | None:
    """The stored summary of a finished run with this fingerprint, else None (reads only)."""
    path = Path(out_dir) / SUMMARY
    if not path.is_file():
        return None
    summary = json.loads(path.read_text())
    if summary.get("fingerprint") != fp or summary.get("steps") != n_steps:
        return None
    return {**summary, "reused": True}


def train_adversarial(model: ModelSettings, settings: AdversarialSettings, sandbox: SandboxSettings,
                      problems: Sequence[CodeProblem], out_dir: str | Path, *, resume: bool = True,
                      resume_from: str | Path | None = None, strict: bool = False,
                      roles: Any = None) -> dict[str, Any]:
    """Run (or continue) the whole schedule into ``out_dir``; returns the summary (see the module docstring).

    ``resume`` continues from the newest committed checkpoint (a fingerprint mismatch starts over, or raises
    with ``strict``); ``resume_from`` continues from that checkpoint; a finished run is not trained again
    (``reused`` in the summary; ``roles``, when given, then still hold untrained weights). ``roles``: the
    ``roles.Roles`` to train (built from the settings when None).
    """
    from tqdm.auto import tqdm

    from ladderlib.adversarial.roles import build_roles

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    model = model.model_copy(update={"name": settings.model or model.name})
    if not problems:
        raise ValueError("no training problems for the adversarial run")
    schedule = build_schedule(settings)
    fp = fingerprint(model, settings, problems)
    if resume and resume_from is None and (done := finished_run(out_dir, fp, len(schedule))):
        return done
    checkpoint = _start(out_dir, fp, resume, resume_from, strict)
    roles = roles if roles is not None else build_roles(model, settings)
    start = int(ck.restore(roles, checkpoint)["step"]) if checkpoint is not None else 0
    stage_seen = None
    bar = tqdm(total=len(schedule), initial=start, desc="adversarial PPO", unit="step")
    for step in schedule[start:]:
        if step.stage != stage_seen:
            log.info(training_stage_meaning(step.stage))
            stage_seen = step.stage
        batch = batch_for(problems, step.index, settings.batch_size, settings.seed)
        row, rounds = play_step(roles, settings, sandbox, step, batch)
        append_jsonl(out_dir / ROLLOUTS, {"step": step.index, "stage": step.stage, "role": step.role,
                                          "rounds": [r.to_row() for r in rounds]})
        append_jsonl(out_dir / METRICS, row)
        bar.update(1)
        bar.set_postfix({"stage": step.stage, "gen": f"{row['generator_reward']:.2f}",
                         "valid": f"{row['test_validity']:.2f}"}, refresh=False)
        if step.ends_epoch or (settings.save_every and step.index % settings.save_every == 0):
            meta = _epoch_metadata(out_dir, step, settings, model)
            ck.save(roles, out_dir, step.index, meta, {"fingerprint": fp, "schedule_step": step.to_dict()})
            if step.ends_epoch:
                ck.refresh_best(out_dir)
    bar.close()
    return _summary(out_dir, fp, schedule, checkpoint)


def _summary(out_dir: Path, fp: dict[str, Any], schedule: Sequence[Step], resumed: Path | None) -> dict[str, Any]:
    from ladderlib.train.checkpoints import committed_checkpoints

    done = committed_checkpoints(out_dir / ck.CHECKPOINTS)
    epochs = [ck.read_metadata(c) for c in done if ck.read_metadata(c).get("ends_epoch")]
    best = out_dir / ck.CHECKPOINTS / ck.BEST
    summary = {
        "steps": len(schedule), "resumed_from": str(resumed) if resumed else None,
        "final_checkpoint": str(done[-1]) if done else None,
        "best_checkpoint": str(best) if best.is_dir() else None,
        "best": {k: v for k, v in ck.read_metadata(best).items() if k != "settings"} if best.is_dir() else None,
        "epochs": [{k: v for k, v in m.items() if k != "settings"} for m in epochs],
        "stage_meaning": {str(s): training_stage_meaning(s) for s in dict.fromkeys(x.stage for x in schedule)},
        "fingerprint": fp, "reused": False,
    }
    atomic_write_json(out_dir / SUMMARY, summary)
    return summary
