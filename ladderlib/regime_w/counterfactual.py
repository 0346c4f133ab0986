"""Deterministic, meaning-preserving rewrites of a GSM8K question (the answer stays the same), for ``s_cf``.

Rules, applied in this order when listed in ``rules``:

``rename``
    Every known first name (curated lists of GSM8K names; ambiguous ones such as May, Rose, Frank,
    Grant are left out) is replaced by another name of the same group (female / male / unisex, so
    pronouns stay right) that does not already occur in the question. One regex pass, so renames
    never chain; possessives (``Natalia's``) follow.
``reorder``
    Two adjacent context sentences are swapped only when that is safe: each names a person, they
    share no name, neither holds an anaphoric or sequencing word (pronouns, then, after, more, than,
    remaining, …), and no later sentence holds a personal pronoun whose referent could change. The
    final question sentence always stays last.
``paraphrase``
    The final question sentence gets a neutral lead-in, e.g. ``How many clips …?`` →
    ``Work out the following: how many clips …?``.

Numbers are never touched: every rewrite keeps the multiset of numbers and the final question
(``check_rewrite`` verifies both; a rewrite that fails the check falls back to the original text).
Choices are driven by ``random.Random`` seeded from ``sha256(seed, question)``, so the same question and
seed always give the same rewrite, in any process.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

FEMALE = (
    "Natalia Mary Sarah Lisa Martha Janet Carla Anna Jane Jill Emily Betty Sally Karen Jenny Rachel Susan Tina "
    "Julia Maria Alice Lucy Jessica Amanda Annie Lily Amy Monica Beth Jenna Nancy Daisy Megan Katie Kelly Mandy "
    "Kate Carrie Kayla Hannah Julie Kendra Sara Gina Janice Emma Luna Stephanie Kylie Ella Nicole Elsa Anne "
    "Rebecca Michelle Angela Tiffany Peggy Talia Tara Becky Brenda Veronica Donna Dorothy Diane Danielle Barbara "
    "Brittany Bella Samantha Ann Madeline Helen Pam Tanya Tracy Ivy Sandra Olivia Sophia Chloe Zoe Wendy"
).split()
MALE = (
    "John James Mark Bob Tom Mike Bill Peter Matt Jerry Harry Jim Joe Billy Jason Steve Michael Andrew Paul Max "
    "Carl Ben Kevin Jacob Ryan Jake Tony Ken Jimmy Greg Tim Kyle Adam George Brian Jeff Rick Andy Josh Randy "
    "Manny David Gerald Dave William Fred Patrick Marcus Henry Thomas Leo Roger Bobby Pete Caleb Simon Jeremy "
    "Robert Jose Brad Carlos Alan Daniel Ted Joey Barry Lucas Neil Tommy Phil Oliver Jay Samuel Tyler Connor "
    "Brandon Jayden Gary Joseph Anthony Ron Diego Aaron Luke Toby Ralph Justin Eric Trevor Steven Dan Hank "
    "Jerome Bruce Maurice Richard Mario Derek Ivan Bert Jack Ethan Noah Liam"
).split()
UNISEX = "Sam Alex Chris Kim Jordan Taylor Casey Jamie Charlie Jess Ali Robin Morgan Riley".split()
NAME_GROUPS: dict[str, tuple[str, ...]] = {"female": tuple(FEMALE), "male": tuple(MALE), "unisex": tuple(UNISEX)}
_GROUP_OF = {n: g for g, names in NAME_GROUPS.items() for n in names}
_NAME_RE = re.compile(r"\b(" + "|".join(sorted(_GROUP_OF, key=len, reverse=True)) + r")\b")

_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")
_ABBREV = ("Mr.", "Mrs.", "Ms.", "Dr.", "St.", "Jr.", "Sr.", "vs.", "etc.", "a.m.", "p.m.")
_SPLIT_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9$\"'(])")
_ANAPHORA = set(
    "he she it they him her them his hers its their theirs this that these those then after afterwards later "
    "before next meanwhile also too again remaining rest left another other others same such both together "
    "total more less fewer than each every instead however so thus therefore there here first second third "
    "last finally additionally altogether".split()
)
_PRONOUNS = set("he she him her his hers they them their theirs himself herself themselves".split())
_LEADS = (
    "Work out the following: ",
    "Find out: ",
    "Determine this: ",
    "Please answer this: ",
)
_LOWERABLE = set(
    "How What Which Who Whom Whose When Where Why If In On At After Before By For Assuming Given Calculate Find "
    "Determine Compute The A An Each Altogether Together Now Then So And But Is Are Do Does Did Can Could Will "
    "Would Should Was Were Has Have Had Including Counting Considering".split()
)


@dataclass
class Rewrite:
    """A rewritten question: the text, the rules that changed it, and the name map used."""

    original: str
    text: str
    applied: list[str] = field(default_factory=list)
    renames: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """Whether the rewrite differs from the original."""
        return self.text != self.original


def _rng(question: str, seed: int) -> random.Random:
    return random.Random(int(hashlib.sha256(f"{seed}\x00{question}".encode()).hexdigest()[:16], 16))


def split_sentences(text: str) -> list[str]:
    """Split a question into sentences (decimals and ``Mr.``-style abbreviations are not split points)."""
    parts = _SPLIT_RE.split(text.strip())
    out: list[str] = []
    for p in parts:
        if out and out[-1].endswith(_ABBREV):
            out[-1] = f"{out[-1]} {p}"
        else:
            out.append(p)
    return [p for p in out if p]


def numbers_in(text: str) -> list[str]:
    """The numbers written in ``text`` (digits, with commas/decimals), sorted; a rewrite must keep this list."""
    return sorted(m.group(0).replace(",", "") for m in _NUMBER_RE.finditer(text))


def names_in(text: str) -> list[str]:
    """Known first names occurring in ``text``, in order of first appearance."""
    seen: dict[str, None] = {}
    for m in _NAME_RE.finditer(text):
        seen.setdefault(m.group(1), None)
    return list(seen)


def _words(sentence: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[A-Za-z']+", sentence)} | {
        w.lower().split("'")[0] for w in re.findall(r"[A-Za-z']+", sentence)
    }


def rename_people(text: str, rng: random.Random) -> tuple[str, dict[str, str]]:
    """Replace each known name by an unused name of the same group; returns (text, name map)."""
    found = names_in(text)
    if not found:
        return text, {}
    present = {w for w in re.findall(r"[A-Za-z]+", text)}
    used: set[str] = set()
    mapping: dict[str, str] = {}
    for name in found:
        pool = [n for n in NAME_GROUPS[_GROUP_OF[name]] if n not in present and n not in used]
        if not pool:
            continue
        new = rng.choice(pool)
        used.add(new)
        mapping[name] = new
    if not mapping:
        return text, {}
    return _NAME_RE.sub(lambda m: mapping.get(m.group(1), m.group(1)), text), mapping


def _safe_swaps(sentences: Sequence[str]) -> list[int]:
    """Indices i such that context sentences i and i+1 can be swapped without changing the meaning."""
    out = []
    for i in range(len(sentences) - 2):  # the last sentence (the question) is never moved
        a, b = sentences[i], sentences[i + 1]
        na, nb = set(names_in(a)), set(names_in(b))
        if not na or not nb or na & nb:
            continue
        if _words(a) & _ANAPHORA or _words(b) & _ANAPHORA:
            continue
        if any(_words(s) & _PRONOUNS for s in sentences[i + 2 :]):
            continue
        out.append(i)
    return out


def reorder_sentences(text: str, rng: random.Random) -> str:
    """Swap one safe pair of adjacent context sentences (see module docstring), or return ``text`` unchanged."""
    sentences = split_sentences(text)
    swaps = _safe_swaps(sentences)
    if not swaps:
        return text
    i = rng.choice(swaps)
    sentences[i], sentences[i + 1] = sentences[i + 1], sentences[i]
    return " ".join(sentences)


def paraphrase_question(text: str, rng: random.Random) -> str:
    """Give the final question sentence a neutral lead-in (``Work out the following: how many …?``)."""
    sentences = split_sentences(text)
    if not sentences:
        return text
    last = sentences[-1]
    first = re.match(r"[A-Za-z]+", last)
    if first and first.group(0) in _LOWERABLE:
        last = last[0].lower() + last[1:]
    sentences[-1] = rng.choice(_LEADS) + last
    return " ".join(sentences)


def check_rewrite(original: str, rewritten: str, renames: dict[str, str] | None = None) -> list[str]:
    """Problems with a rewrite (empty when fine): numbers changed, or the final question not kept last."""
    problems = []
    if numbers_in(original) != numbers_in(rewritten):
        problems.append(f"numbers changed: {numbers_in(original)} -> {numbers_in(rewritten)}")
    renames = renames or {}
    last = split_sentences(original)[-1] if original.strip() else ""
    expected = _NAME_RE.sub(lambda m: renames.get(m.group(1), m.group(1)), last)
    tail = rewritten.strip()
    if expected[1:] and not tail.endswith(expected[1:]):
        problems.append(f"final question not kept last: {expected!r}")
    return problems


def rewrite_question(question: str, rules: Sequence[str] = ("rename", "reorder", "paraphrase"), seed: int = 0) -> Rewrite:
    """Meaning-preserving rewrite of ``question`` with the listed rules; deterministic in (question, rules, seed)."""
    unknown = set(rules) - {"rename", "reorder", "paraphrase"}
    if unknown:
        raise ValueError(f"unknown counterfactual rules {sorted(unknown)}")
    rng = _rng(question, seed)
    text, renames, applied = question.strip(), {}, []
    for rule in ("rename", "reorder", "paraphrase"):
        if rule not in rules:
            continue
        if rule == "rename":
            new, renames = rename_people(text, rng)
        elif rule == "reorder":
            new = reorder_sentences(text, rng)
        else:
            new = paraphrase_question(text, rng)
        if new != text:
            applied.append(rule)
            text = new
    if check_rewrite(question.strip(), text, renames):
        return Rewrite(question, question, [], {})
    return Rewrite(question, text, applied, renames)
