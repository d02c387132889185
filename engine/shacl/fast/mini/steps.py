"""Basic graph patterns as chains of steps over the dataset's indexes.

A step takes a row, finds the matches of one triple pattern (or path, VALUES block, graph
enumeration) with the row's bindings, and hands each extended row to the next step; the
last one appends to the output. The order of the steps is chosen once, at prepare time,
from what is bound on entry (``order_items``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.shacl.fast.mini.algebra import (
    GraphEnum,
    Item,
    PathPat,
    Pos,
    TriplePat,
    ValuesPat,
    item_vars,
)
from engine.shacl.fast.mini.dataset import Graph, Terms, many
from engine.shacl.fast.mini.paths import path_closed, path_from, path_open, path_to
from engine.shacl.fast.mini.terms import Term

Row = list[Any]
Step = Callable[[Any, Row, list[Row]], None]
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class Env:
    """What one run sees: the default graph and the named graphs."""

    __slots__ = ("default", "named", "named_list")

    def __init__(self, default: Graph, named: dict[Term, Graph],
                 named_list: list[tuple[Term, Graph]]) -> None:
        self.default = default
        self.named = named
        self.named_list = named_list


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
                return ((s, p, o),) if _has(objs, o) else ()
            return [(s, p, x) for x in many(objs)]
        if o is not None:
            return [(s, q, o) for q, objs in pm.items() if _has(objs, o)]
        return [(s, q, x) for q, objs in pm.items() for x in many(objs)]
    if o is not None:
        if p is not None:
            m = graph.pos.get(p)
            if m is None:
                return ()
            subs = m.get(o)
            return [(x, p, o) for x in many(subs)] if subs is not None else ()
        return [(x, q, o) for x, q in graph.osp.get(o, ())]
    if p is not None:
        m = graph.pos.get(p)
        if m is None:
            return ()
        return [(x, p, y) for y, subs in m.items() for x in many(subs)]
    return graph.triples


def _has(entry: Terms, t: Term) -> bool:
    return entry is t or (type(entry) is list and t in entry)


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
                    if objs is o or (type(objs) is list and o in objs):
                        if nxt is None:
                            out.append(row)
                        else:
                            nxt(env, row, out)
                    return
                if type(objs) is Term:
                    r = row.copy()
                    r[ox] = objs
                    if nxt is None:
                        out.append(r)
                    else:
                        nxt(env, r, out)
                    return
                for x in objs:  # type: ignore[union-attr]
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
                if type(subs) is Term:
                    r = row.copy()
                    r[sx] = subs
                    if nxt is None:
                        out.append(r)
                    else:
                        nxt(env, r, out)
                    return
                for x in subs:  # type: ignore[union-attr]
                    r = row.copy()
                    r[sx] = x
                    if nxt is None:
                        out.append(r)
                    else:
                        nxt(env, r, out)
                return
            for y, subs in om.items():
                for x in many(subs):
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

    return _with_graph(g, match, None if pvar else px)


def _with_graph(g: Pos | None, match: Callable[[Graph, Row, list[Row], Env], None],
                pred: Term | None = None) -> Step:
    """The step for a pattern in the default graph, a named graph, or GRAPH ?var.
    ``pred``: the pattern's constant predicate, if any; GRAPH ?var skips the graphs
    without it (no row copied for a graph that cannot match)."""
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
        if pred is None:
            for gname, graph in env.named_list:
                r = row.copy()
                r[slot] = gname
                match(graph, r, out, env)
            return
        for gname, graph in env.named_list:
            if pred in graph.pos:
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
