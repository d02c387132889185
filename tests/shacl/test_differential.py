"""Fast vs reference on generated data: random small graphs against shapes that use every
core component the compiler claims, and W3C core tests with random triples removed."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator
from pathlib import Path

import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.namespace import RDF, RDFS, XSD

from engine.shacl.differential import Difference, compare

EX = rdflib.Namespace("http://ex/")
#: Named in the test ids, so a report says which Oxigraph the comparison ran on.
OXIGRAPH = f"pyoxigraph-{importlib.metadata.version('pyoxigraph')}"


@pytest.fixture(autouse=True, params=["oxigraph", "in-process"], ids=[OXIGRAPH, "in-process"])
def fast_path(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every comparison twice: the fast backend's compiled queries run by Oxigraph (large
    batches, a first workload) and by the in-process engine (engine.shacl.fast.small)."""
    import engine.shacl.fast as fast

    mp = pytest.MonkeyPatch()
    if request.param == "oxigraph":
        mp.setattr(fast, "SMALL", 0)
    else:
        mp.setattr(fast, "SMALL", 10**9)
        mp.setattr(fast, "SMALL_AFTER", 0)
    yield
    mp.undo()
SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:Counts a sh:NodeShape ; sh:targetClass ex:C ;
  sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:maxCount 2 ] ;
  sh:property [ sh:path ( ex:p ex:q ) ; sh:maxCount 1 ] ;
  sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:nodeKind sh:IRI ] ;
  sh:property [ sh:path [ sh:alternativePath ( ex:q ex:r ) ] ; sh:datatype xsd:integer ] ;
  sh:property [ sh:path [ sh:oneOrMorePath ex:r ] ; sh:class ex:C ; sh:severity sh:Warning ] .
ex:Values a sh:NodeShape ; sh:targetSubjectsOf ex:q ;
  sh:property [ sh:path ex:q ; sh:minInclusive 2 ; sh:maxExclusive 10 ] ;
  sh:property [ sh:path ex:q ; sh:in ( 1 2 "ab" ex:a ) ] ;
  sh:property [ sh:path ex:s ; sh:pattern "^a" ; sh:flags "i" ; sh:maxLength 2 ] ;
  sh:property [ sh:path ex:s ; sh:languageIn ( "en" ) ; sh:uniqueLang true ] ;
  sh:property [ sh:path ex:s ; sh:hasValue "ab" ] .
ex:Pairs a sh:NodeShape ; sh:targetObjectsOf ex:r ;
  sh:property [ sh:path ex:q ; sh:lessThan ex:r ] ;
  sh:property [ sh:path ex:p ; sh:equals ex:r ] ;
  sh:property [ sh:path ex:q ; sh:disjoint ex:p ; sh:lessThanOrEquals ex:q ] .
ex:Logic a sh:NodeShape ; sh:targetNode ex:a, ex:b, "ab" ;
  sh:or ( [ sh:path ex:p ; sh:minCount 2 ] [ sh:class ex:D ] ) ;
  sh:xone ( [ sh:path ex:q ; sh:minCount 1 ] [ sh:path ex:r ; sh:minCount 1 ] ) ;
  sh:not [ sh:path ex:s ; sh:minCount 1 ] ;
  sh:and ( [ sh:nodeKind sh:BlankNodeOrIRI ] [ sh:path ex:p ; sh:maxCount 3 ] ) ;
  sh:property [ sh:path ex:p ; sh:node ex:Target ;
                sh:qualifiedValueShape [ sh:class ex:C ] ; sh:qualifiedMinCount 1 ;
                sh:qualifiedValueShapesDisjoint true ] ;
  sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:path ex:q ; sh:minCount 1 ] ;
                sh:qualifiedMaxCount 1 ] .
ex:Target a sh:NodeShape ; sh:property [ sh:path ex:q ; sh:minCount 1 ] .
ex:Closed a sh:NodeShape ; sh:targetClass ex:D ; sh:closed true ;
  sh:ignoredProperties ( <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ) ;
  sh:property [ sh:path ex:p ] ; sh:property [ sh:path ex:q ] .
