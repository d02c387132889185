"""The parsed query as SPARQL algebra, the way Oxigraph's parser and optimizer build it.

Differences from the textbook translation that matter to results, all Oxigraph's:

* property paths: ``^`` and ``/`` at the top of a path are expanded into triple patterns (a
  sequence joins through a hidden variable, keeping duplicates); what remains (``| * + ?``)
  is evaluated with set semantics, and the zero-length step only exists from a node of the
  graph (a subject or object in it);
* inside ``GRAPH x``, every quad pattern gets the graph, and an empty group enumerates the
  named graphs; a VALUES block or a sub-select does not, which leaves ``?g`` unbound
  (the compiler's "trap") -- mini refuses those shapes instead of copying the bug.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.shacl.fast.mini.terms import Term, iri
from engine.shacl.fast.model import Unsupported

# A position in a pattern: ("v", slot) or ("c", term). A graph: None (the default graph) or
# a position.
Pos = tuple[str, Any]


@dataclass
class Node:
    certain: frozenset[int] = field(default=frozenset(), init=False)
    maybe: frozenset[int] = field(default=frozenset(), init=False)


@dataclass
class TriplePat:
    s: Pos
    p: Pos
    o: Pos
    g: Pos | None


@dataclass
class PathPat:
    s: Pos
    path: Any  # path program, see ``expand``
    o: Pos
    g: Pos | None


@dataclass
class GraphEnum:
    g: Pos


@dataclass
class ValuesPat:
    slots: list[int]
    rows: list[list[Term | None]]


Item = TriplePat | PathPat | GraphEnum | ValuesPat


@dataclass
class BGP(Node):
    items: list[Item]


@dataclass
class Empty(Node):
    pass


@dataclass
class Join(Node):
    a: Node
    b: Node


@dataclass
class LeftJoin(Node):
    a: Node
    b: Node
    expr: Any  # AST or None


@dataclass
class Filter(Node):
    a: Node
    exprs: list[Any]


@dataclass
class Union(Node):
    items: list[Node]


@dataclass
class Minus(Node):
    a: Node
    b: Node


@dataclass
class Extend(Node):
    a: Node
    slot: int
    expr: Any


@dataclass
class SubSelect(Node):
    query: Any  # the sub-query's compiled form (see plan.QueryPlan)


def item_vars(item: Item) -> tuple[set[int], set[int]]:
    """(certainly bound, maybe bound) slots of a BGP item (worked out once per item)."""
    cached = item.__dict__.get("_vars")
    if cached is None:
        cached = item.__dict__["_vars"] = _item_vars(item)
    return cached  # type: ignore[no-any-return]


def _item_vars(item: Item) -> tuple[set[int], set[int]]:
    if isinstance(item, TriplePat | PathPat):
        positions = [item.s, item.o] + ([item.p] if isinstance(item, TriplePat) else [])
        vs: set[int] = {p[1] for p in positions if p[0] == "v"}
        if item.g is not None and item.g[0] == "v":
            vs.add(item.g[1])
        return vs, vs
    if isinstance(item, GraphEnum):
        gs: set[int] = {item.g[1]} if item.g[0] == "v" else set()
        return gs, gs
    maybe = set(item.slots)
    certain = {s for k, s in enumerate(item.slots) if all(r[k] is not None for r in item.rows)}
    return certain, maybe


def analyse(node: Node) -> Node:
    """Fill ``certain`` and ``maybe`` bottom-up."""
    if isinstance(node, BGP):
        c: set[int] = set()
        m: set[int] = set()
        for it in node.items:
            ic, im = item_vars(it)
            c |= ic
            m |= im
        node.certain, node.maybe = frozenset(c), frozenset(m)
    elif isinstance(node, Empty):
        pass
    elif isinstance(node, Join):
        analyse(node.a)
        analyse(node.b)
        node.certain = node.a.certain | node.b.certain
        node.maybe = node.a.maybe | node.b.maybe
    elif isinstance(node, LeftJoin):
        analyse(node.a)
        analyse(node.b)
        node.certain = node.a.certain
        node.maybe = node.a.maybe | node.b.maybe
    elif isinstance(node, Filter):
        analyse(node.a)
        node.certain, node.maybe = node.a.certain, node.a.maybe
    elif isinstance(node, Union):
        for branch in node.items:
            analyse(branch)
        node.certain = frozenset.intersection(*(b.certain for b in node.items))
        node.maybe = frozenset().union(*(b.maybe for b in node.items))
    elif isinstance(node, Minus):
        analyse(node.a)
        analyse(node.b)
        node.certain, node.maybe = node.a.certain, node.a.maybe
    elif isinstance(node, Extend):
        analyse(node.a)
        node.certain = node.a.certain
        node.maybe = node.a.maybe | {node.slot}
    elif isinstance(node, SubSelect):
        node.certain = node.query.certain
        node.maybe = node.query.maybe
    return node


RDF_TYPE = iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")  # held: identity is stable


def required(node: Node) -> tuple[frozenset[Term], frozenset[Term]]:
    """(predicates, classes) without which ``node`` has no solution: the constant predicates
    of the triple patterns every solution matches, and the constant classes of its
    ``rdf:type`` patterns. When one of them occurs in no graph of a dataset, the pattern is
    empty there, whatever graph it is evaluated in. Paths, sub-selects and the optional
    side of OPTIONAL, MINUS and EXISTS contribute nothing; a UNION only what all its
    branches need."""
    if isinstance(node, BGP):
        preds: set[Term] = set()
        classes: set[Term] = set()
        for it in node.items:
            if isinstance(it, TriplePat) and it.p[0] == "c":
                preds.add(it.p[1])
                if it.p[1] is RDF_TYPE and it.o[0] == "c":
                    classes.add(it.o[1])
        return frozenset(preds), frozenset(classes)
    if isinstance(node, Join):
        ap, ac = required(node.a)
        bp, bc = required(node.b)
        return ap | bp, ac | bc
    if isinstance(node, LeftJoin | Filter | Minus | Extend):
        return required(node.a)
    if isinstance(node, Union) and node.items:
        parts = [required(b) for b in node.items]
        return (frozenset.intersection(*(p for p, _ in parts)),
                frozenset.intersection(*(c for _, c in parts)))
    return frozenset(), frozenset()


def binds_graph(node: Node, g: Pos) -> bool:
    """Does every solution of ``node`` (built inside GRAPH g) come from g's quads?"""
    if isinstance(node, BGP):
        return any(not isinstance(it, ValuesPat) for it in node.items)
    if isinstance(node, Join):
        return binds_graph(node.a, g) or binds_graph(node.b, g)
    if isinstance(node, Union):
        return all(binds_graph(it, g) for it in node.items)
    if isinstance(node, LeftJoin | Filter | Extend | Minus):
        return binds_graph(node.a, g)
    return False


