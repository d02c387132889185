"""From the parsed query to evaluator closures.

A row is a list with one slot per variable (``None`` = unbound). Every pattern compiles to a
function ``ev(env, row) -> list[row]`` returning the solutions that extend ``row``; the row is
how bindings flow into a lateral join's right side, into ``EXISTS`` (Oxigraph evaluates the
pattern from the current solution) and from ``substitutions``. Rows are never mutated once
made: a step copies before binding.

Basic graph patterns are ordered once, at prepare time, from what is bound on entry (a
constant or bound subject first, then a constant object, then the predicate alone); each
triple pattern is a chain step doing one or two dict lookups.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import itemgetter
from typing import Any

from engine.shacl.fast.mini import functions as F
from engine.shacl.fast.mini import values as V
from engine.shacl.fast.mini.algebra import (
    BGP,
    Empty,
    Extend,
    Filter,
    GraphEnum,
    Item,
    Join,
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
    refuse_leaky_join,
    refuse_outer_reads,
    refuse_trap,
    safe,
)
from engine.shacl.fast.mini.dataset import Graph
from engine.shacl.fast.mini.regex import translate
from engine.shacl.fast.mini.terms import EMPTY, FALSE, LITERAL, TRUE, Term, from_value, iri, literal
from engine.shacl.fast.model import Unsupported

Row = list[Any]
Eval = Callable[[Any, Row], list[Row]]
Step = Callable[[Any, Row, list[Row]], None]
ValueFn = Callable[[Any, Row], Term | None]
TestFn = Callable[[Any, Row], bool | None]

_EMPTY_GRAPH = Graph()
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class Env:
    """What one run sees: the default graph and the named graphs."""

    __slots__ = ("default", "named", "named_list")

    def __init__(self, default: Graph, named: dict[Term, Graph],
                 named_list: list[tuple[Term, Graph]]) -> None:
        self.default = default
        self.named = named
        self.named_list = named_list


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
        from engine.shacl.fast.mini.plan import QueryPlan

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
def path_from(prog: Any, g: Graph, start: Term) -> set[Term]:
    tag = prog[0]
    if tag == "link":
        pm = g.spo.get(start)
        if pm is None:
            return set()
        return set(pm.get(prog[1], ()))
    if tag == "inv":
        return path_to(prog[1], g, start)
    if tag == "seq":
        out: set[Term] = set()
        for m in path_from(prog[1], g, start):
            out |= path_from(prog[2], g, m)
        return out
    if tag == "alt":
        out = set()
        for x in prog[1]:
            out |= path_from(x, g, start)
        return out
    if tag == "star":
        if start not in g.nodes:
            return set()
        return _closure({start}, prog[1], g, path_from)
    if tag == "plus":
        return _closure(path_from(prog[1], g, start), prog[1], g, path_from)
    if tag == "opt":
        if start not in g.nodes:
            return set()
        return {start} | path_from(prog[1], g, start)
    raise AssertionError(tag)


def path_to(prog: Any, g: Graph, end: Term) -> set[Term]:
    tag = prog[0]
    if tag == "link":
        om = g.pos.get(prog[1])
        if om is None:
            return set()
        return set(om.get(end, ()))
    if tag == "inv":
        return path_from(prog[1], g, end)
    if tag == "seq":
        out: set[Term] = set()
        for m in path_to(prog[2], g, end):
            out |= path_to(prog[1], g, m)
        return out
    if tag == "alt":
        out = set()
        for x in prog[1]:
            out |= path_to(x, g, end)
        return out
    if tag == "star":
        if end not in g.nodes:
            return set()
        return _closure({end}, prog[1], g, path_to)
    if tag == "plus":
        return _closure(path_to(prog[1], g, end), prog[1], g, path_to)
    if tag == "opt":
        if end not in g.nodes:
            return set()
        return {end} | path_to(prog[1], g, end)
    raise AssertionError(tag)


def _closure(seed: set[Term], step: Any, g: Graph,
             move: Callable[[Any, Graph, Term], set[Term]]) -> set[Term]:
    seen = set(seed)
    todo = list(seed)
    while todo:
        for nxt in move(step, g, todo.pop()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def path_closed(prog: Any, g: Graph, s: Term, o: Term) -> bool:
    tag = prog[0]
    if tag in ("star", "opt") and s is o:
        return s in g.nodes
    if tag == "opt":
        return path_closed(prog[1], g, s, o)
    if tag == "link":
        pm = g.spo.get(s)
        return pm is not None and o in pm.get(prog[1], ())
    return o in path_from(prog, g, s)


def path_open(prog: Any, g: Graph) -> list[tuple[Term, Term]]:
    return [(n, m) for n in g.nodes for m in path_from(prog, g, n)]


# =============================================================================================
# Compilation of patterns
# =============================================================================================
def _lookup(graph: Graph, s: Term | None, p: Term | None,
            o: Term | None) -> Any:
    if s is not None:
        pm = graph.spo.get(s)
        if pm is None:
            return ()
        if p is not None:
            objs = pm.get(p)
            if objs is None:
                return ()
            if o is not None:
                return ((s, p, o),) if o in objs else ()
            return [(s, p, x) for x in objs]
        if o is not None:
            return [(s, q, o) for q, objs in pm.items() if o in objs]
        return [(s, q, x) for q, objs in pm.items() for x in objs]
    if o is not None:
        if p is not None:
            m = graph.pos.get(p)
            if m is None:
                return ()
            subs = m.get(o)
            return [(x, p, o) for x in subs] if subs else ()
        return [(x, q, o) for x, q in graph.osp.get(o, ())]
    if p is not None:
        m = graph.pos.get(p)
        if m is None:
            return ()
        return [(x, p, y) for y, subs in m.items() for x in subs]
    return graph.triples


def _triple_step(item: TriplePat, nxt: Step | None) -> Step:
    """One triple pattern as a chain step; the common shapes (a bound subject or object and
    a constant predicate) are single dict lookups."""
    (sk, sx), (pk, px), (ok, ox) = item.s, item.p, item.o
    svar, pvar, ovar = sk == "v", pk == "v", ok == "v"
    g = item.g
    var_slots = [x for k, x in ((sk, sx), (pk, px), (ok, ox)) if k == "v"]
    if len(set(var_slots)) != len(var_slots):
        return _generic_triple_step(item, nxt)

    def match(graph: Graph, row: Row, out: list[Row], env: Env) -> None:
        s = row[sx] if svar else sx
        p = row[px] if pvar else px
        o = row[ox] if ovar else ox
        if p is not None:
            if s is not None:
                pm = graph.spo.get(s)
                if pm is None:
                    return
                objs = pm.get(p)
                if objs is None:
                    return
                if o is not None:
                    if o in objs:
                        if nxt is None:
                            out.append(row)
                        else:
                            nxt(env, row, out)
                    return
                for x in objs:
                    r = row.copy()
                    r[ox] = x
                    if nxt is None:
                        out.append(r)
                    else:
                        nxt(env, r, out)
                return
            om = graph.pos.get(p)
            if om is None:
                return
            if o is not None:
                subs = om.get(o)
                if subs is None:
                    return
                for x in subs:
                    r = row.copy()
                    r[sx] = x
                    if nxt is None:
                        out.append(r)
                    else:
                        nxt(env, r, out)
                return
            for y, subs in om.items():
                for x in subs:
                    r = row.copy()
                    r[sx] = x
                    r[ox] = y
                    if nxt is None:
                        out.append(r)
                    else:
                        nxt(env, r, out)
            return
        for t in _lookup(graph, s, p, o):
            r = row.copy()
            if s is None:
                r[sx] = t[0]
            r[px] = t[1]
            if o is None:
                r[ox] = t[2]
            if nxt is None:
                out.append(r)
            else:
                nxt(env, r, out)

    return _with_graph(g, match)


def _with_graph(g: Pos | None, match: Callable[[Graph, Row, list[Row], Env], None]) -> Step:
    """The step for a pattern in the default graph, a named graph, or GRAPH ?var."""
    if g is None:
        def default_step(env: Env, row: Row, out: list[Row]) -> None:
            match(env.default, row, out, env)

        return default_step
    if g[0] == "c":
        name = g[1]

        def const_step(env: Env, row: Row, out: list[Row]) -> None:
            graph = env.named.get(name)
            if graph is not None:
                match(graph, row, out, env)

        return const_step
    slot = g[1]

    def var_step(env: Env, row: Row, out: list[Row]) -> None:
        cur = row[slot]
        if cur is not None:
            graph = env.named.get(cur)
            if graph is not None:
                match(graph, row, out, env)
            return
        for gname, graph in env.named_list:
            r = row.copy()
            r[slot] = gname
            match(graph, r, out, env)

    return var_step


def _generic_triple_step(item: TriplePat, nxt: Step | None) -> Step:
    """A pattern repeating a variable (``?x ?p ?x``): every match checks the repeats."""
    positions = [(i, x) for i, (k, x) in enumerate((item.s, item.p, item.o)) if k == "v"]
    consts = [x if k == "c" else None for k, x in (item.s, item.p, item.o)]

    def match(graph: Graph, row: Row, out: list[Row], env: Env) -> None:
        key = list(consts)
        for i, slot in positions:
            key[i] = row[slot]
        for t in _lookup(graph, key[0], key[1], key[2]):
            r = row.copy()
            for i, slot in positions:
                cur = r[slot]
                if cur is None:
                    r[slot] = t[i]
                elif cur is not t[i]:
                    break
            else:
                if nxt is None:
                    out.append(r)
                else:
                    nxt(env, r, out)

    return _with_graph(item.g, match)


def _path_step(item: PathPat, nxt: Step | None) -> Step:
    (sk, sx), (ok, ox) = item.s, item.o
    prog = item.path
    same = sk == "v" and ok == "v" and sx == ox

    def emit(env: Env, r: Row, out: list[Row]) -> None:
        if nxt is None:
            out.append(r)
        else:
            nxt(env, r, out)

    def match(graph: Graph, row: Row, out: list[Row], env: Env) -> None:
        s = row[sx] if sk == "v" else sx
        o = row[ox] if ok == "v" else ox
        if s is not None and o is not None:
            if path_closed(prog, graph, s, o):
                emit(env, row, out)
        elif s is not None:
            for m in path_from(prog, graph, s):
                r = row.copy()
                r[ox] = m
                emit(env, r, out)
        elif o is not None:
            for m in path_to(prog, graph, o):
                r = row.copy()
                r[sx] = m
                emit(env, r, out)
        else:
            for a, b in path_open(prog, graph):
                if same and a is not b:
                    continue
                r = row.copy()
                r[sx] = a
                r[ox] = b
                emit(env, r, out)

    return _with_graph(item.g, match)


def _genum_step(item: GraphEnum, nxt: Step | None) -> Step:
    gk, gx = item.g

    def step(env: Env, row: Row, out: list[Row]) -> None:
        if gk == "c":
            found = [row] if gx in env.named else []
        else:
            cur = row[gx]
            if cur is not None:
                found = [row] if cur in env.named else []
            else:
                found = []
                for name, _ in env.named_list:
                    r = row.copy()
                    r[gx] = name
                    found.append(r)
        for r in found:
            if nxt is None:
                out.append(r)
            else:
                nxt(env, r, out)

    return step


def _values_step(item: ValuesPat, nxt: Step | None) -> Step:
    slots = item.slots
    rows = item.rows
    if len(slots) == 1 and all(r[0] is not None for r in rows):
        # one variable, no UNDEF: a set test when bound, else one row per value
        slot = slots[0]
        values = [r[0] for r in rows]
        members = frozenset(values)

        def single(env: Env, row: Row, out: list[Row]) -> None:
            cur = row[slot]
            if cur is not None:
                if cur in members:
                    for _ in range(values.count(cur)):
                        if nxt is None:
                            out.append(row)
                        else:
                            nxt(env, row, out)
                return
            for v in values:
                r = row.copy()
                r[slot] = v
                if nxt is None:
                    out.append(r)
                else:
                    nxt(env, r, out)

        return single

    def step(env: Env, row: Row, out: list[Row]) -> None:
        for vr in rows:
            r = row
            copied = False
            ok = True
            for slot, v in zip(slots, vr, strict=True):
                if v is None:
                    continue
                cur = r[slot]
                if cur is None:
                    if not copied:
                        r = r.copy()
                        copied = True
                    r[slot] = v
                elif cur is not v:
                    ok = False
                    break
            if ok:
                if nxt is None:
                    out.append(r)
                else:
                    nxt(env, r, out)

    return step


def _item_step(it: Item, nxt: Step | None) -> Step:
    if isinstance(it, TriplePat):
        return _triple_step(it, nxt)
    if isinstance(it, PathPat):
        return _path_step(it, nxt)
    if isinstance(it, GraphEnum):
        return _genum_step(it, nxt)
    return _values_step(it, nxt)


class _Found(Exception):
    pass


_NO_OUT: list[Row] = []


def _stop(env: Env, row: Row, out: list[Row]) -> None:
    raise _Found


def _cost(item: Item, bound: set[int]) -> float:
    """A rough count of the rows the item yields with ``bound`` variables bound."""
    if isinstance(item, TriplePat):
        s = item.s[0] == "c" or item.s[1] in bound
        p = item.p[0] == "c" or item.p[1] in bound
        o = item.o[0] == "c" or item.o[1] in bound
        g = item.g
        extra = 0.0 if g is None or g[0] == "c" or g[1] in bound else 0.5
        if s:
            return (0.1 if o else 1) + extra if p else 4 + extra
        if o:
            if p:
                rdf_type = item.p[0] == "c" and item.p[1].lex == _RDF_TYPE
                return (5 if rdf_type else 3) + extra
            return 10 + extra
        return (20 if p else 100) + extra
    if isinstance(item, ValuesPat):
        return 0.5 + len(item.rows) / 10
    if isinstance(item, GraphEnum):
        return 0.2 if item.g[0] == "c" or item.g[1] in bound else 2.0
    g = item.g
    extra = 0.0 if g is None or g[0] == "c" or g[1] in bound else 0.5
    s = item.s[0] == "c" or item.s[1] in bound
    o = item.o[0] == "c" or item.o[1] in bound
    if s:
        return (1.5 if o else 6) + extra
    return (8 if o else 300) + extra


def order_items(items: list[Item], bound: frozenset[int]) -> list[Item]:
    """Greedy join order: the cheapest item given what is bound so far, then the next."""
    from engine.shacl.fast.mini.algebra import item_vars

    if len(items) == 1:
        return items
    todo = list(items)
    done: list[Item] = []
    b = set(bound)
    while todo:
        best = 0
        best_cost = _cost(todo[0], b)
        for i in range(1, len(todo)):
            c = _cost(todo[i], b)
            if c < best_cost:
                best, best_cost = i, c
        it = todo.pop(best)
        done.append(it)
        b |= item_vars(it)[0]
    return done


class Compiler:
    """Compiles algebra and expressions of one query (and its EXISTS patterns)."""

    def __init__(self, nslots: int) -> None:
        self.nslots = nslots

    # --- patterns --------------------------------------------------------------------------
    def pattern(self, node: Node, bound: frozenset[int], in_exists: bool) -> Eval:
        if isinstance(node, BGP):
            return self.bgp(node, bound)
        if isinstance(node, Empty):
            return lambda env, row: [row]
        if isinstance(node, Join):
            return self.join(node, bound, in_exists)
        if isinstance(node, LeftJoin):
            return self.left_join(node, bound, in_exists)
        if isinstance(node, Filter):
            inner = self.pattern(node.a, bound, in_exists)
            tests = [self.test(e, bound | node.a.certain, in_exists) for e in node.exprs]
            if len(tests) == 1:
                t0 = tests[0]
                return lambda env, row: [r for r in inner(env, row) if t0(env, r) is True]
            return lambda env, row: [r for r in inner(env, row)
                                     if all(t(env, r) is True for t in tests)]
        if isinstance(node, Union):
            branches = [self.pattern(b, bound, in_exists) for b in node.items]

            def union(env: Env, row: Row) -> list[Row]:
                out: list[Row] = []
                for b in branches:
                    out.extend(b(env, row))
                return out

            return union
        if isinstance(node, Minus):
            if in_exists:
                raise Unsupported("MINUS inside EXISTS")
            return self.minus(node, bound, in_exists)
        if isinstance(node, Extend):
            if in_exists and node.slot in bound:
                raise Unsupported("BIND inside EXISTS to a variable bound outside")
            inner = self.pattern(node.a, bound, in_exists)
            val = self.value(node.expr, bound | node.a.certain, in_exists)
            slot = node.slot

            def extend(env: Env, row: Row) -> list[Row]:
                out = []
                for r in inner(env, row):
                    v = val(env, r)
                    if v is None:
                        out.append(r)
                    elif r[slot] is not None:
                        raise F.RuntimeUnsupported("BIND to a variable bound from outside")
                    else:
                        n = r.copy()
                        n[slot] = v
                        out.append(n)
                return out

            return extend
        if isinstance(node, SubSelect):
            if in_exists:
                raise Unsupported("sub-select inside EXISTS")
            q = node.query
            q.compile(self)
            return lambda env, row: q.solutions(env)
        raise Unsupported(f"pattern {type(node).__name__}")

    def bgp(self, node: BGP, bound: frozenset[int]) -> Eval:
        items = order_items(node.items, bound)
        step: Step | None = None
        for it in reversed(items):
            step = _item_step(it, step)
        first = step
        if first is None:
            return lambda env, row: [row]

        def bgp(env: Env, row: Row) -> list[Row]:
            out: list[Row] = []
            first(env, row, out)
            return out

        return bgp

    def exists(self, node: Node, bound: frozenset[int]) -> Callable[[Env, Row], bool]:
        """Whether ``node`` has a solution from the row; a basic graph pattern stops at the
        first one."""
        refuse_outer_reads(node)
        if isinstance(node, BGP) and node.items:
            items = order_items(node.items, bound)
            step: Step | None = _stop
            for it in reversed(items):
                step = _item_step(it, step)
            first = step
            assert first is not None

            def bgp_exists(env: Env, row: Row) -> bool:
                try:
                    first(env, row, _NO_OUT)
                except _Found:
                    return True
                return False

            return bgp_exists
        ev = self.pattern(node, bound, True)
        return lambda env, row: bool(ev(env, row))

    def join(self, node: Join, bound: frozenset[int], in_exists: bool) -> Eval:
        a, b = node.a, node.b
        refuse_leaky_join(a, b, both_ways=True)
        if not safe(b) and safe(a):
            a, b = b, a
        left = self.pattern(a, bound, in_exists)
        if safe(b):
            right = self.pattern(b, bound | a.certain, in_exists)

            def lateral(env: Env, row: Row) -> list[Row]:
                out: list[Row] = []
                for r in left(env, row):
                    out.extend(right(env, r))
                return out

            return lateral
        right = self.pattern(b, bound, in_exists)
        shared = sorted(b.maybe)

        def hash_join(env: Env, row: Row) -> list[Row]:
            ls = left(env, row)
            if not ls:
                return []
            rs = right(env, row)
            out: list[Row] = []
            for x in ls:
                for y in rs:
                    m = _merge(x, y, shared)
                    if m is not None:
                        out.append(m)
            return out

        return hash_join

    def left_join(self, node: LeftJoin, bound: frozenset[int], in_exists: bool) -> Eval:
        refuse_leaky_join(node.a, node.b, both_ways=False)
        left = self.pattern(node.a, bound, in_exists)
        inner_bound = bound | node.a.certain
        cond = (self.test(node.expr, inner_bound | node.b.certain, in_exists)
                if node.expr is not None else None)
        if safe(node.b):
            right = self.pattern(node.b, inner_bound, in_exists)

            def lateral(env: Env, row: Row) -> list[Row]:
                out: list[Row] = []
                for r in left(env, row):
                    ext = right(env, r)
                    if cond is not None:
                        ext = [x for x in ext if cond(env, x) is True]
                    if ext:
                        out.extend(ext)
                    else:
                        out.append(r)
                return out

            return lateral
        right = self.pattern(node.b, bound, in_exists)
        shared = sorted(node.b.maybe)

        def hashed(env: Env, row: Row) -> list[Row]:
            ls = left(env, row)
            if not ls:
                return []
            rs = right(env, row)
            out: list[Row] = []
            for x in ls:
                found = False
                for y in rs:
                    m = _merge(x, y, shared)
                    if m is not None and (cond is None or cond(env, m) is True):
                        out.append(m)
                        found = True
                if not found:
                    out.append(x)
            return out

        return hashed

    def minus(self, node: Minus, bound: frozenset[int], in_exists: bool) -> Eval:
        left = self.pattern(node.a, bound, in_exists)
        right = self.pattern(node.b, bound, in_exists)
        shared = sorted(node.a.maybe & node.b.maybe)

        def minus(env: Env, row: Row) -> list[Row]:
            ls = left(env, row)
            if not ls or not shared:
                return ls
            rs = right(env, row)
            out = []
            for x in ls:
                drop = False
                for y in rs:
                    overlap = False
                    compatible = True
                    for s in shared:
                        a, b = x[s], y[s]
                        if a is None or b is None:
                            continue
                        if a is not b:
                            compatible = False
                            break
                        overlap = True
                    if compatible and overlap:
                        drop = True
                        break
                if not drop:
                    out.append(x)
            return out

        return minus

    # --- expressions -----------------------------------------------------------------------
    def test(self, e: Any, bound: frozenset[int], in_exists: bool) -> TestFn:
        """A function giving the expression's effective boolean value (None: error)."""
        tag = e[0]
        if tag == "and":
            parts = [self.test(x, bound, in_exists) for x in e[1]]

            def and_(env: Env, row: Row) -> bool | None:
                err = False
                for p in parts:
                    v = p(env, row)
                    if v is False:
                        return False
                    if v is None:
                        err = True
                return None if err else True

            return and_
        if tag == "or":
            special = self._same_term_set(e)
            if special is not None:
                return special
            parts = [self.test(x, bound, in_exists) for x in e[1]]

            def or_(env: Env, row: Row) -> bool | None:
                err = False
                for p in parts:
                    v = p(env, row)
                    if v is True:
                        return True
                    if v is None:
                        err = True
                return None if err else False

            return or_
        if tag == "not":
            inner = self.test(e[1], bound, in_exists)

            def not_(env: Env, row: Row) -> bool | None:
                v = inner(env, row)
                return None if v is None else not v

            return not_
        if tag == "cmp":
            return self._cmp(e, bound, in_exists)
        if tag == "in":
            return self._in(e, bound, in_exists)
        if tag == "exists":
            pattern = e[1]
            analyse(pattern)
            negated = e[2]
            found = self.exists(pattern, bound)
            if negated:
                return lambda env, row: not found(env, row)
            return found
        if tag == "call":
            fn = self._test_call(e, bound, in_exists)
            if fn is not None:
                return fn
        val = self.value(e, bound, in_exists)
        ebv = F.ebv
        return lambda env, row: ebv(val(env, row))

    def _same_term_set(self, e: Any) -> TestFn | None:
        """``sameTerm(?v, c1) || sameTerm(?v, c2) || ...`` as one set lookup."""
        slot = None
        consts = set()
        for x in e[1]:
            if not (x[0] == "call" and x[1] == "SAMETERM"):
                return None
            a, b = x[2]
            if a[0] == "c" and b[0] == "v":
                a, b = b, a
            if a[0] != "v" or b[0] != "c" or (slot is not None and a[1] != slot):
                return None
            slot = a[1]
            consts.add(b[1])
        assert slot is not None
        frozen = frozenset(consts)

        def member(env: Env, row: Row) -> bool | None:
            v = row[slot]
            return None if v is None else v in frozen

        return member

    def _cmp(self, e: Any, bound: frozenset[int], in_exists: bool) -> TestFn:
        op = e[1]
        a = self.value(e[2], bound, in_exists)
        b = self.value(e[3], bound, in_exists)
        if op == "=":
            equals = F.equals
            return lambda env, row: equals(a(env, row), b(env, row))
        if op == "!=":
            equals = F.equals

            def ne(env: Env, row: Row) -> bool | None:
                v = equals(a(env, row), b(env, row))
                return None if v is None else not v

            return ne
        compare = F.compare
        accept = {"<": (-1,), "<=": (-1, 0), ">": (1,), ">=": (1, 0)}[op]

        def cmp(env: Env, row: Row) -> bool | None:
            c = compare(a(env, row), b(env, row))
            return None if c is None else c in accept

        return cmp

    def _in(self, e: Any, bound: frozenset[int], in_exists: bool) -> TestFn:
        x = self.value(e[1], bound, in_exists)
        items = [self.value(i, bound, in_exists) for i in e[2]]
        negated = e[3]
        equals = F.equals
        if not items:
            # Oxigraph reads ``x IN ()`` as IF(x, false, false): an error where x has no
            # effective boolean value (an IRI, a date...), so NOT IN () is not always true
            ebv = F.ebv

            def in_empty(env: Env, row: Row) -> bool | None:
                return None if ebv(x(env, row)) is None else negated

            return in_empty

        def in_(env: Env, row: Row) -> bool | None:
            v = x(env, row)
            if v is None:
                return None
            err = False
            for it in items:
                r = equals(v, it(env, row))
                if r is True:
                    return not negated
                if r is None:
                    err = True
            if err:
                return None
            return negated

        return in_

    def _test_call(self, e: Any, bound: frozenset[int], in_exists: bool) -> TestFn | None:
        name, args = e[1], e[2]
        if name == "BOUND":
            slot = args[0][1]
            return lambda env, row: row[slot] is not None
        if name == "SAMETERM":
            a = self.value(args[0], bound, in_exists)
            b = self.value(args[1], bound, in_exists)

            def same(env: Env, row: Row) -> bool | None:
                x, y = a(env, row), b(env, row)
                if x is None or y is None:
                    return None
                return x is y

            return same
        unary = {"ISIRI": F.is_iri, "ISURI": F.is_iri, "ISBLANK": F.is_blank,
                 "ISLITERAL": F.is_literal, "ISNUMERIC": F.is_numeric}
        if name in unary:
            f = unary[name]
            a = self.value(args[0], bound, in_exists)
            return lambda env, row: f(a(env, row))
        if name == "LANGMATCHES":
            a = self.value(args[0], bound, in_exists)
            b = self.value(args[1], bound, in_exists)
            lm = F.lang_matches
            return lambda env, row: lm(a(env, row), b(env, row))
        if name == "REGEX":
            return self._regex(args, bound, in_exists)
        if name in ("STRSTARTS", "STRENDS", "CONTAINS"):
            a = self.value(args[0], bound, in_exists)
            b = self.value(args[1], bound, in_exists)
            method = {"STRSTARTS": str.startswith, "STRENDS": str.endswith,
                      "CONTAINS": str.__contains__}[name]
            sl = F.string_and_lang

            def strfn(env: Env, row: Row) -> bool | None:
                x, y = sl(a(env, row)), sl(b(env, row))
                if x is None or y is None:
                    return None
                if y[1] is not None and y[1] != x[1]:
                    return None
                return method(x[0], y[0])

            return strfn
        return None

    def _regex(self, args: list[Any], bound: frozenset[int], in_exists: bool) -> TestFn:
        text = self.value(args[0], bound, in_exists)
        pat = args[1]
        flags = args[2] if len(args) == 3 else ("c", EMPTY)
        if pat[0] != "c" or flags[0] != "c":
            raise Unsupported("REGEX with a pattern or flags that are not constants")
        pt, ft = pat[1], flags[1]
        compiled = None
        if pt.kind == LITERAL and pt.cat == V.STR and ft.kind == LITERAL and ft.cat == V.STR:
            compiled = translate(pt.val, ft.val)
        sl = F.string_and_lang
        if compiled is None:  # Oxigraph: the pattern does not compile -> an error per row
            return lambda env, row: None
        search = compiled.search

        def regex(env: Env, row: Row) -> bool | None:
            x = sl(text(env, row))
            if x is None:
                return None
            return search(x[0])

        return regex

    def value(self, e: Any, bound: frozenset[int], in_exists: bool) -> ValueFn:
        """A function giving the expression's value as a term (None: error or unbound)."""
        tag = e[0]
        if tag == "v":
            slot = e[1]
            return lambda env, row: row[slot]
        if tag == "agg_slot":
            slot = e[1]
            return lambda env, row: row[slot]
        if tag == "c":
            t = e[1]
            return lambda env, row: t
        if tag == "call":
            fn = self._value_call(e, bound, in_exists)
            if fn is not None:
                return fn
        if tag == "cast":
            target = e[1]
            inner = self.value(e[2], bound, in_exists)
            cast = F.cast
            return lambda env, row: cast(target, inner(env, row))
        test = self.test(e, bound, in_exists)

        def boolean(env: Env, row: Row) -> Term | None:
            v = test(env, row)
            return None if v is None else (TRUE if v else FALSE)

        return boolean

    def _value_call(self, e: Any, bound: frozenset[int], in_exists: bool) -> ValueFn | None:
        name, args = e[1], e[2]
        vals = [self.value(a, bound, in_exists) for a in args]
        if name == "STR":
            a = vals[0]
            str_of = F.str_of

            def str_(env: Env, row: Row) -> Term | None:
                s = str_of(a(env, row))
                return None if s is None else literal(s)

            return str_
        if name == "LANG":
            a = vals[0]

            def lang(env: Env, row: Row) -> Term | None:
                t = a(env, row)
                if t is None or t.kind != LITERAL:
                    return None
                return literal(t.lang) if t.lang is not None else EMPTY

            return lang
        if name == "DATATYPE":
            a = vals[0]
            dt = F.datatype_of
            return lambda env, row: dt(a(env, row))
        if name == "STRLEN":
            a = vals[0]
            sl = F.string_and_lang

            def strlen(env: Env, row: Row) -> Term | None:
                x = sl(a(env, row))
                return None if x is None else from_value(V.INT, len(x[0]))

            return strlen
        if name in ("UCASE", "LCASE"):
            a = vals[0]
            upper = name == "UCASE"
            sl = F.string_and_lang

            def case(env: Env, row: Row) -> Term | None:
                x = sl(a(env, row))
                if x is None:
                    return None
                text = x[0]
                if not text.isascii():
                    F.refuse_unknown_characters(text, name)
                return F.plain(text.upper() if upper else text.lower(), x[1])

            return case
        if name == "COALESCE":
            def coalesce(env: Env, row: Row) -> Term | None:
                for v in vals:
                    t = v(env, row)
                    if t is not None:
                        return t
                return None

            return coalesce
        if name == "IF":
            cond = self.test(args[0], bound, in_exists)
            a, b = vals[1], vals[2]

            def if_(env: Env, row: Row) -> Term | None:
                c = cond(env, row)
                if c is None:
                    return None
                return a(env, row) if c else b(env, row)

            return if_
        return None