ex:Sparql a sh:NodeShape ; sh:targetClass ex:C ;
  sh:sparql [ sh:message "{$this} points at {?value}" ; sh:select \"\"\"
    SELECT $this ?value WHERE { $this <http://ex/p> ?value .
      FILTER NOT EXISTS { ?value <http://ex/q> ?any } }\"\"\" ] .
ex:Off a sh:NodeShape ; sh:targetClass ex:C ; sh:deactivated true ;
  sh:property [ sh:path ex:p ; sh:minCount 9 ] .
"""

NODES = [EX.a, EX.b, EX.c, EX.d]
BNODES = [rdflib.BNode("hb1"), rdflib.BNode("hb2")]
LITERALS = [
    rdflib.Literal(1), rdflib.Literal(2), rdflib.Literal(12), rdflib.Literal("ab"),
    rdflib.Literal("Abc"), rdflib.Literal("ab", lang="en"), rdflib.Literal("ab", lang="EN"),
    rdflib.Literal("ab", lang="de"), rdflib.Literal(True), rdflib.Literal("2.5", datatype=XSD.decimal),
    rdflib.Literal("2020-01-01", datatype=XSD.date), rdflib.Literal("x", datatype=XSD.integer),
]
SUBJECTS = st.sampled_from(NODES + BNODES)
PREDICATES = st.sampled_from([EX.p, EX.q, EX.r, EX.s, EX.t])
OBJECTS = st.sampled_from(NODES + BNODES + LITERALS)
TYPES = st.tuples(SUBJECTS, st.just(RDF.type), st.sampled_from([EX.C, EX.D, EX.E]))
TRIPLES = st.lists(st.one_of(st.tuples(SUBJECTS, PREDICATES, OBJECTS), TYPES), max_size=18)
GRAPHS = st.lists(st.tuples(TRIPLES, st.booleans()), min_size=1, max_size=3)


def _graph(triples: list[tuple[rdflib.term.Node, ...]], subclass: bool) -> rdflib.Graph:
    g = rdflib.Graph()
    for t in triples:
        g.add(t)  # type: ignore[arg-type]
    if subclass:  # E ⊑ D here, D ⊑ C in the ontology: the chain crosses the two graphs
        g.add((EX.E, RDFS.subClassOf, EX.D))
    return g


def _explain(diffs: list[Difference]) -> str:
    return "\n".join(str(d) for d in diffs[:20])


_SHAPES = rdflib.Graph().parse(data=SHAPES, format="turtle")
_ONTOLOGY = rdflib.Graph().add((EX.D, RDFS.subClassOf, EX.C))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(GRAPHS)
def test_generated_graphs_agree(graphs: list[tuple[list[tuple[rdflib.term.Node, ...]], bool]]) -> None:
    datas = [_graph(t, sub) for t, sub in graphs]
    diffs = compare(_SHAPES, datas, _ONTOLOGY)
    assert not diffs, _explain(diffs)


def test_differences_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    """The helper must be able to fail: a fast backend that drops its results differs."""
    from engine.shacl.fast import FastPrepared

    data = _graph([(EX.a, RDF.type, EX.C)], False)
    monkeypatch.setattr(FastPrepared, "_to_raw", staticmethod(lambda findings, gt: []))
    diffs = compare(_SHAPES, [data], _ONTOLOGY)
    assert diffs and all(d.kind == "only-reference" for d in diffs)


SUITE = Path(__file__).resolve().parents[1] / "data" / "w3c-shacl-tests"
W3C = ["core/node/xone-001.ttl", "core/node/qualified-001.ttl", "core/property/qualifiedValueShape-001.ttl",
       "core/property/lessThan-001.ttl", "core/path/path-complex-001.ttl", "core/complex/personexample.ttl",
       "core/node/closed-001.ttl", "core/property/uniqueLang-001.ttl", "sparql/node/sparql-001.ttl"]


@pytest.mark.parametrize("name", W3C)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_w3c_shapes_on_thinned_data(name: str, data: st.DataObject) -> None:
    from conftest import require

    path = SUITE / name
    require(path.is_file(), f"W3C test {name} not found")
    if name == "core/node/qualified-001.ttl":
        shapes = rdflib.Graph().parse(SUITE / "core/node/qualified-001-shapes.ttl")
        full = rdflib.Graph().parse(SUITE / "core/node/qualified-001-data.ttl")
    else:
        shapes = full = rdflib.Graph().parse(path)
    triples = sorted(full, key=str)
    keep = data.draw(st.lists(st.booleans(), min_size=len(triples), max_size=len(triples)))
    thinned = rdflib.Graph()
    for t, k in zip(triples, keep, strict=True):
        if k or t[1] == RDF.type:
            thinned.add(t)
    diffs = compare(shapes, [thinned, full])
    assert not diffs, _explain(diffs)
