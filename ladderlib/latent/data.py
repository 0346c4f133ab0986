"""The latent tasks' examples (question, language steps, answer) and the curriculum's token sequences.

- GSM8K with equation-only steps: the ``<<48/2=24>>`` calculator annotations of each solution, in order (the
  short step form of iCoT's augmented GSM8K that the paper trains on); rows without annotations are dropped.
- Seeded procedural multi-hop tasks, each hop one step, so no-CoT has to do every hop at once: ``arithmetic``
  (start at a digit and apply operations mod 10) and ``links`` (ProsQA-style pointer chasing through a list of
  links with distractors: each hop is a lookup, the kind of step continuous thoughts are shown to carry).
- :func:`stage_example`: stage k replaces the first k steps by k x c latent tokens; the last stage drops the
  remaining steps; ``uniform_prob`` draws an earlier stage instead.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

ANNOTATION = re.compile(r"<<([^<>]*?)>>")
ANSWER_MARK = "###"
OPERATIONS = (("add", "+"), ("subtract", "-"), ("multiply by", "*"))
LETTERS = "abcdefghijklmnopqrstuvwxyz"  # every pair ",a>b," is 5 tokens for SmolLM2's tokenizer (checked)


@dataclass(frozen=True)
class Example:
    """One problem: its question, its reasoning steps in language, the answer and a stable id."""

    id: str
    question: str
    steps: tuple[str, ...]
    answer: str
    meta: dict[str, Any] = field(default_factory=dict, compare=False)


def gsm8k_steps(solution: str) -> list[str]:
    """The calculator annotations of a GSM8K solution, in order (``48/2=24``)."""
    return [a.strip() for a in ANNOTATION.findall(solution) if "=" in a]


def gsm8k_examples(rows: Sequence[dict[str, Any]]) -> list[Example]:
    """Equation-step examples from 01's GSM8K rows (``id, question, solution, answer``); unannotated rows dropped."""
    out = []
    for r in rows:
        steps = gsm8k_steps(r["solution"])
        if steps:
            out.append(Example(r["id"], r["question"], tuple(steps), str(r["answer"])))
    return out


def _chain(rng: random.Random, hops: int) -> tuple[str, tuple[str, ...], str]:
    x = rng.randrange(10)
    start = x
    words, steps = [], []
    for _ in range(hops):
        name, op = rng.choice(OPERATIONS)
        k = rng.choice((3, 7, 9)) if op == "*" else rng.randrange(1, 10)  # units mod 10: no answer collapses
        y = (x + k if op == "+" else x - k if op == "-" else x * k) % 10
        words.append(f"{name} {k}")
        steps.append(f"{x}{op}{k}={y}")
        x = y
    return f"Start at {start}, then {', '.join(words)} (mod 10).", tuple(steps), str(x)


def _links(rng: random.Random, hops: int, nodes: int) -> tuple[str, tuple[str, ...], str]:
    names = rng.sample(LETTERS, nodes)
    succ = {u: rng.choice([v for v in names if v != u]) for u in names}  # every node has one outgoing link
    listed = list(names)
    rng.shuffle(listed)
    x = start = rng.choice(names)
    steps = []
    for _ in range(hops):
        steps.append(f"{x}>{succ[x]}")
        x = succ[x]
    links = ",".join(f"{u}>{succ[u]}" for u in listed)
    return f"Links:{links}.\nStart:{start}, {hops} links.", tuple(steps), x


def procedural_examples(n_train: int, n_test: int, min_hops: int, max_hops: int, seed: int,
                        kind: str = "arithmetic", nodes: int = 8) -> tuple[list[Example], list[Example]]:
    """(train, test) seeded multi-hop problems; no test question appears in train.

    ``arithmetic``: chains of operations mod 10. ``links``: ProsQA-style pointer chasing: ``nodes`` letters each
    with one outgoing link (listed in random order, the others are distractors); follow ``hops`` links from the
    start, one step per link (``a>c``)."""
    if kind not in ("arithmetic", "links"):
        raise ValueError(f"unknown procedural task kind {kind!r} (arithmetic or links)")
    if kind == "links" and not 2 <= nodes <= len(LETTERS):
        raise ValueError(f"links needs 2..{len(LETTERS)} nodes, got {nodes}")
    prefix = "chain" if kind == "arithmetic" else "links"  # the example ids
    rng = random.Random(seed)
    seen: set[str] = set()
    out: list[Example] = []
    tries = 0
    while len(out) < n_train + n_test:
        tries += 1
        if tries > 50 * (n_train + n_test):
            raise ValueError(f"cannot draw {n_train + n_test} distinct problems with {min_hops}-{max_hops} hops")
        hops = rng.randint(min_hops, max_hops)
        question, steps, answer = _chain(rng, hops) if prefix == "chain" else _links(rng, hops, nodes)
        if question in seen:
            continue
        seen.add(question)
        out.append(Example(f"{prefix}-{len(out):05d}", question, steps, answer, {"hops": hops}))
    test = out[:n_test]
    return out[n_test:], test


@dataclass
class Tokenized:
    """An example as token-id pieces: question (ending in a newline), each step, and the answer with eos."""

    example: Example
    question: list[int]
    steps: list[list[int]]
    answer: list[int]


def tokenize(tokenizer: Any, ex: Example) -> Tokenized:
    """Tokenize the pieces separately (as the reference does), so a stage only moves whole steps."""
    enc = lambda s: tokenizer(s, add_special_tokens=False)["input_ids"]  # noqa: E731
    return Tokenized(ex, enc(ex.question + "\n"), [enc(s + "\n") for s in ex.steps],
                     enc(f"{ANSWER_MARK} {ex.answer}") + [tokenizer.eos_token_id])


def stage_of(stage: int, n_steps: int, uniform_prob: float, rng: random.Random) -> int:
    """The stage an example is built at: ``stage``, or with ``uniform_prob`` one drawn from 0..n_steps."""
    return rng.randint(0, n_steps) if uniform_prob > 0 and rng.random() < uniform_prob else stage


def stage_example(t: Tokenized, stage: int, c_thought: int, max_stage: int, ids: dict[str, int],
                  markers: bool = True, language_steps: bool = True) -> tuple[list[int], list[int]]:
    """(input_ids, labels) at curriculum ``stage``: the first ``stage`` steps become ``stage * c_thought`` latents;
    at ``stage >= max_stage`` every remaining step is dropped too. Labels mask question, markers and latents.

    ``markers=False`` gives the language-only baselines (no latent markers); ``language_steps=False`` drops every
    step (no-CoT)."""
    from ladderlib.latent.coconut import END, LATENT, START

    k = min(stage, max_stage)
    skip = len(t.steps) if stage >= max_stage or not language_steps else k
    latents = [ids[LATENT]] * (k * c_thought) if markers else []
    head = t.question + ([ids[START], *latents, ids[END]] if markers else [])
    tail = [tok for s in t.steps[skip:] for tok in s] + t.answer
    return head + tail, [-100] * len(head) + tail


def step_result(step: str) -> str:
    """What a reasoning step arrives at: the text after its last ``>`` or ``=`` (``a>c`` -> ``c``,
    ``3+4=7`` -> ``7``, ``48/2=24`` -> ``24``); the whole step when it has neither."""
    cut = max(step.rfind(">"), step.rfind("="))
    return step[cut + 1:].strip()


def parse_answer(text: str) -> str | None:
    """The answer after the last ``###`` in a generation (None when there is none)."""
    if ANSWER_MARK not in text:
        return None
    rest = text.rsplit(ANSWER_MARK, 1)[1].strip().split()
    return rest[0].rstrip(".") if rest else None
