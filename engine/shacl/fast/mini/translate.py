"""The parsed query (tuple AST) as algebra (``algebra``), variable names resolved to slots.

Follows the SPARQL translation as Oxigraph's parser does it: FILTERs apply to their whole
group, an OPTIONAL's own filter becomes the left join's condition, BIND extends the group
so far, ``^`` and ``/`` at the top of a path become triple patterns joined through hidden
variables, and inside GRAPH every pattern gets the graph (an empty group enumerating the
named graphs).
"""

from __future__ import annotations

from typing import Any

from engine.shacl.fast.mini.algebra import (
    BGP,
    Empty,
    Extend,
    Filter,
    GraphEnum,
    Item,
    LeftJoin,
    Minus,
    Node,
    PathPat,
    Pos,
    SubSelect,
    TriplePat,
    Union,
    ValuesPat,
    analyse,
    join,
    refuse_trap,
)
from engine.shacl.fast.model import Unsupported


class Scope:
    """Variable name -> slot, shared by a query, its EXISTS patterns and sub-selects (whose
    non-projected variables get private slots)."""

    def __init__(self) -> None:
        self.slots: dict[str, int] = {}
        self.names: list[str] = []
        self.hidden = 0

    def slot(self, name: str) -> int:
        s = self.slots.get(name)
        if s is None:
            s = self.slots[name] = len(self.names)
            self.names.append(name)
        return s

    def fresh(self, label: str) -> int:
        self.hidden += 1
        name = f"\x00{label}{self.hidden}"
        return self.slot(name)


class Translator:
    def __init__(self, scope: Scope, rename: dict[str, str] | None = None) -> None:
        self.scope = scope
        self.rename = rename or {}
        #: facts the substitution check needs
        self.expr_names: set[str] = set()
        self.values_names: set[str] = set()
        self.bind_names: set[str] = set()
        self.has_minus = False
        self.has_subselect = False
        self.subqueries: list[Any] = []

    def var(self, name: str) -> int:
        return self.scope.slot(self.rename.get(name, name))

    def pos(self, t: Any) -> Pos:
        if t[0] == "var":
            return ("v", self.var(t[1]))
        return ("c", t[1])

    # --- expressions: names -> slots -------------------------------------------------------
    def expr(self, e: Any, graph: Pos | None) -> Any:
        tag = e[0]
        if tag == "var":
            self.expr_names.add(self.rename.get(e[1], e[1]))
            return ("v", self.var(e[1]))
        if tag == "const":
            return ("c", e[1])
        if tag in ("and", "or"):
            return (tag, [self.expr(x, graph) for x in e[1]])
        if tag == "not":
            return ("not", self.expr(e[1], graph))
        if tag == "cmp":
            return ("cmp", e[1], self.expr(e[2], graph), self.expr(e[3], graph))
        if tag == "in":
            return ("in", self.expr(e[1], graph), [self.expr(x, graph) for x in e[2]], e[3])
        if tag == "exists":
            return ("exists", self.group(e[1], graph), e[2])
        if tag == "call":
            if e[1] == "BOUND":
                self.expr_names.add(self.rename.get(e[2][0][1], e[2][0][1]))
            return ("call", e[1], [self.expr(x, graph) for x in e[2]])
        if tag == "cast":
            return ("cast", e[1], self.expr(e[2], graph))
        if tag == "agg":
            raise Unsupported("aggregate outside SELECT / HAVING")
        if tag in ("arith", "neg", "plus"):
            raise Unsupported("arithmetic (+ - * / and unary minus on expressions)")
        raise Unsupported(f"expression {tag}")

    # --- patterns ------------------------------------------------------------------------------
    def group(self, g: Any, graph: Pos | None) -> Node:
        acc: Node | None = None
        filters: list[Any] = []
        for el in g[1]:
            tag = el[0]
            if tag == "triples":
                items: list[Item] = []
                for s, p, o in el[1]:
                    self.expand(self.pos(s), p, self.pos(o), graph, items)
                acc = join(acc, BGP(items))
            elif tag == "group":
                acc = join(acc, self.group(el, graph))
            elif tag == "union":
                acc = join(acc, Union([self.group(b, graph) for b in el[1]]))
            elif tag == "optional":
                right = self.group(el[1], graph)
                expr = None
                if isinstance(right, Filter):
                    expr = right.exprs[0] if len(right.exprs) == 1 else ("and", right.exprs)
                    right = right.a
                acc = LeftJoin(self.start(acc, graph), right, expr)
            elif tag == "minus":
                self.has_minus = True
                acc = Minus(self.start(acc, graph), self.group(el[1], graph))
            elif tag == "graph":
                if graph is not None:
                    raise Unsupported("nested GRAPH")
                name = self.pos(el[1])
                inner = self.group(el[2], name)
                refuse_trap(inner, name)
                acc = join(acc, inner)
            elif tag == "bind":
                target = self.rename.get(el[2], el[2])
                self.bind_names.add(target)
                expr = self.expr(el[1], graph)
                base = self.start(acc, graph)
                analyse(base)
                slot = self.var(el[2])
                if slot in base.maybe:
                    raise _Refused(f"BIND variable ?{el[2]} already in scope")
                acc = Extend(base, slot, expr)
            elif tag == "values":
                self.values_names.update(self.rename.get(v, v) for v in el[1])
                vp = ValuesPat([self.var(v) for v in el[1]], el[2])
                acc = join(acc, BGP([vp]))
            elif tag == "filter":
                filters.append(self.expr(el[1], graph))
            elif tag == "subselect":
                if graph is not None:
                    raise Unsupported("sub-select inside GRAPH")
                self.has_subselect = True
                acc = join(acc, SubSelect(self.subquery(el[1])))
            else:
                raise Unsupported(f"group element {tag}")
        node = self.start(acc, graph)
        if filters:
            node = Filter(node, filters)
        return node

    @staticmethod
    def start(acc: Node | None, graph: Pos | None) -> Node:
        """The group so far; empty is the one empty solution, or inside GRAPH, one solution
        per named graph."""
        if acc is not None:
            return acc
        return BGP([GraphEnum(graph)]) if graph is not None else Empty()

    def subquery(self, q: dict[str, Any]) -> Any:
        from engine.shacl.fast.mini.query import QueryPlan

        projected = {name for name, _ in q["projection"] or []}
        if q["projection"] is None:
            raise Unsupported("SELECT * in a sub-select")
        inner_names = _pattern_names(q["where"])
        rename = dict(self.rename)
        for name in inner_names | {n for n, _ in q["projection"]}:
            if name not in projected:
                self.scope.hidden += 1
                rename[name] = f"\x00sub{self.scope.hidden}:{name}"
        sub = Translator(self.scope, rename)
        plan = QueryPlan(q, sub, top=False)
        self.expr_names |= sub.expr_names
        self.values_names |= sub.values_names
        self.bind_names |= sub.bind_names
        return plan

    # --- property paths ------------------------------------------------------------------------
    def expand(self, s: Pos, p: Any, o: Pos, g: Pos | None, out: list[Item]) -> None:
        tag = p[0]
        if tag == "var":
            out.append(TriplePat(s, ("v", self.var(p[1])), o, g))
        elif tag == "link":
            out.append(TriplePat(s, ("c", p[1]), o, g))
        elif tag == "inv":
            self.expand(o, p[1], s, g, out)
        elif tag == "seq":
            parts = p[1]
            cur = s
            for k, part in enumerate(parts):
                nxt = o if k == len(parts) - 1 else ("v", self.scope.fresh("seq"))
                self.expand(cur, part, nxt, g, out)
                cur = nxt
        else:
            out.append(PathPat(s, program(p), o, g))


