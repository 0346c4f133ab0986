"""``generate_tree`` / ``generate_forest``: grow recursive variant trees (LADDER) breadth-first.

Per depth level, every frontier node asks its source(s) for children:

* ``model`` — one batched generation per temperature for the whole level (``prompts_per_node``
  prompts per node, persona and temperature cycling, 3-5 sampled hints), candidates extracted from
  the text and screened; at most ``breadth`` accepted per node.
* ``symbolic`` — named sympy rewrites in a seeded order, screened until ``breadth`` are accepted
  (at most ``symbolic_attempts(breadth)`` tried per node, and at most ``ceil(breadth *
  equivalent_fraction)`` same-difficulty "equivalent" children per node, so scaled copies never
  crowd out easier variants).
* ``mixed`` — model first; when the model's accepted share for a node (accepted / breadth) is below
  ``mixed_min_valid_rate``, the node is topped up to ``breadth`` from the symbolic source.

Screening (cheapest first; the first failing check is the drop reason, see ``canonical``):
unparsable → invalid / extra_symbols / too_large → trivial_constant / trivial_monomial →
ancestor → duplicate → harder (optional) → over_budget. Every proposal is counted in
``tree.stats[source]``: ``proposed == accepted + sum(dropped.values())``.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sympy

from ladderlib.ladder.variants import canonical as C
from ladderlib.config.variants import VariantSettings
from ladderlib.ladder.variants.difficulty import estimate_difficulty
from ladderlib.ladder.variants.model_source import ModelProposal, build_requests, run_requests
from ladderlib.models.generation import GenerateFn, mix_seed
from ladderlib.verify.fingerprint import canonical_key, normal_form
from ladderlib.ladder.variants.symbolic import EQUIVALENT, symbolic_variants
from ladderlib.timeouts import call_with_timeout
from ladderlib.ladder.variants.tree import VariantNode, VariantTree, make_tree_id

log = logging.getLogger(__name__)
PARSE_TIMEOUT_S = 2.0  # a parse that takes longer (e.g. a huge power tower) counts as unparsable


def symbolic_attempts(breadth: int) -> int:
    """How many symbolic rewrites are screened at most per node."""
    return max(4 * breadth, 12)


def parse_root(problem: str | sympy.Expr, variable: str | None = None) -> tuple[sympy.Expr, str]:
    """``(integrand, variable)`` of a root problem ("Integrate x^2*sin(x) dx" or a bare integrand).

    Bounds of a definite problem are ignored (variants are indefinite integrands). Raises
    ``ValueError`` (the parser's ``ParseError``) with a readable message when it cannot.
    """
    from ladderlib.verify.parse import ParseError, parse_expression, parse_problem

    if isinstance(problem, sympy.Expr):
        expr, var = problem, variable or "x"
    else:
        try:
            parsed = parse_problem(problem, variable)
            expr, var = parsed.integrand, parsed.variable_name
        except ParseError as first:
            try:
                var = variable or "x"
                expr = parse_expression(problem, variable=var)
            except ParseError:
                raise first from None
    reason = C.invalid_reason(expr, var) or C.trivial_reason(expr, var, drop_monomials=False)
    if reason:
        raise ValueError(f"problem {str(problem)!r} is not a usable integrand ({reason})")
    return expr, var


def _new_stats() -> dict[str, Any]:
    return {"prompts": 0, "empty_outputs": 0, "proposed": 0, "accepted": 0, "dropped": {}}


class _Builder:
    """Mutable state of one tree under construction."""

    def __init__(self, tree: VariantTree, root_expr: sympy.Expr, settings: VariantSettings) -> None:
        self.tree, self.settings, self.var = tree, settings, tree.variable
        self.exprs: dict[str, sympy.Expr] = {tree.root_id: root_expr}
        self.keys: dict[str, str] = {tree.root_id: canonical_key(root_expr, tree.variable, settings.simplify_timeout_s)}
        self.seen: set[str] = set(self.keys.values())
        tree.stats = {}
        self.seed = tree.seed
        self.prompt_rng = random.Random(f"ladder-variants/{tree.seed}/prompts")
        self.prompt_index = tree.seed
        self.frontier: list[VariantNode] = [tree.root]

    def expand_level(self, proposals: dict[str, list[ModelProposal]]) -> list[VariantNode]:
        """Add children to every frontier node (model proposals first, symbolic per the source); new frontier."""
        s, source = self.settings, self.settings.variant_source
        next_frontier: list[VariantNode] = []
        for parent in self.frontier:
            children: list[VariantNode] = []
            if source in ("model", "mixed"):
                children += self.add_model_children(parent, proposals.get(parent.id, []))
            if source == "symbolic":
                children += self.add_symbolic_children(parent, s.breadth, self.seed)
            elif source == "mixed" and len(children) / s.breadth < s.mixed_min_valid_rate:
                children += self.add_symbolic_children(parent, s.breadth - len(children), self.seed)
            next_frontier += children
        return next_frontier

    def stats(self, source: str) -> dict[str, Any]:
        return self.tree.stats.setdefault(source, _new_stats())

    def drop(self, source: str, reason: str) -> None:
        d = self.stats(source)["dropped"]
        d[reason] = d.get(reason, 0) + 1

    def full(self) -> bool:
        return len(self.tree.nodes) - 1 >= self.settings.max_nodes_per_tree

    def screen(self, parent: VariantNode, expr: sympy.Expr | None, text: str | None) -> tuple[str | None, Any]:
        """``(drop_reason, (expr, key, difficulty))``; reason None means the candidate may be added."""
        s, var = self.settings, self.var
        if expr is None:
            try:
                expr, timed_out = call_with_timeout(lambda: C.parse_candidate(text or "", var), PARSE_TIMEOUT_S, None)
            except Exception:  # noqa: BLE001 - ParseError, or anything else the parser trips on: not an integrand
                return C.UNPARSABLE, None
            if timed_out or expr is None:
                return C.UNPARSABLE, None
        reason = C.invalid_reason(expr, var, s.max_integrand_ops)
        if reason:
            return reason, None
        reason = C.trivial_reason(expr, var, s.drop_monomials)
        if reason is None and s.drop_monomials and C.is_monomial(normal_form(expr, s.simplify_timeout_s), var):
            reason = C.TRIVIAL_MONOMIAL
        if reason:
            return reason, None
        key = canonical_key(expr, var, s.simplify_timeout_s)
        lineage = [parent.id] + [a.id for a in self.tree.ancestors(parent.id)]
        if key in {self.keys[i] for i in lineage}:
            return C.ANCESTOR, None
        if key in self.seen:
            return C.DUPLICATE, None
        difficulty = None
        if s.drop_harder_than_parent:
            difficulty = estimate_difficulty(expr, var, s.difficulty_timeout_s)
            if parent.difficulty is not None and difficulty[0] > parent.difficulty:
                return C.HARDER, None
        if self.full():
            return C.OVER_BUDGET, None
        return None, (expr, key, difficulty)

    def add(self, parent: VariantNode, payload: Any, source: str, **fields: Any) -> VariantNode:
        expr, key, difficulty = payload
        if difficulty is None:
            difficulty = estimate_difficulty(expr, self.var, self.settings.difficulty_timeout_s)
        node = VariantNode(
            id=f"n{len(self.tree.nodes)}", parent=parent.id, depth=parent.depth + 1, integrand=str(expr),
            source=source, difficulty=difficulty[0], difficulty_detail=difficulty[1], **fields,
        )
        self.tree.nodes[node.id] = node
        parent.children.append(node.id)
        self.exprs[node.id], self.keys[node.id] = expr, key
        self.seen.add(key)
        self.stats(source)["accepted"] += 1
        return node

    def offer(self, parent: VariantNode, source: str, expr: sympy.Expr | None, text: str | None,
              **fields: Any) -> VariantNode | None:
        self.stats(source)["proposed"] += 1
        reason, payload = self.screen(parent, expr, text)
        if reason:
            self.drop(source, reason)
            return None
        return self.add(parent, payload, source, **fields)

    def add_model_children(self, parent: VariantNode, proposals: Sequence[ModelProposal]) -> list[VariantNode]:
        added: list[VariantNode] = []
        for p in proposals:
            if len(added) >= self.settings.breadth:  # valid or not, extra proposals still get screened
                self.stats("model")["proposed"] += 1
                reason, _ = self.screen(parent, None, p.text)
                self.drop("model", reason or C.OVER_BUDGET)
                continue
            node = self.offer(parent, "model", None, p.text, persona=p.persona, temperature=p.temperature,
                              hints=list(p.hints), raw=p.text)
            if node is not None:
                added.append(node)
        return added

    def add_symbolic_children(self, parent: VariantNode, want: int, seed: int) -> list[VariantNode]:
        added: list[VariantNode] = []
        if want <= 0 or self.full():
            return added
        rng = random.Random(f"ladder-variants/{seed}/{parent.id}/symbolic")
        frac = self.settings.equivalent_fraction
        stream = symbolic_variants(self.exprs[parent.id], self.var, rng, frac)
        max_equivalent = math.ceil(self.settings.breadth * frac - 1e-9)
        n_equivalent = attempts = 0
        for r in stream:
            if len(added) >= want or self.full() or attempts >= symbolic_attempts(self.settings.breadth):
                break
            if r.kind == EQUIVALENT and n_equivalent >= max_equivalent:
                continue  # not proposed: the node already has its share of same-difficulty variants
            attempts += 1
            node = self.offer(parent, "symbolic", r.expr, None, rewrite=r.name, kind=r.kind)
            if node is not None:
                added.append(node)
                n_equivalent += r.kind == EQUIVALENT
        return added


def _start_tree(problem: str | sympy.Expr, settings: VariantSettings, seed: int, variable: str | None,
                tree_id: str | None) -> _Builder:
    root_expr, var = parse_root(problem, variable)
    root_diff = estimate_difficulty(root_expr, var, settings.difficulty_timeout_s)
    root = VariantNode(id="n0", parent=None, depth=0, integrand=str(root_expr), source="root",
                       difficulty=root_diff[0], difficulty_detail=root_diff[1])
    tree = VariantTree(
        tree_id=tree_id or make_tree_id(var, sympy.srepr(root_expr)), problem=str(problem), variable=var,
        nodes={root.id: root}, seed=seed, settings=settings.model_dump(mode="json"),
    )
    return _Builder(tree, root_expr, settings)


def _check_source(settings: VariantSettings, generate_fn: GenerateFn | None) -> None:
    if settings.variant_source in ("model", "mixed") and generate_fn is None:
        raise ValueError(
            f"variant_source={settings.variant_source!r} needs a generate_fn (or use variant_source='symbolic')"
        )


def _grow(builders: Sequence[_Builder], generate_fn: GenerateFn | None, settings: VariantSettings, seed: int) -> None:
    """Grow trees level by level; one model batch per level (and temperature) across all trees, seeded from
    ``seed`` and the level."""
    source = settings.variant_source
    for depth in range(1, settings.max_depth + 1):
        active = [b for b in builders if b.frontier and not b.full()]
        if not active:
            break
        per_request: list[list[ModelProposal]] = []
        slices: list[tuple[int, int]] = []
        if source in ("model", "mixed"):
            requests = []
            for b in active:
                reqs = build_requests([(n.id, n.integrand) for n in b.frontier], b.var, settings, b.prompt_rng,
                                      b.prompt_index)
                b.prompt_index += len(reqs)
                slices.append((len(requests), len(requests) + len(reqs)))
                requests += reqs
            variables = [b.var for b, (lo, hi) in zip(active, slices) for _ in range(lo, hi)]
            per_request = run_requests(requests, generate_fn, settings.max_new_tokens, variables,
                                       seed=mix_seed(seed, depth))
        for k, b in enumerate(active):
            proposals: dict[str, list[ModelProposal]] = {n.id: [] for n in b.frontier}
            if source in ("model", "mixed"):
                lo, hi = slices[k]
                st = b.stats("model")
                st["prompts"] += hi - lo
                st["empty_outputs"] += sum(not props for props in per_request[lo:hi])
                for props in per_request[lo:hi]:
                    for p in props:
                        proposals[p.parent_id].append(p)
            b.frontier = b.expand_level(proposals)


def generate_tree(
    problem: str | sympy.Expr,
    generate_fn: GenerateFn | None = None,
    *,
    settings: VariantSettings | None = None,
    seed: int | None = None,
    variable: str | None = None,
    tree_id: str | None = None,
) -> VariantTree:
    """Grow one variant tree from ``problem`` (see the module docstring); same seed + settings → same tree."""
    settings = settings or VariantSettings()
    seed = settings.seed if seed is None else seed
    _check_source(settings, generate_fn)
    b = _start_tree(problem, settings, seed, variable, tree_id)
    _grow([b], generate_fn, settings, b.seed)
    log.info("tree %s: %d variants, drops %s", b.tree.tree_id, len(b.tree.nodes) - 1, b.tree.drop_counts())
    return b.tree


def generate_forest(
    problems: Iterable[str | sympy.Expr],
    generate_fn: GenerateFn | None = None,
    *,
    settings: VariantSettings | None = None,
    seed: int | None = None,
    trees_per_batch: int = 16,
    progress: Callable[[int, VariantTree], None] | None = None,
) -> list[VariantTree]:
    """One tree per problem (tree ``i`` seeded ``seed + i``), grown ``trees_per_batch`` at a time so the
    model sees one batch per level for the whole group. Symbolic trees equal ``generate_tree``'s;
    model trees depend on the batching (same problems + seed + batch size → same forest)."""
    settings = settings or VariantSettings()
    base = settings.seed if seed is None else seed
    _check_source(settings, generate_fn)
    problems = list(problems)
    trees: list[VariantTree] = []
    for start in range(0, len(problems), max(1, trees_per_batch)):
        chunk = problems[start:start + max(1, trees_per_batch)]
        builders = [_start_tree(p, settings, base + start + i, None, None) for i, p in enumerate(chunk)]
        _grow(builders, generate_fn, settings, base + start)
        for i, b in enumerate(builders):
            trees.append(b.tree)
            if progress is not None:
                progress(start + i, b.tree)
    return trees


def summarize_stats(trees: VariantTree | Iterable[VariantTree]) -> dict[str, dict[str, Any]]:
    """Per source: prompts, empty outputs, proposed, valid (accepted + over_budget), accepted, drops, rates."""
    if isinstance(trees, VariantTree):
        trees = [trees]
    out: dict[str, dict[str, Any]] = {}
    for t in trees:
        for source, st in t.stats.items():
            agg = out.setdefault(source, _new_stats())
            for k in ("prompts", "empty_outputs", "proposed", "accepted"):
                agg[k] += st.get(k, 0)
            for reason, n in st.get("dropped", {}).items():
                agg["dropped"][reason] = agg["dropped"].get(reason, 0) + n
    for agg in out.values():
        agg["valid"] = agg["accepted"] + agg["dropped"].get(C.OVER_BUDGET, 0)
        agg["valid_rate"] = round(agg["valid"] / agg["proposed"], 4) if agg["proposed"] else None
        agg["dropped"] = dict(sorted(agg["dropped"].items()))
    return out
