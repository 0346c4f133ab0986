"""An ipywidgets inspector for Regime W rollout rows: pick a question, see each arm's answer, reasoning, scores, reward.

The returned box carries ``selector`` (a ``Dropdown`` over row indices), ``summary`` (``HTML`` with the
question, gold answer, scores and reward terms), ``arms`` (an ``Accordion`` with one collapsible panel per
arm: title = ✓/✗, arm id, answer; body = the reasoning / full text) and ``counterfactual`` (``HTML`` with
the rewritten question and each counterfactual arm's answer). Changing ``selector.value`` redraws all three.

Where no kernel runs the widget (an untrusted or exported notebook, GitHub), every row shows as an HTML card
(``static_rollouts_html``): the same summary, then one ``<details>`` per arm.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as W

from ladderlib.widgets.fallback import FallbackVBox


def _fmt(v: Any) -> str:
    return "—" if v is None else f"{v:.3f}" if isinstance(v, float) else html.escape(str(v))


def _label(i: int, row: dict[str, Any]) -> str:
    q = " ".join(str(row.get("question", "")).split())
    return f"{i}: {row.get('question_id', '?')} [{row.get('n_correct', '?')}/{len(row.get('arm_outputs', []))}] {q[:60]}"


def summary_html(row: dict[str, Any]) -> str:
    """HTML for one row's question, gold answer, the four scores and the reward with its terms."""
    terms = row.get("reward_terms") or {}
    score_cells = "".join(f"<td><b>{k}</b> {_fmt(row.get(k))}</td>" for k in ("s_end", "s_path", "s_cf", "s_wm"))
    term_txt = " · ".join(f"{k} {_fmt(terms[k])}" for k in ("base", "coherence", "length_penalty", "mean_tokens") if k in terms)
    return (
        f"<div><b>{html.escape(str(row.get('question_id', '')))}</b>: {html.escape(str(row.get('question', '')))}</div>"
        f"<div>gold answer <code>{html.escape(str(row.get('gold_answer')))}</code> · "
        f"{row.get('n_correct', 0)}/{len(row.get('arm_outputs', []))} arms correct</div>"
        f"<table><tr>{score_cells}<td><b>reward</b> {_fmt(row.get('reward'))}</td></tr></table>"
        f"<div style='font-size:90%;color:#555'>{term_txt}</div>"
    )


def arm_title(out: dict[str, Any]) -> str:
    """Accordion title for one arm output: correctness mark, arm id, extracted answer and length."""
    mark = "✓" if out.get("correct") else "✗"
    return f"{mark} {out.get('arm_id')} (T={out.get('temperature')}) → {out.get('answer')} [{out.get('n_tokens')} tok]"


def arm_body(out: dict[str, Any]) -> str:
    """HTML body for one arm: its reasoning, then the full completion."""
    colour = "green" if out.get("correct") else "crimson"
    return (
        f"<div style='color:{colour}'><b>answer</b> <code>{html.escape(str(out.get('answer')))}</code> "
        f"({'correct' if out.get('correct') else 'incorrect'}) · style {html.escape(str(out.get('style')))}</div>"
        f"<div><b>reasoning</b><pre style='white-space:pre-wrap'>{html.escape(str(out.get('reasoning', '')))}</pre></div>"
        f"<details><summary>full text</summary><pre style='white-space:pre-wrap'>"
        f"{html.escape(str(out.get('full_text', '')))}</pre></details>"
    )


def counterfactual_html(row: dict[str, Any]) -> str:
    """HTML for the counterfactual rewrite and the counterfactual arms' answers (stable or not)."""
    cf = row.get("counterfactual")
    if not cf:
        return "<i>no counterfactual re-runs for this row</i>"
    items = "".join(
        f"<li>{'✓' if o.get('stable') else '✗'} {html.escape(str(o.get('arm_id')))} → "
        f"<code>{html.escape(str(o.get('answer')))}</code></li>"
        for o in cf.get("outputs", [])
    )
    rules = ", ".join(cf.get("rules") or []) or "none"
    return (f"<div><b>counterfactual</b> ({html.escape(rules)}): {html.escape(str(cf.get('question')))}</div>"
            f"<ul style='margin:0 0 0 1em'>{items}</ul>")


def static_rollouts_html(rows: Sequence[dict[str, Any]], limit: int = 50) -> str:
    """Every row (at most ``limit``) as a card: summary, counterfactual, and a collapsible panel per arm."""
    cards = []
    for row in list(rows)[:limit]:
        arms = "".join(f"<details><summary>{html.escape(arm_title(o))}</summary>{arm_body(o)}</details>"
                       for o in row.get("arm_outputs", []))
        cards.append(f"<div style='border:1px solid #ccc;border-radius:6px;padding:6px;margin:6px 0'>"
                     f"{summary_html(row)}{arms}{counterfactual_html(row)}</div>")
    more = f"<p><i>{len(rows) - limit} more rows not shown</i></p>" if len(rows) > limit else ""
    return f"<div class='ladder-rollouts-static'><p><b>{len(rows)} rollout row(s)</b> (static view)</p>{''.join(cards)}{more}</div>"


def reward_inspector(rows: Sequence[dict[str, Any]]) -> FallbackVBox:
    """A widget to browse rollout rows (see module docstring); ``rows`` must be non-empty."""
    rows = list(rows)
    if not rows:
        raise ValueError("reward_inspector needs at least one rollout row")
    selector = W.Dropdown(options=[(_label(i, r), i) for i, r in enumerate(rows)], value=0, description="question",
                          layout=W.Layout(width="95%"))
    summary = W.HTML()
    arms = W.Accordion()
    counterfactual = W.HTML()

    def show(index: int) -> None:
        row = rows[index]
        outs = row.get("arm_outputs", [])
        summary.value = summary_html(row)
        arms.children = tuple(W.HTML(arm_body(o)) for o in outs)
        arms.titles = tuple(arm_title(o) for o in outs)
        arms.selected_index = None
        counterfactual.value = counterfactual_html(row)

    selector.observe(lambda change: show(change["new"]), names="value")
    show(0)
    box = FallbackVBox([selector, summary, arms, counterfactual], fallback_html=static_rollouts_html(rows))
    box.selector, box.summary, box.arms, box.counterfactual, box.rows = selector, summary, arms, counterfactual, rows
    return box
