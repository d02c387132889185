"""Both backends honour the RawResult contract: terms come from the caller's graphs."""

from __future__ import annotations

import pytest
import rdflib
from rdflib.namespace import SH
from rdflib.term import BNode, URIRef

from engine.errors import UsageError
from engine.shacl import RawResult, get_backend

EX = rdflib.Namespace("http://ex/")

SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex/> .
[] a sh:NodeShape ; sh:targetClass ex:C ;
   sh:property [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ] ;
   sh:property [ sh:path [ sh:inversePath ex:r ] ; sh:maxCount 0 ; sh:severity sh:Warning ] .
"""
ONTOLOGY = """
@prefix ex: <http://ex/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:D rdfs:subClassOf ex:C .
"""
DATA = "@prefix ex: <http://ex/> . ex:a a ex:D . [] ex:r ex:a . _:x a ex:C ."


def _graphs() -> tuple[rdflib.Graph, rdflib.Graph, rdflib.Graph]:
    return (
        rdflib.Graph().parse(data=SHAPES, format="turtle"),
        rdflib.Graph().parse(data=ONTOLOGY, format="turtle"),
        rdflib.Graph().parse(data=DATA, format="turtle"),
    )


@pytest.mark.parametrize("name", ["reference", "fast", "auto"])
def test_blank_node_shapes_point_into_the_callers_graph(name: str) -> None:
    shapes, ontology, data = _graphs()
    results = get_backend(name).prepare(shapes, ontology).validate(data)
    assert len(results) == 3
    for r in results:
        assert isinstance(r, RawResult)
        assert isinstance(r.source_shape, BNode)
        assert (r.source_shape, SH.path, r.path) in shapes
        assert (r.focus, None, None) in data
    focuses = {r.focus for r in results if r.component == SH.MinCountConstraintComponent}
    assert EX.a in focuses  # only reachable through the ontology's subclass triple
    warnings = [r for r in results if r.severity == SH.Warning]
    assert [w.component for w in warnings] == [SH.MaxCountConstraintComponent]


@pytest.mark.parametrize("name", ["reference", "fast", "auto"])
def test_validate_many_keeps_graphs_apart(name: str) -> None:
    shapes, ontology, data = _graphs()
    clean = rdflib.Graph().parse(data="@prefix ex: <http://ex/> . ex:z ex:p [ ex:q 1 ] .",
                                 format="turtle")
    prepared = get_backend(name).prepare(shapes, ontology)
    batches = list(prepared.validate_many([data, clean, data]))
    assert [len(b) for b in batches] == [3, 0, 3]


def test_unknown_backend_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        get_backend("nope")  # type: ignore[arg-type]


def test_reference_refuses_unparsed_input() -> None:
    with pytest.raises(TypeError):
        get_backend("reference").prepare("http://example.org/shapes.ttl")  # type: ignore[arg-type]


def test_sparql_graph_loading_is_off() -> None:
    import rdflib.plugins.sparql

    import engine.shacl.reference  # noqa: F401

    assert rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False
    assert isinstance(SH.Violation, URIRef)
