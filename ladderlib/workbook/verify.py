"""Stage 03_verify: the verifier on true, corrupted and real model answers, and the reward-hacking audit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ladderlib.config.params import Params
from ladderlib.pipeline.rundir import RunDir


@dataclass
class VerifyStage:
    """Accept rates per answer kind, the model's checked answers and the audit table."""

    rates: list[dict[str, Any]]
    model_answers: list[dict[str, Any]]
    audit: list[dict[str, Any]]


def audit_problems(run: RunDir) -> list[dict[str, Any]]:
    """Problems the model answers: 02's variants first (easiest first, when 02 ran), then the hard roots."""
    from ladderlib.data import read_dataset
    from ladderlib.ladder.variants.dataset import load_dataset

    roots = read_dataset(run.path, "integrals_roots")
    return (load_dataset(run.variant_dataset) if run.variant_dataset.is_file() else []) + roots


def run_verify(params: Params, run: RunDir) -> VerifyStage:
    """Check test pairs and their corruptions, sample and check model answers, write
    ``run.verification_report``; records ``metrics.json['03_verify']``."""
    from ladderlib.data import read_dataset
    from ladderlib.io import atomic_write_json
    from ladderlib.ladder.audit import hacking_audit, pair_checks, rates_by_kind, run_checks, sample_model_answers

    a = params.audit
    pairs = run_checks(pair_checks(read_dataset(run.path, "integrals_test"), a.true_pairs, a.seed), params.verify)
    model_answers: list[dict[str, Any]] = []
    if a.model_problems:
        from ladderlib.models import Engine, load_model

        engine = Engine(*load_model(params.model))
        model_answers = run_checks(sample_model_answers(engine, audit_problems(run), a), params.verify)
    rates = rates_by_kind(pairs)
    audit = hacking_audit(pairs + model_answers)
    atomic_write_json(run.verification_report, {
        "rates": rates, "model": rates_by_kind(model_answers) if model_answers else [], "audit": audit,
    })
    run.record_metrics("03_verify", {"rates": rates, "model_answers": len(model_answers),
                                     "model_correct": sum(m["correct"] for m in model_answers)})
    return VerifyStage(rates, model_answers, audit)
