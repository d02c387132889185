"""Reference backend: pySHACL, the engine the design names as the arbiter of correctness.

Everything here exists to call pySHACL safely (parsed graphs only, no inference, no
remote loading) and to hand back results whose terms belong to the caller's graphs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import rdflib
import rdflib.plugins.sparql
from rdflib.namespace import RDF, SH
from rdflib.term import BNode, Node, URIRef

from engine.shacl.base import RawResult

# A SHACL-SPARQL query with FROM would otherwise make rdflib fetch URLs.
rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False


def results_from_report(report: rdflib.Graph, shapes: rdflib.Graph) -> list[RawResult]:
    """Turn a SHACL validation report graph into RawResults.

    pySHACL normally reuses the shape nodes of the graph it was given, but if it ever
    works on a copy the blank nodes would be foreign; they are mapped back by structure
    so that ``source_shape`` and ``path`` always point into ``shapes``.
    """
    mapper = _NodeMapper(shapes, report)
    out: list[RawResult] = []
    # Only top-level results: pySHACL also types the nested sh:detail results.
    top = [r for rep in report.subjects(RDF.type, SH.ValidationReport)
           for r in report.objects(rep, SH.result)]
    for res in top:
        focus = report.value(res, SH.focusNode)
        shape = report.value(res, SH.sourceShape)
        component = report.value(res, SH.sourceConstraintComponent)
        severity = report.value(res, SH.resultSeverity)
        if focus is None or shape is None or not isinstance(component, URIRef):
            raise RuntimeError("pySHACL returned an incomplete validation result (this is a bug)")
        path = report.value(res, SH.resultPath)
        constraint = report.value(res, SH.sourceConstraint)
        messages = tuple(sorted(str(m) for m in report.objects(res, SH.resultMessage)))
        out.append(
            RawResult(
                focus=focus,
                path=mapper.map(path) if path is not None else None,
                value=report.value(res, SH.value),
                source_shape=mapper.map(shape),
                component=component,
                severity=severity if isinstance(severity, URIRef) else SH.Violation,
                messages=messages,
                source_constraint=mapper.map(constraint) if constraint is not None else None,
            )
        )
    return out


class _NodeMapper:
    """Maps blank nodes of a report back to the shapes graph when they are not already in it."""

    def __init__(self, shapes: rdflib.Graph, report: rdflib.Graph) -> None:
        self.shapes = shapes
        self.report = report
        self._index: dict[str, list[BNode]] | None = None

    def map(self, node: Node) -> Node:
        if not isinstance(node, BNode) or (node, None, None) in self.shapes:
            return node
        if self._index is None:
            self._index = {}
            for b in {s for s in self.shapes.subjects() if isinstance(s, BNode)}:
                self._index.setdefault(_signature(self.shapes, b), []).append(b)
        candidates = self._index.get(_signature(self.report, node), [])
        return candidates[0] if candidates else node


def _signature(graph: rdflib.Graph, node: Node, depth: int = 0) -> str:
    if not isinstance(node, BNode):
        return node.n3()
    if depth > 8:
        return "_"
    parts = sorted(
        f"{p.n3()} {_signature(graph, o, depth + 1)}" for p, o in graph.predicate_objects(node)
    )
    return "[" + ";".join(parts) + "]"


def _run_pyshacl(
    data: rdflib.Graph, shapes: rdflib.Graph, ontology: rdflib.Graph | None
) -> rdflib.Graph:
    import pyshacl

    if ontology is not None and not data.store.context_aware:
        # pySHACL mixes the ontology in through a Dataset, which needs a context-aware
        # store; graphs built on rdflib's SimpleMemory (fast to fill) are copied once here.
        copy = rdflib.Graph()
        for triple in data:
            copy.add(triple)
        data = copy
    _conforms, report, _text = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
        abort_on_first=False,
        meta_shacl=False,
        debug=False,
    )
    if not isinstance(report, rdflib.Graph):
        raise RuntimeError("pySHACL returned no report graph (this is a bug)")
    return report


class ReferencePrepared:
    """pySHACL has no reusable compiled form; preparing only pins the graphs."""

    def __init__(self, shapes: rdflib.Graph, ontology: rdflib.Graph | None) -> None:
        if not isinstance(shapes, rdflib.Graph):
            raise TypeError("shapes must be a parsed rdflib.Graph")
        self.shapes = shapes
        self.ontology = ontology
        self.unsupported: list[tuple[Node, str]] = []

    def validate(self, data: rdflib.Graph) -> list[RawResult]:
        if not isinstance(data, rdflib.Graph):
            raise TypeError("data must be a parsed rdflib.Graph")
        report = _run_pyshacl(data, self.shapes, self.ontology)
        return results_from_report(report, self.shapes)

    def validate_many(self, datas: Iterable[rdflib.Graph]) -> Iterator[list[RawResult]]:
        for data in datas:
            yield self.validate(data)


class ReferenceBackend:
    name = "reference"

    def prepare(
        self, shapes: rdflib.Graph, ontology: rdflib.Graph | None = None
    ) -> ReferencePrepared:
        return ReferencePrepared(shapes, ontology)
