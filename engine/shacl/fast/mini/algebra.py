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

from engine.shacl.fast.mini.terms import Term
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
    """(certainly bound, maybe bound) slots of a BGP item."""
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
        from engine.shacl.fast.mini.plan import expr_vars

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