class _Refused(Exception):
    """The query breaks a rule Oxigraph's parser checks; ``_refuse`` decides the error."""


def program(p: Any) -> Any:
    tag = p[0]
    if tag == "link":
        return ("link", p[1])
    if tag == "inv":
        return ("inv", program(p[1]))
    if tag == "seq":
        prog = program(p[1][0])
        for part in p[1][1:]:
            prog = ("seq", prog, program(part))
        return prog
    if tag == "alt":
        return ("alt", [program(x) for x in p[1]])
    if tag == "mod":
        return ({"*": "star", "+": "plus", "?": "opt"}[p[2]], program(p[1]))
    raise Unsupported(f"path {tag}")


def _pattern_names(g: Any) -> set[str]:
    """Every variable name in a group AST (for renaming a sub-select's private variables)."""
    names: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, tuple):
            if len(x) == 2 and x[0] == "var" and isinstance(x[1], str):
                names.add(x[1])
                return
            for y in x:
                walk(y)
        elif isinstance(x, list):
            for y in x:
                walk(y)
        elif isinstance(x, dict):
            for y in x.values():
                walk(y)

    walk(g)
    # VALUES and BIND name variables as plain strings
    def walk_plain(x: Any) -> None:
        if isinstance(x, tuple) and x:
            if x[0] == "values":
                names.update(x[1])
            elif x[0] == "bind":
                names.add(x[2])
            for y in x:
                walk_plain(y)
        elif isinstance(x, list):
            for y in x:
                walk_plain(y)

    walk_plain(g)
    return names


# =============================================================================================
# Paths: set semantics per graph, as Oxigraph's PathEvaluator
# =============================================================================================