def join(a: Node | None, b: Node) -> Node:
    if a is None or isinstance(a, Empty):
        return b
    if isinstance(b, Empty):
        return a
    if isinstance(a, BGP) and isinstance(b, BGP):
        return BGP(a.items + b.items)
    return Join(a, b)


def safe(node: Node, in_scope: frozenset[int] = frozenset()) -> bool:
    """Can ``node`` be evaluated from a row carrying more bindings (a lateral join) and give
    exactly the rows of the plain join? True for patterns whose results only narrow."""
    if isinstance(node, BGP | Empty):
        return True
    if isinstance(node, Join):
        return safe(node.a) and safe(node.b)
    if isinstance(node, Union):
        return all(safe(it) for it in node.items)
    if isinstance(node, Filter):
        if not safe(node.a):
            return False
        for e in node.exprs:
            used, has_exists = expr_vars(e)
            if has_exists or not used <= node.a.certain:
                return False
        return True
    return False


def refuse_trap(node: Node, g: Pos) -> None:
    if not binds_graph(node, g):
        raise Unsupported("VALUES or a sub-select inside GRAPH without a pattern that binds "
                          "the graph (Oxigraph 0.5.13 leaves the graph variable unbound there)")


def _exists_vars(e: Any, out: set[int]) -> None:
    """Slots mentioned by the EXISTS patterns inside an expression."""
    if not isinstance(e, tuple) or not e:
        return
    if e[0] == "exists":
        node = analyse(e[1])
        out |= node.maybe
        _pattern_exists_vars(node, out, frozenset())
        return
    for x in e[1:]:
        if isinstance(x, tuple):
            _exists_vars(x, out)
        elif isinstance(x, list):
            for y in x:
                _exists_vars(y, out)


def _pattern_exists_vars(node: Node, out: set[int], _: frozenset[int]) -> None:
    out |= leaky_exists_vars(node)