def _merge(x: Row, y: Row, slots: list[int]) -> Row | None:
    m = None
    for s in slots:
        b = y[s]
        if b is None:
            continue
        a = x[s]
        if a is None:
            if m is None:
                m = x.copy()
            m[s] = b
        elif a is not b:
            return None
    return m if m is not None else x


# =============================================================================================
# Queries: projection, grouping, DISTINCT
# =============================================================================================
class QueryPlan:
    """A SELECT (top-level or sub-select) ready to run."""

    def __init__(self, q: dict[str, Any], tr: Translator, top: bool) -> None:
        self.tr = tr
        scope = tr.scope
        self.where = tr.group(q["where"], None)
        analyse(self.where)
        self.distinct = q["distinct"]
        self.aggregates: list[tuple[int, str, bool, Any]] = []  # (slot, name, distinct, arg)
        group_by = q["group_by"]
        having = q["having"]
        projection = q["projection"]
        agg_used = bool(having) or group_by is not None or any(
            e is not None and _has_agg(e) for _, e in projection or [])
        self.grouped = agg_used
        if projection is None:
            if agg_used:
                raise _Refused("SELECT * with GROUP BY")
            # Oxigraph lists the in-scope variables sorted by name
            self.out_names = sorted(_in_scope(q["where"]))
            self.extends: list[tuple[int, Any]] = []
        else:
            self.out_names = [n for n, _ in projection]
            if len(set(self.out_names)) != len(self.out_names):
                raise _Refused("a variable projected twice")
            self.extends = []
        self.group_keys: list[Any] = []
        if agg_used:
            for k in group_by or []:
                self.group_keys.append(self._agg_expr(k))
            self.having = [self._agg_expr(h) for h in having]
            grouped_names = {k[1] for k in group_by or [] if k[0] == "var"}
            for name, e in projection or []:
                if e is None:
                    if name not in grouped_names:
                        raise _Refused(f"?{name} is not in GROUP BY")
                    continue
                self.extends.append((tr.var(name), self._agg_expr(e)))
        else:
            self.having = []
            for name, e in projection or []:
                if e is None:
                    continue
                slot = tr.var(name)
                if slot in self.where.maybe:
                    raise _Refused(f"?{name} is already in scope")
                self.extends.append((slot, tr.expr(e, None)))
        self.out_slots = [tr.var(n) for n in self.out_names]
        self.private = {s for name, s in scope.slots.items() if name.startswith("\x00")}
        self.certain = frozenset(s for s in self.out_slots if s in self.where.certain)
        self.maybe = frozenset(self.out_slots)
        self.nslots_hint = scope
        self.compiled: Eval | None = None

    def _agg_expr(self, e: Any) -> Any:
        """Translate an expression that may hold aggregates: each aggregate gets a slot."""
        tag = e[0]
        if tag == "agg":
            if e[3] is None and e[2]:
                raise Unsupported("COUNT(DISTINCT *)")
            slot = self.tr.scope.fresh("agg")
            arg = None if e[3] is None else self.tr.expr(e[3], None)
            self.aggregates.append((slot, e[1], e[2], arg))
            return ("agg_slot", slot)
        if tag in ("and", "or"):
            return (tag, [self._agg_expr(x) for x in e[1]])
        if tag == "not":
            return ("not", self._agg_expr(e[1]))
        if tag == "cmp":
            return ("cmp", e[1], self._agg_expr(e[2]), self._agg_expr(e[3]))
        if tag == "in":
            return ("in", self._agg_expr(e[1]), [self._agg_expr(x) for x in e[2]], e[3])
        if tag == "call":
            return ("call", e[1], [self._agg_expr(x) for x in e[2]])
        if tag == "cast":
            return ("cast", e[1], self._agg_expr(e[2]))
        return self.tr.expr(e, None)

    def compile(self, compiler: Compiler) -> None:
        self.where_ev = compiler.pattern(self.where, frozenset(), False)
        self.ext_fns = [(slot, compiler.value(e, self.where.certain, False))
                        for slot, e in self.extends]
        self.key_fns = [compiler.value(k, self.where.certain, False) for k in self.group_keys]
        self.agg_fns = [(slot, distinct, arg[1] if arg is not None and arg[0] == "v" else None,
                         None if arg is None else compiler.value(arg, self.where.certain, False))
                        for slot, _, distinct, arg in self.aggregates]
        self.having_fns = [compiler.test(h, frozenset(), False) for h in self.having]
        self.key_slots = [k[1] if k[0] == "v" else None for k in self.group_keys]

    def _rows(self, env: Env, start: Row | None) -> list[Row]:
        row = start if start is not None else [None] * len(self.tr.scope.names)
        rows = self.where_ev(env, row)
        if self.grouped:
            rows = self._group(env, rows, row)
        for slot, fn in self.ext_fns:
            extended = []
            for r in rows:
                v = fn(env, r)
                if v is None:
                    extended.append(r)
                else:
                    n = r.copy()
                    n[slot] = v
                    extended.append(n)
            rows = extended
        return rows

    def tuples(self, env: Env, start: Row | None = None) -> list[tuple[Any, ...]]:
        """The projected solutions as tuples (the top-level query's result)."""
        rows = self._rows(env, start)
        keep = self.out_slots
        out: list[tuple[Any, ...]]
        if len(keep) == 1:
            k0 = keep[0]
            out = [(r[k0],) for r in rows]
        elif keep:
            pick = itemgetter(*keep)
            out = [pick(r) for r in rows]
        else:
            out = [() for _ in rows]
        if self.distinct:
            out = list(dict.fromkeys(out))
        return out

    def solutions(self, env: Env, start: Row | None = None) -> list[Row]:
        """The projected solutions as rows (a sub-select's result, joined into the outer
        query): only the projected slots are kept."""
        width = len(self.tr.scope.names)
        out = []
        keep = self.out_slots
        for key in self.tuples(env, start):
            n = [None] * width
            for s, v in zip(keep, key, strict=True):
                n[s] = v
            out.append(n)
        return out

    def _group(self, env: Env, rows: list[Row], start: Row) -> list[Row]:
        groups: dict[tuple[Any, ...], list[Row]] = {}
        if not self.key_fns:
            groups[()] = rows
        elif None not in self.key_slots:  # GROUP BY variables: the key is a slice of the row
            slots = [s for s in self.key_slots if s is not None]
            for r in rows:
                groups.setdefault(tuple([r[s] for s in slots]), []).append(r)
        else:
            for r in rows:
                key = tuple(f(env, r) for f in self.key_fns)
                groups.setdefault(key, []).append(r)
        out = []
        for key, members in groups.items():
            g = start.copy()
            for slot, v in zip(self.key_slots, key, strict=True):
                if slot is not None:
                    g[slot] = v
            for slot, distinct, arg_slot, arg in self.agg_fns:
                if arg is None:
                    n = len(members)
                else:
                    if arg_slot is not None:
                        vals = [m[arg_slot] for m in members]
                    else:
                        vals = [arg(env, m) for m in members]
                    vals = [v for v in vals if v is not None]
                    n = len(set(vals)) if distinct else len(vals)
                g[slot] = from_value(V.INT, n)
            if all(h(env, g) is True for h in self.having_fns):
                out.append(g)
        return out


