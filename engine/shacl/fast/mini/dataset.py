"""Named graphs of interned terms, indexed once for the evaluator's lookups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rdflib.term import Node

from engine.shacl.fast.mini.terms import Term, Unmodelled, from_rdflib, literal

Triple = tuple[Node, Node, Node]


class Graph:
    """One graph: ``spo[s][p] -> [o]`` and ``pos[p][o] -> [s]`` (lists: the lists are short
    and built without duplicates); ``osp`` and ``nodes`` are built on first use."""

    __slots__ = ("_nodes", "_osp", "pos", "size", "spo")

    def __init__(self) -> None:
        self.spo: dict[Term, dict[Term, list[Term]]] = {}
        self.pos: dict[Term, dict[Term, list[Term]]] = {}
        self._osp: dict[Term, list[tuple[Term, Term]]] | None = None
        self._nodes: set[Term] | None = None
        self.size = 0

    @property
    def osp(self) -> dict[Term, list[tuple[Term, Term]]]:
        if self._osp is None:
            osp: dict[Term, list[tuple[Term, Term]]] = {}
            for s, pm in self.spo.items():
                for p, objs in pm.items():
                    for o in objs:
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
        return [(s, p, o) for s, pm in self.spo.items() for p, objs in pm.items() for o in objs]


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
        self._seen: dict[int, tuple[Node, Term]] = {}
        self.default = self._graph(default)
        self.named: dict[Term, Graph] = {}
        for name, triples in graphs.items():
            g = self._graph(triples)
            if g.size:
                self.named[self._term(name)] = g
        self.named_list: list[tuple[Term, Graph]] = list(self.named.items())
        del self._seen
        self.envs: dict[Any, Any] = {}  # per default graph, built by the evaluator

    def _term(self, node: Node) -> Term:
        seen = self._seen.get(id(node))
        if seen is not None:
            return seen[1]
        try:
            t = from_rdflib(node)
        except Unmodelled as exc:
            self.unsupported = str(exc)
            t = literal(str(node), "urn:mlwa:mini:unmodelled")
        self._seen[id(node)] = (node, t)  # the node is kept alive, so its id stays unique
        first = self.node_of.setdefault(t, node)
        if first is not node and first != node:
            self.lossy = True
        return t

    def _graph(self, triples: Iterable[Triple]) -> Graph:
        g = Graph()
        spo, pos = g.spo, g.pos
        seen_get = self._seen.get
        term = self._term
        size = 0
        for s, p, o in triples:
            e = seen_get(id(s))
            ts = e[1] if e is not None else term(s)
            e = seen_get(id(p))
            tp = e[1] if e is not None else term(p)
            e = seen_get(id(o))
            to = e[1] if e is not None else term(o)
            pm = spo.get(ts)
            if pm is None:
                spo[ts] = {tp: [to]}
            else:
                objs = pm.get(tp)
                if objs is None:
                    pm[tp] = [to]
                elif to in objs:
                    continue  # two rdflib literals Oxigraph stores as one
                else:
                    objs.append(to)
            om = pos.get(tp)
            if om is None:
                pos[tp] = {to: [ts]}
            else:
                subs = om.get(to)
                if subs is None:
                    om[to] = [ts]
                else:
                    subs.append(ts)
            size += 1
        g.size = size
        return g

    def to_rdflib(self, t: Term | None) -> Node | None:
        node = self.node_of.get(t)
        if node is None and t is not None:
            return t.to_rdflib()
        return node
