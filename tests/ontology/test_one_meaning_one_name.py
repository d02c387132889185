"""Every term of the ontology has one kind: a property is an annotation, a datatype or an
object property, never two (issue 22: mlwa:rationale was an annotation on policies in
policy.ttl and a datatype property of workloads in workload.ttl; owlready2 warned)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from rdflib import OWL, RDF, Graph

REPO = Path(__file__).resolve().parents[2]
KINDS = (OWL.AnnotationProperty, OWL.DatatypeProperty, OWL.ObjectProperty, OWL.Class)


def test_no_term_has_two_kinds() -> None:
    graph = Graph()
    for path in sorted((REPO / "ontology").glob("*.ttl")):
        graph.parse(path, format="turtle")
    kinds: dict[object, set[object]] = defaultdict(set)
    for kind in KINDS:
        for term in graph.subjects(RDF.type, kind):
            kinds[term].add(kind)
    clashes = {str(t): sorted(map(str, k)) for t, k in kinds.items() if len(k) > 1}
    assert not clashes, clashes
    assert (REPO / "ontology" / "policy.ttl").exists() and len(kinds) > 100