def _has_agg(e: Any) -> bool:
    if not isinstance(e, tuple):
        return False
    if e and e[0] == "agg":
        return True
    return any(_has_agg(x) if isinstance(x, tuple) else
               any(_has_agg(y) for y in x) if isinstance(x, list) else False for x in e)


def _in_scope(g: Any) -> set[str]:
    """The in-scope variables of a WHERE pattern (what SELECT * lists): not those only in
    FILTER, EXISTS or the right side of MINUS, nor a sub-select's private ones."""
    names: set[str] = set()

    def term(t: Any) -> None:
        if t[0] == "var":
            names.add(t[1])

    def group(x: Any) -> None:
        for el in x[1]:
            tag = el[0]
            if tag == "triples":
                for s, p, o in el[1]:
                    term(s)
                    term(p)
                    term(o)
            elif tag == "group":
                group(el)
            elif tag == "union":
                for b in el[1]:
                    group(b)
            elif tag == "optional":
                group(el[1])
            elif tag == "graph":
                term(el[1])
                group(el[2])
            elif tag == "bind":
                names.add(el[2])
            elif tag == "values":
                names.update(el[1])
            elif tag == "subselect":
                names.update(n for n, _ in el[1]["projection"] or [])

    group(g)
    return names


__all__ = ["Compiler", "Env", "QueryPlan", "Scope", "Translator", "_Refused", "iri"]
