"""Regime W rollout collection: every arm answers each of the first N questions; rows are scored, rewarded, saved.

Row schema (one JSON line per question in ``rollouts.jsonl``)::

    question_id, question, gold_answer,
    arm_outputs: [{arm_id, style, temperature, full_text, reasoning, answer, correct, n_tokens,
                   n_reasoning_tokens}, ...]               # one per arm, in build_arms order
    counterfactual: {question, rules, renames,
                     outputs: [{arm_id, full_text, answer, n_tokens, stable}, ...]} | null
    s_end, s_path, s_cf, s_wm, reward, reward_terms, n_correct

Generation is batched: for each chunk of ``batch_size`` questions, the arms that share a temperature
share one call of the generator (a ``GenerateFn``; both styles × all questions of the chunk, each prompt a
``Chat`` with its arm's system prompt), so 8 arms cost 4 calls per chunk, plus one per counterfactual
temperature. Chunks are fixed slices of the question list and each call is seeded from ``(seed, chunk,
temperature, phase)``, so a run gives the same rows however often it was interrupted and resumed.
``n_tokens`` counts the decoded completion with the model's tokenizer.

Resuming: existing ``question_id``s are skipped, a torn last line is dropped (``store.repair_rollouts``),
and rows are appended one per question with fsync, so nothing is duplicated or lost.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ladderlib.tasks.answers import answers_match, extract_answer
from ladderlib.io import append_jsonl
from ladderlib.regime_w.arms import Arm, build_arms, user_prompt
from ladderlib.config.regime_w import RegimeWSettings
from ladderlib.models.generation import Chat, GenerateFn, Sampling
from ladderlib.regime_w.counterfactual import Rewrite, rewrite_question
from ladderlib.regime_w.reward import reward_terms
from ladderlib.regime_w.scoring import coherence_scores
from ladderlib.regime_w.store import pin_settings, repair_rollouts

def word_count(text: str) -> int:
    """Whitespace-separated words: the length measure when no tokenizer is given."""
    return len(text.split())


def token_counter(tokenizer: Any) -> Callable[[str], int]:
    """Count the tokens of a text with ``tokenizer`` (no special tokens)."""
    return lambda text: len(tokenizer(text, add_special_tokens=False)["input_ids"])


def split_reasoning(text: str) -> str:
    """The reasoning: the text before the last ``####`` marker (the whole text when there is none), stripped."""
    return text.rsplit("####", 1)[0].strip() if "####" in text else text.strip()


def arm_output(arm: Arm, full_text: str, gold: str, count_tokens: Callable[[str], int]) -> dict[str, Any]:
    """One arm's record: its settings, the text, the reasoning, the extracted answer and whether it is correct."""
    reasoning = split_reasoning(full_text)
    answer = extract_answer(full_text)
    return {
        "arm_id": arm.id,
        "style": arm.style,
        "temperature": arm.temperature,
        "full_text": full_text,
        "reasoning": reasoning,
        "answer": answer,
        "correct": bool(answer is not None and answers_match(answer, gold)),
        "n_tokens": count_tokens(full_text),
        "n_reasoning_tokens": count_tokens(reasoning),
    }


def score_row(
    question_id: str,
    question: str,
    gold: str,
    outputs: Sequence[dict[str, Any]],
    rewrite: Rewrite | None = None,
    cf_texts: Sequence[str] = (),
    settings: RegimeWSettings | None = None,
    count_tokens: Callable[[str], int] = word_count,
) -> dict[str, Any]:
    """Build a rollout row from the arm outputs (and the counterfactual re-runs): scores, reward and all fields."""
    st = settings or RegimeWSettings()
    cf = None
    cf_orig: list[str | None] = []
    cf_new: list[str | None] = []
    if rewrite is not None and cf_texts:
        cf_out = []
        for out, text in zip(outputs, cf_texts):
            ans = extract_answer(text)
            stable = bool(ans is not None and out["answer"] is not None and answers_match(ans, out["answer"]))
            cf_out.append({"arm_id": out["arm_id"], "full_text": text, "answer": ans, "n_tokens": count_tokens(text),
                           "stable": stable})
            cf_orig.append(out["answer"])
            cf_new.append(ans)
        cf = {"question": rewrite.text, "rules": rewrite.applied, "renames": rewrite.renames, "outputs": cf_out}
    scores = coherence_scores([o["answer"] for o in outputs], [o["n_reasoning_tokens"] for o in outputs],
                              cf_orig, cf_new, st)
    terms = reward_terms([o["correct"] for o in outputs], scores["s_wm"], [o["n_tokens"] for o in outputs], st)
    return {
        "question_id": question_id,
        "question": question,
        "gold_answer": gold,
        "arm_outputs": list(outputs),
        "counterfactual": cf,
        **scores,
        "reward": terms["reward"],
        "reward_terms": terms,
        "n_correct": sum(bool(o["correct"]) for o in outputs),
    }