def leaky_exists_vars(node: Node) -> set[int]:
    """Variables an EXISTS inside ``node`` reads that the pattern feeding it does not bind
    for sure. Oxigraph's optimizer joins a pattern holding such an EXISTS as the inner loop
    of a for-loop join (it checks plain variables, not those inside EXISTS), so the EXISTS
    then sees the other side's bindings; a plain join would not show them."""
    out: set[int] = set()
    if isinstance(node, Filter):
        for e in node.exprs:
            used: set[int] = set()
            _exists_vars(e, used)
            out |= used - node.a.certain
        out |= leaky_exists_vars(node.a)
    elif isinstance(node, Extend):
        used = set()
        _exists_vars(node.expr, used)
        out |= used - node.a.certain
        out |= leaky_exists_vars(node.a)
    elif isinstance(node, LeftJoin):
        if node.expr is not None:
            used = set()
            _exists_vars(node.expr, used)
            out |= used - (node.a.certain | node.b.certain)
        out |= leaky_exists_vars(node.a) | leaky_exists_vars(node.b)
    elif isinstance(node, Join | Minus):
        out |= leaky_exists_vars(node.a) | leaky_exists_vars(node.b)
    elif isinstance(node, Union):
        for it in node.items:
            out |= leaky_exists_vars(it)
    return out


def refuse_leaky_join(left: Node, right: Node, both_ways: bool) -> None:
    """Refuse a join whose outcome depends on Oxigraph's choice of join algorithm."""
    if leaky_exists_vars(right) & left.maybe or (
            both_ways and leaky_exists_vars(left) & right.maybe):
        raise Unsupported("EXISTS inside one side of a join reading a variable of the other "
                          "side (Oxigraph's for-loop join lets it see that binding)")


def _plain_expr_vars(e: Any, out: set[int]) -> None:
    """Slots an expression reads directly (not inside the patterns of its EXISTS)."""
    if not isinstance(e, tuple) or not e:
        return
    tag = e[0]
    if tag == "exists":
        return
    if tag in ("v", "agg_slot"):
        out.add(e[1])
        return
    for x in e[1:]:
        if isinstance(x, tuple):
            _plain_expr_vars(x, out)
        elif isinstance(x, list):
            for y in x:
                _plain_expr_vars(y, out)


def refuse_outer_reads(node: Node) -> None:
    """Inside an EXISTS pattern, refuse an expression reading a variable that no pattern
    of the EXISTS binds. Oxigraph evaluates the pattern from the current solution, but its
    optimizer types the pattern's FILTER and BIND on their own and folds them as if that
    variable were unbound (a FILTER becomes empty, a BIND is dropped, bound() is false)."""
    if isinstance(node, Filter):
        for e in node.exprs:
            used: set[int] = set()
            _plain_expr_vars(e, used)
            if not used <= node.a.maybe:
                raise Unsupported("an expression inside EXISTS reading a variable bound only "
                                  "outside it (Oxigraph folds it as unbound)")
        refuse_outer_reads(node.a)
    elif isinstance(node, Extend):
        used = set()
        _plain_expr_vars(node.expr, used)
        if not used <= node.a.maybe:
            raise Unsupported("a BIND inside EXISTS reading a variable bound only outside it "
                              "(Oxigraph folds it as unbound)")
        refuse_outer_reads(node.a)
    elif isinstance(node, LeftJoin):
        if node.expr is not None:
            used = set()
            _plain_expr_vars(node.expr, used)
            if not used <= node.a.maybe | node.b.maybe:
                raise Unsupported("an OPTIONAL filter inside EXISTS reading a variable bound "
                                  "only outside it (Oxigraph folds it as unbound)")
        refuse_outer_reads(node.a)
        refuse_outer_reads(node.b)
    elif isinstance(node, Join | Minus):
        refuse_outer_reads(node.a)
        refuse_outer_reads(node.b)
    elif isinstance(node, Union):
        for it in node.items:
            refuse_outer_reads(it)


def expr_vars(e: Any) -> tuple[set[int], bool]:
    """Slots an expression reads, and whether it holds an EXISTS."""
    used: set[int] = set()
    has_exists = False

    def walk(x: Any) -> None:
        nonlocal has_exists
        tag = x[0]
        if tag == "v":
            used.add(x[1])
        elif tag == "exists":
            has_exists = True
        elif tag in ("and", "or"):
            for y in x[1]:
                walk(y)
        elif tag == "not":
            walk(x[1])
        elif tag == "cmp":
            walk(x[2])
            walk(x[3])
        elif tag == "in":
            walk(x[1])
            for y in x[2]:
                walk(y)
        elif tag == "call":
            for y in x[2]:
                walk(y)
        elif tag == "cast":
            walk(x[2])
        elif tag == "agg_slot":
            used.add(x[1])

    walk(e)
    return used, has_exists


# =============================================================================================
# Translation: AST -> algebra (with variable names resolved to slots)
# =============================================================================================
