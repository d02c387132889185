"""Fast backend: the shapes graph compiled once to SPARQL, run by Oxigraph.

The gate keeps it honest. Shapes the compiler cannot translate (see ``model``) are listed in
``Prepared.unsupported`` and validated by the reference engine, restricted to exactly those
shapes; data graphs whose literals Oxigraph would not store faithfully go to the reference
engine whole. Either way the caller gets one merged list per data graph, never a silent pass.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from engine.shacl.base import RawResult, make_raw
from engine.shacl.fast.compiler import GRAPH_MARK, Compiler, Evaluator, closure, message_texts
from engine.shacl.fast.model import Shape, ShapesModel, Unsupported
from engine.shacl.fast.terms import GraphTerms, named

if TYPE_CHECKING:  # imported when needed: it brings rdflib's SPARQL engine (0.15 s)
    from engine.shacl.reference import ReferencePrepared

#: Graphs per Oxigraph store in validate_many; large enough that each compiled query runs
#: over many workloads at once, small enough to bound memory (see benchmarks/engines.py).
#: Merging assumes subjects are mostly distinct across graphs (mlwa's workload IRIs are
#: ``urn:mlwa:workload:<id>/…``): the same subject in thousands of graphs makes Oxigraph
#: join across them, measured 2.6x slower at 200 identical copies.
BATCH = 2000
#: Batches of at most this many graphs run in-process (engine.shacl.fast.small); larger
#: inputs are cut into such batches. Measured per workload against Oxigraph batches of 300
#: (2026-11-30, 2 cores): starter-sized 3.5-3.9 vs 4.0-4.3 ms, realistic (~1,500 triples)
#: 12-14 vs 17-19 ms, reports included; one workload alone 6 vs 29 ms. The in-process
#: indexes cost more memory than Oxigraph's, hence batches of 50, not 2,000.
SMALL = 50
#: Batches a prepared pack runs on Oxigraph before the in-process engine takes over (see
#: ``FastPrepared.batches``): its one-off preparation (~50-80 ms) does not pay for one
#: workload. A ``validate_many`` call with more than ``SMALL`` graphs starts in-process at
#: once. Tests set it to 0 to put the first batch through it too.
SMALL_AFTER = 1
_TARGET_PREDICATES = (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf,
                      SH.target)

_prepared_cache: dict[tuple[Any, ...], FastPrepared] = {}


def _content_key(g: rdflib.Graph | None) -> Any:
    if g is None:
        return None
    # Graph identity plus size catches the usual reuse; content hashing of a large graph
    # would cost more than compiling it again.
    return (id(g), len(g))


class FastPrepared:
    def __init__(self, shapes: rdflib.Graph, ontology: rdflib.Graph | None,
                 gate: bool = True) -> None:
        if not isinstance(shapes, rdflib.Graph):
            raise TypeError("shapes must be a parsed rdflib.Graph")
        self.shapes = shapes
        self.ontology = ontology
        self.model = ShapesModel(shapes)
        self.compiled = [s for s in self.model.top if not s.unsupported]
        routed = [s for s in self.model.top if s.unsupported]
        self.unsupported: list[tuple[Node, str]] = [(s.node, s.unsupported or "") for s in routed]
        if routed and not gate:
            raise NotImplementedError("fast backend without gate cannot validate: "
                                      + "; ".join(r for _, r in self.unsupported))
        self._reference_part: ReferencePrepared | None = None
        if routed:
            from engine.shacl.reference import ReferencePrepared

            self._reference_part = ReferencePrepared(self._only(routed), ontology)
        self._reference_all: ReferencePrepared | None = None
        onto_pairs = list(ontology.subject_objects(RDFS.subClassOf)) if ontology is not None else []
        self._ontology_subclass = onto_pairs
        self._closure = closure(onto_pairs)
        self._compilers: dict[bool, Compiler] = {}
        #: False once a compiled text fell outside the in-process engine's subset
        self.small_ok = True
        #: batches validated so far: the first one runs on Oxigraph, because the in-process
        #: engine pays ~80 ms once to parse and compile the texts, which only pays off when
        #: they are used again (the second workload on, in the app, a CI run, a worker)
        self.batches = 0
        #: data graphs so far validated whole by the reference engine (lossy literals, ...)
        self.reference_graphs = 0

    def _only(self, keep: list[Shape]) -> rdflib.Graph:
        """A copy of the shapes graph where only ``keep`` shapes have targets."""
        keep_nodes = {s.node for s in keep}
        g = rdflib.Graph()
        for prefix, ns in self.shapes.namespaces():
            g.bind(prefix, ns, override=True)
        for s, p, o in self.shapes:
            if s not in keep_nodes and s in self._top_nodes:
                if p in _TARGET_PREDICATES:
                    continue
                if p == RDF.type and o in (RDFS.Class, OWL.Class):
                    continue
            g.add((s, p, o))
        return g

    @property
    def _top_nodes(self) -> set[Node]:
        return {s.node for s in self.model.top}

    def compiler(self, data_subclass: bool) -> Compiler:
        comp = self._compilers.get(data_subclass)
        if comp is None:
            comp = self._compilers[data_subclass] = Compiler(self.model, self._closure,
                                                             data_subclass)
        return comp

    def reference_all(self) -> ReferencePrepared:
        if self._reference_all is None:
            from engine.shacl.reference import ReferencePrepared

            self._reference_all = ReferencePrepared(self.shapes, self.ontology)
        return self._reference_all

    def validate(self, data: rdflib.Graph) -> list[RawResult]:
        return next(self.validate_many([data]))

    def validate_many(self, datas: Iterable[rdflib.Graph]) -> Iterator[list[RawResult]]:
        it = iter(datas)
        while True:
            small = SMALL > 0 and self.small_ok and self.batches >= SMALL_AFTER
            if not small and SMALL > 0 and self.small_ok:
                head = list(itertools.islice(it, SMALL + 1))
                if len(head) > SMALL:
                    # more graphs than one in-process batch: the in-process engine's
                    # one-off preparation pays for itself in this call already
                    self.batches = max(self.batches, SMALL_AFTER)
                    small = True
                it = itertools.chain(head, it)
            chunk = list(itertools.islice(it, SMALL if small else BATCH))
            if not chunk:
                return
            yield from self._batch(chunk)

    def _batch(self, datas: list[rdflib.Graph]) -> list[list[RawResult]]:
        for d in datas:
            if not isinstance(d, rdflib.Graph):
                raise TypeError("data must be a parsed rdflib.Graph")
        self.batches += 1
        if len(datas) <= SMALL and self.small_ok and self.batches > SMALL_AFTER:
            try:
                return self._small_batch(datas)
            except _DataNotModelled:
                pass  # this batch holds a literal the in-process engine does not model
            except (Unsupported, SyntaxError):
                self.small_ok = False  # the same texts come back: Oxigraph from now on
        store = ox.Store()
        terms: list[GraphTerms] = []
        names: list[ox.NamedNode] = []
        data_subclass = False
        quads: list[ox.Quad] = []
        mark = named(GRAPH_MARK)
        rdf_type = named(str(RDF.type))
        for i, d in enumerate(datas):
            gt = GraphTerms()
            name = named(f"urn:mlwa:shacl:graph:{i}")
            gquads = gt.quads(d, name)
            terms.append(gt)
            names.append(name)
            if gt.lossy:
                continue
            if gt.has_subclass:
                data_subclass = True
                gquads.extend(ox.Quad(gt.to_ox(s), named(str(RDFS.subClassOf)), gt.to_ox(o), name)  # type: ignore[arg-type]
                              for s, o in self._ontology_subclass)
            quads.extend(gquads)
            quads.append(ox.Quad(name, rdf_type, mark))
        store.extend(quads)
        evaluator = Evaluator(self.compiler(data_subclass), store)
        return self._collect(datas, terms, names, evaluator, evaluator.run(self.compiled),
                             convert=True)

    def _small_batch(self, datas: list[rdflib.Graph]) -> list[list[RawResult]]:
        from engine.shacl.fast.small import Dataset, MiniEvaluator, MiniStore

        graphs: dict[Node, list[tuple[Node, Node, Node]]] = {}
        marks: list[tuple[Node, Node, Node]] = []
        terms: list[GraphTerms] = []
        names: list[rdflib.URIRef] = []
        data_subclass = False
        mark = rdflib.URIRef(GRAPH_MARK)
        for i, d in enumerate(datas):
            gt = GraphTerms()
            triples = gt.scan(d)
            name = rdflib.URIRef(f"urn:mlwa:shacl:graph:{i}")
            terms.append(gt)
            names.append(name)
            if gt.lossy:
                continue
            if gt.has_subclass:
                data_subclass = True
                triples = [*triples, *((s, RDFS.subClassOf, o) for s, o in self._ontology_subclass)]
            graphs[name] = triples
            marks.append((name, RDF.type, mark))
        dataset = Dataset(graphs, marks)
        if dataset.unsupported:
            raise _DataNotModelled(dataset.unsupported)
        evaluator = MiniEvaluator(self.compiler(data_subclass), MiniStore(dataset))
        return self._collect(datas, terms, names, evaluator, evaluator.run(self.compiled),
                             convert=False)

    def _collect(self, datas: list[rdflib.Graph], terms: list[GraphTerms], names: list[Any],
                 evaluator: Evaluator, findings: list[Any], convert: bool
                 ) -> list[list[RawResult]]:
        by_graph: dict[Any, list[Any]] = {}
        for f in findings:
            by_graph.setdefault(f.graph, []).append(f)
        out: list[list[RawResult]] = []
        for d, gt, name in zip(datas, terms, names, strict=True):
            if gt.lossy or name in evaluator.needs_reference:
                self.reference_graphs += 1
                out.append(self.reference_all().validate(d))
                continue
            results = self._to_raw(by_graph.get(name, []), gt if convert else None)
            if self._reference_part is not None:
                results.extend(self._reference_part.validate(d))
            out.append(results)
        return out

    @staticmethod
    def _to_raw(findings: list[Any], gt: GraphTerms | None) -> list[RawResult]:
        """Findings as results in the caller's terms (``gt`` None: they already are), each
        distinct result once, in the order first found."""
        out: list[RawResult] = []
        add = out.append
        for f in findings:
            shape = f.shape
            messages = f.messages
            if not messages or f.bindings is not None:  # default or templated messages
                messages = message_texts(f)
            if gt is None:
                focus, value = f.focus, f.value
                path = f.path_term if f.path_term is not None else shape.path
            else:
                conv = gt.from_ox
                focus = conv(f.focus)
                value = conv(f.value) if f.value is not None else None
                path = conv(f.path_term) if f.path_term is not None else shape.path
            add(make_raw(focus, path, value, shape.node, f.component, shape.severity, messages,
                         f.constraint))
        return list(dict.fromkeys(out)) if len(out) > 1 else out



class _DataNotModelled(Exception):
    """The in-process engine cannot hold one of the batch's literals (Oxigraph runs it)."""


class FastBackend:
    def __init__(self, gate: bool = True, name: str = "fast") -> None:
        self.name = name
        self.gate = gate

    def prepare(self, shapes: rdflib.Graph, ontology: rdflib.Graph | None = None) -> FastPrepared:
        key = (_content_key(shapes), _content_key(ontology), self.gate)
        cached = _prepared_cache.get(key)
        if cached is not None and cached.shapes is shapes and cached.ontology is ontology:
            return cached
        prepared = FastPrepared(shapes, ontology, self.gate)
        if len(_prepared_cache) > 16:
            _prepared_cache.clear()
        _prepared_cache[key] = prepared
        return prepared