@dataclass
class CollectResult:
    """What a collection did: the rows now in the file (for the requested questions) and timing."""

    path: Path
    rows: list[dict[str, Any]]
    n_new: int
    n_skipped: int
    seconds: float
    generated_tokens: int

    @property
    def tokens_per_s(self) -> float:
        """Generated tokens (tokens of the decoded arm and counterfactual completions) per second of this call."""
        return self.generated_tokens / self.seconds if self.seconds > 0 else 0.0


def _seed(base: int, chunk: int, group: int, phase: str) -> int:
    digest = hashlib.sha256(f"{base}:{chunk}:{group}:{phase}".encode()).hexdigest()
    return int(digest[:8], 16)


def _by_temperature(arms: Sequence[Arm]) -> list[tuple[float, list[int]]]:
    """Arm indices grouped by temperature, in first-appearance order."""
    groups: dict[float, list[int]] = {}
    for i, arm in enumerate(arms):
        groups.setdefault(arm.temperature, []).append(i)
    return list(groups.items())


def _generate_arms(
    fn: GenerateFn, arms: Sequence[Arm], questions: Sequence[str], max_new_tokens: int, seeds: Callable[[int], int]
) -> list[list[str]]:
    """Completions ``[arm][question]``: one call per temperature, all its arms × all questions in one batch."""
    out: list[list[str]] = [[] for _ in arms]
    prompts = [user_prompt(q) for q in questions]
    for g, (temperature, idxs) in enumerate(_by_temperature(arms)):
        batch = [Chat(p, arms[i].system_prompt) for i in idxs for p in prompts]
        texts = list(fn(batch, Sampling(max_new_tokens=max_new_tokens, temperature=temperature, seed=seeds(g))))
        if len(texts) != len(batch):
            raise RuntimeError(f"generate_fn returned {len(texts)} completions for {len(batch)} prompts (T={temperature})")
        for n, i in enumerate(idxs):
            out[i] = texts[n * len(prompts) : (n + 1) * len(prompts)]
    return out


def collect_rollouts(
    questions: Sequence[dict[str, Any]],
    out_path: str | Path,
    settings: RegimeWSettings | None = None,
    *,
    generate_fn: GenerateFn | None = None,
    model: Any = None,
    tokenizer: Any = None,
    count_tokens: Callable[[str], int] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CollectResult:
    """Collect rows for the first ``settings.n_questions`` questions (``{"id", "question", "answer"}``) into ``out_path``.

    Give ``model`` + ``tokenizer`` or a ``generate_fn``. Lengths are tokenizer tokens when a tokenizer is
    given, else ``count_tokens`` (default: words). Resumes a partial file; ``progress(done, total)`` is
    called after each question.
    """
    st = settings or RegimeWSettings()
    if generate_fn is None:
        if model is None or tokenizer is None:
            raise ValueError("give either generate_fn or both model and tokenizer")
        from ladderlib.models.generation import Engine

        generate_fn = Engine(model, tokenizer, batch_size=2 * st.batch_size)
    if count_tokens is None:
        count_tokens = token_counter(tokenizer) if tokenizer is not None else word_count
    out_path = Path(out_path)
    arms = build_arms(st)
    cf_arms = arms[: st.cf_arms]
    selected = list(questions[: st.n_questions])
    ids = [str(q["id"]) for q in selected]
    if len(set(ids)) != len(ids):
        raise ValueError("question ids must be unique")

    t0 = time.perf_counter()
    existing = repair_rollouts(out_path)
    pin_settings(out_path, st)
    done = {r["question_id"] for r in existing}
    n_skipped = sum(i in done for i in ids)
    n_new = generated = 0
    total = len(selected)
    for chunk_i in range(0, total, st.batch_size):
        chunk = [q for q in selected[chunk_i : chunk_i + st.batch_size] if str(q["id"]) not in done]
        if not chunk:
            continue
        k = chunk_i // st.batch_size
        texts = _generate_arms(generate_fn, arms, [q["question"] for q in chunk], st.max_new_tokens,
                               lambda g, k=k: _seed(st.seed, k, g, "arm"))
        rewrites = [rewrite_question(q["question"], st.cf_rules, st.seed) for q in chunk] if cf_arms else []
        cf_texts = _generate_arms(generate_fn, cf_arms, [r.text for r in rewrites], st.max_new_tokens,
                                  lambda g, k=k: _seed(st.seed, k, g, "cf")) if cf_arms else []
        for qi, q in enumerate(chunk):
            gold = str(q["answer"])
            outputs = [arm_output(arm, texts[j][qi], gold, count_tokens) for j, arm in enumerate(arms)]
            row = score_row(str(q["id"]), q["question"], gold, outputs,
                            rewrites[qi] if cf_arms else None, [t[qi] for t in cf_texts], st, count_tokens)
            generated += sum(o["n_tokens"] for o in outputs)
            generated += sum(o["n_tokens"] for o in (row["counterfactual"] or {}).get("outputs", []))
            append_jsonl(out_path, row)
            done.add(row["question_id"])
            n_new += 1
            if progress is not None:
                progress(len(done & set(ids)), total)
    by_id = {r["question_id"]: r for r in repair_rollouts(out_path)}
    rows = [by_id[i] for i in ids if i in by_id]
    return CollectResult(out_path, rows, n_new, n_skipped, time.perf_counter() - t0, generated)
