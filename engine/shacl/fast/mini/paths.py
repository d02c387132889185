"""Property paths that Oxigraph does not expand into triple patterns (``| * + ?``), with its
set semantics: every function returns distinct terms, and a zero-length step only starts
from a node of the graph (a subject or object in it), as Oxigraph's PathEvaluator does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.shacl.fast.mini.dataset import Graph, many
from engine.shacl.fast.mini.terms import Term


def path_from(prog: Any, g: Graph, start: Term) -> set[Term]:
    tag = prog[0]
    if tag == "link":
        pm = g.spo.get(start)
        if pm is None:
            return set()
        objs = pm.get(prog[1])
        return set() if objs is None else set(many(objs))
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
        subs = om.get(end)
        return set() if subs is None else set(many(subs))
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
        if pm is None:
            return False
        objs = pm.get(prog[1])
        return objs is not None and (objs is o or (type(objs) is list and o in objs))
    return o in path_from(prog, g, s)


def path_open(prog: Any, g: Graph) -> list[tuple[Term, Term]]:
    return [(n, m) for n in g.nodes for m in path_from(prog, g, n)]


# =============================================================================================
# Compilation of patterns
# =============================================================================================
