"""Named graphs of interned terms, indexed once for the evaluator's lookups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rdflib.term import BNode, Literal, Node, URIRef

from engine.shacl.fast.mini.terms import (
    Term,
    Unmodelled,
    from_rdflib,
    iri,
    literal,
    string,
    typed,
)
from engine.shacl.fast.mini.values import XSD_STRING

Triple = tuple[Node, Node, Node]


def _equal(a: Any, b: Any) -> bool:
    """``a == b`` as rdflib answers it, without its Python-level ``__eq__`` for the usual
    cases (same type: IRIs, blank nodes, literals with the same datatype object or none)."""
    kind = type(a)
    if kind is type(b):
        if kind is URIRef or kind is BNode:
            return str.__eq__(a, b)
        if (kind is Literal and a._language is None and b._language is None
                and a._datatype is b._datatype):
            return str.__eq__(a, b)
    return bool(a == b)


#: What ``spo[s][p]`` and ``pos[p][o]`` hold: the one term, or a list of two or more (most
#: are one: no list to allocate and for the cycle collector to walk).
Terms = Term | list[Term]


def many(v: Terms) -> list[Term] | tuple[Term]:
    """An index entry as a sequence."""
    return (v,) if type(v) is Term else v  # type: ignore[return-value]


class Graph:
    """One graph: ``spo[s][p] -> o or [o, ...]`` and ``pos[p][o] -> s or [s, ...]`` (a term
    alone when there is one, else a list without duplicates, in insertion order); ``osp``
    and ``nodes`` are built on first use."""

    __slots__ = ("_nodes", "_osp", "pos", "size", "spo")

    def __init__(self) -> None:
        self.spo: dict[Term, dict[Term, Terms]] = {}
        self.pos: dict[Term, dict[Term, Terms]] = {}
        self._osp: dict[Term, list[tuple[Term, Term]]] | None = None
        self._nodes: set[Term] | None = None
        self.size = 0

    @property
    def osp(self) -> dict[Term, list[tuple[Term, Term]]]:
        if self._osp is None:
            osp: dict[Term, list[tuple[Term, Term]]] = {}
            for s, pm in self.spo.items():
                for p, objs in pm.items():
                    for o in many(objs):
                        osp.setdefault(o, []).append((s, p))
            self._osp = osp
        return self._osp

    @property
    def nodes(self) -> set[Term]:
        """Terms used as subject or object (where a zero-length path may start)."""
        if self._nodes is None:
            nodes = set(self.spo)
            for m in self.pos.values():
                nodes.update(m)
            self._nodes = nodes
        return self._nodes

    @property
    def triples(self) -> list[tuple[Term, Term, Term]]:
        return [(s, p, o) for s, pm in self.spo.items() for p, objs in pm.items()
                for o in many(objs)]


class Dataset:
    """Named graphs of rdflib terms, indexed once (spo / pos dicts per graph).

    ``graphs`` maps a graph name to its triples; ``default`` holds the default graph's.
    Literals are read the way Oxigraph stores them (see ``values``), so two rdflib
    literals Oxigraph would merge (``"1.0"^^xsd:double`` and ``"1E0"^^xsd:double``) are one
    term here too; ``lossy`` says that happened. Results map back to the caller's own rdflib
    terms (the first one seen for each term). A graph without triples does not exist, as in
    an Oxigraph store loaded with the same quads.

    ``unsupported`` is set when a literal has a datatype mini does not model (gYear & co.,
    durations): queries over such a dataset raise ``Unsupported`` when run.
    """

    def __init__(self, graphs: Mapping[Node, Iterable[Triple]],
                 default: Iterable[Triple] = ()) -> None:
        self.node_of: dict[Term | None, Node | None] = {None: None}
        self.lossy = False
        self.unsupported: str | None = None
        self._keep: list[Node] = []
        self._seen: dict[int, Term] = {}
        self.default = self._graph(default)
        self.named: dict[Term, Graph] = {}
        for name, triples in graphs.items():
            g = self._graph(triples)
            if g.size:
                self.named[self._term(name)] = g
        self.named_list: list[tuple[Term, Graph]] = list(self.named.items())
        del self._seen, self._keep
        self.envs: dict[Any, Any] = {}  # per default graph, built by the evaluator

    def _term(self, node: Node) -> Term:
        """The term of ``node``, recording it as the term's caller node if it is the first
        (``lossy`` if an earlier, different node has the same term)."""
        kind = type(node)
        try:
            if kind is URIRef:
                t = iri(str(node))
            elif kind is Literal and node._language is None:  # type: ignore[attr-defined]
                dt = node._datatype  # type: ignore[attr-defined]
                if dt is None:
                    t = string(str(node))
                else:
                    dt = str(dt)
                    t = string(str(node)) if dt == XSD_STRING else typed(str(node), dt)
            else:
                t = from_rdflib(node)
        except Unmodelled as exc:
            self.unsupported = str(exc)
            t = literal(str(node), "urn:mlwa:mini:unmodelled")
        first = self.node_of.setdefault(t, node)
        if first is not node and not _equal(first, node):
            self.lossy = True
        return t

    def _graph(self, triples: Iterable[Triple]) -> Graph:
        """Index ``triples``. They mostly come grouped by subject and predicate (rdflib's own
        index order, or a lifted document's): a subject or predicate object that repeats the
        previous one reuses its term and index entries. Each node object is converted once
        per dataset (the lifter shares class IRIs and other constants across workloads)."""
        g = Graph()
        spo, pos = g.spo, g.pos
        seen = self._seen
        seen_get = seen.get
        keep = self._keep.append
        term = self._term
        size = 0
        last_s: Node | None = None
        last_p: Node | None = None
        ts: Term | None = None
        tp: Term | None = None
        pm: dict[Term, Terms] = {}
        om: dict[Term, Terms] = {}
        for s, p, o in triples:
            if s is not last_s:
                ts = seen_get(id(s))
                if ts is None:
                    ts = seen[id(s)] = term(s)
                    keep(s)  # kept alive, so its id stays unique
                last_s, last_p = s, None
                got = spo.get(ts)
                if got is None:
                    got = spo[ts] = {}
                pm = got
            if p is not last_p:
                tp = seen_get(id(p))
                if tp is None:
                    tp = seen[id(p)] = term(p)
                    keep(p)
                last_p = p
                gom = pos.get(tp)
                if gom is None:
                    gom = pos[tp] = {}
                om = gom
            to = seen_get(id(o))
            if to is None:  # objects repeat too (class IRIs, enumerations, booleans)
                to = seen[id(o)] = term(o)
                keep(o)
            objs = pm.get(tp)  # type: ignore[arg-type]
            if objs is None:
                pm[tp] = to  # type: ignore[index]
            elif type(objs) is Term:
                if objs is to:
                    continue  # a repeated triple, or two rdflib literals Oxigraph stores as one
                pm[tp] = [objs, to]  # type: ignore[index]
            elif to in objs:  # type: ignore[operator]
                continue
            else:
                objs.append(to)  # type: ignore[union-attr]
            subs = om.get(to)
            if subs is None:
                om[to] = ts  # type: ignore[assignment]
            elif type(subs) is Term:
                om[to] = [subs, ts]  # type: ignore[list-item]
            else:
                subs.append(ts)  # type: ignore[union-attr,arg-type]
            size += 1
        g.size = size
        return g

    def present(self) -> tuple[set[Term], set[Term]]:
        """The predicates and the ``rdf:type`` classes used in any of the dataset's graphs
        (worked out on first use)."""
        got: tuple[set[Term], set[Term]] | None = self.__dict__.get("_present")
        if got is None:
            from engine.shacl.fast.mini.algebra import RDF_TYPE

            preds: set[Term] = set(self.default.pos)
            classes: set[Term] = set(self.default.pos.get(RDF_TYPE, ()))
            for g in self.named.values():
                preds.update(g.pos)
                classes.update(g.pos.get(RDF_TYPE, ()))
            got = self.__dict__["_present"] = (preds, classes)
        return got

    def to_rdflib(self, t: Term | None) -> Node | None:
        node = self.node_of.get(t)
        if node is None and t is not None:
            return t.to_rdflib()
        return node
