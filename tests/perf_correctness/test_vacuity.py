"""The Validator's vacuity index says exactly what ``target_nodes`` says."""

from __future__ import annotations

from typing import Any

from engine.policies.catalog import builtin_catalog
from engine.validate.validator import DataIndex, TargetSpec, Validator, target_nodes


def test_index_agrees_with_target_nodes(workloads: list[Any]) -> None:
    v = Validator(builtin_catalog().select(include_deprecated=True), engine="fast")
    specs = {p.code: TargetSpec.of(p.shape, v.shapes) for p in v.policies}
    preds = frozenset().union(*(s.predicates for s in specs.values()))
    vacuous = selected = 0
    for wl in workloads:
        index = DataIndex(wl.graph, preds)
        for pol in v.policies:
            expected = bool(target_nodes(pol.shape, v.shapes, wl.graph))
            assert index.selects(specs[pol.code]) is expected, (wl.id, pol.code)
            vacuous += not expected
            selected += expected
    assert vacuous and selected  # both outcomes are exercised


def test_index_covers_every_target_kind() -> None:
    from rdflib import Graph

    shapes = Graph().parse(data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <urn:ex:> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        ex:A a sh:NodeShape ; sh:targetClass ex:C .
        ex:B a sh:NodeShape ; sh:targetSubjectsOf ex:p .
        ex:D a sh:NodeShape ; sh:targetObjectsOf ex:q .
        ex:E a sh:NodeShape ; sh:targetNode ex:n .
        ex:F a sh:NodeShape, rdfs:Class .
        ex:G a sh:NodeShape .
    """, format="turtle")
    datas = ["", "<urn:ex:x> a <urn:ex:C> .", "<urn:ex:x> <urn:ex:p> 1 .",
             "<urn:ex:x> <urn:ex:q> <urn:ex:y> .", "<urn:ex:x> a <urn:ex:F> ."]
    shape_nodes = [s for s in set(shapes.subjects()) if str(s).startswith("urn:ex:")]
    specs = {s: TargetSpec.of(s, shapes) for s in shape_nodes}
    preds = frozenset().union(*(s.predicates for s in specs.values()))
    for text in datas:
        data = Graph().parse(data=text, format="turtle")
        index = DataIndex(data, preds)
        for s in shape_nodes:
            assert index.selects(specs[s]) is bool(target_nodes(s, shapes, data)), (text, s)
