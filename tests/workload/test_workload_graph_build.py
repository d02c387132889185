"""The lifter's shortcuts build what rdflib's public API builds: the same triples in the same
order, the same terms (slot for slot), the same prefixes, serialisations and pickles."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path
from typing import Any

import pytest
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.term import _is_valid_uri

from engine.vocab import MLWA
from engine.workload import Workload, load_workload, load_workload_text
from engine.workload.lift import WorkloadGraph, build_graph, plain_literal

REPO = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 30)
_SLOTS = ("_language", "_datatype", "_value", "_ill_typed")


def _generator() -> Any:
    import importlib.util

    spec = importlib.util.spec_from_file_location("mlwa_bench_generate",
                                                  REPO / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def workloads() -> list[Workload]:
    out = [load_workload(p, as_of=AS_OF) for p in sorted((REPO / "examples").glob("*.yaml"))]
    for stem, doc, _ in _generator().generate(12, seed=3, faults=4):
        out.append(load_workload_text(yaml.safe_dump(doc, sort_keys=False),
                                      filename=f"{stem}.yaml", as_of=AS_OF))
    return out


def _reference(triples: list[Any]) -> Graph:
    """A workload graph as it was built before: eager bind, one store.add per triple."""
    graph = Graph(store="SimpleMemory")
    graph.bind("mlwa", MLWA)
    for t in triples:
        graph.add(t)
    return graph


def test_direct_indexing_equals_store_add(workloads: list[Workload]) -> None:
    for wl in workloads:
        triples = list(wl.graph)
        direct, added = build_graph(triples), build_graph(triples, direct=False)
        assert list(direct) == list(added) == triples  # same order, same triples
        for pattern in [(None, None, None), *((s, None, None) for s, _, _ in triples[:40]),
                        *((None, p, None) for _, p, _ in triples[:40]),
                        *((None, None, o) for _, _, o in triples[:40]),
                        *((None, p, o) for _, p, o in triples[:40])]:
            assert list(direct.triples(pattern)) == list(added.triples(pattern))
        assert len(direct) == len(added)


def test_graphs_match_the_eagerly_built_reference(workloads: list[Workload]) -> None:
    for wl in workloads:
        ref = _reference(list(wl.graph))
        assert list(wl.graph.namespaces()) == list(ref.namespaces())
        assert wl.graph.serialize(format="turtle") == ref.serialize(format="turtle")
        assert wl.graph.isomorphic(ref)


def test_namespaces_are_bound_on_first_use_only() -> None:
    graph = build_graph([(URIRef("urn:x"), MLWA.name, plain_literal("x"))])
    assert graph.store.namespace("mlwa") is None  # nothing made yet
    assert graph.namespace_manager.store.namespace("mlwa") == URIRef(str(MLWA))
    assert ("mlwa", URIRef(str(MLWA))) in list(graph.namespaces())
    assert "mlwa:name" in graph.serialize(format="turtle")


def test_setting_a_namespace_manager_keeps_the_mlwa_binding() -> None:
    graph = build_graph([])
    other = Graph()
    graph.namespace_manager = NamespaceManager(graph, "none")
    assert graph.store.namespace("mlwa") == URIRef(str(MLWA))
    assert dict(graph.namespaces())["mlwa"] == URIRef(str(MLWA))
    assert "mlwa" not in dict(other.namespaces())


def test_pickles_round_trip(workloads: list[Workload]) -> None:
    for wl in workloads[:3]:
        fresh = build_graph(list(wl.graph))  # namespace manager not made yet
        back = pickle.loads(pickle.dumps(fresh))
        assert isinstance(back, WorkloadGraph)
        assert list(back) == list(fresh)
        assert list(back.namespaces()) == list(_reference([]).namespaces())


def test_terms_are_what_rdflib_constructors_make(workloads: list[Workload]) -> None:
    plain = typed = 0
    for wl in workloads:
        for triple in wl.graph:
            for term in triple:
                if isinstance(term, URIRef):
                    assert type(term) is URIRef and _is_valid_uri(term), term
                    assert term == URIRef(str(term))
                elif isinstance(term, Literal):
                    assert type(term) is Literal
                    if term.datatype is None and term.language is None:
                        real = Literal(str(term))
                        plain += 1
                    else:
                        real = Literal(term.value, datatype=term.datatype)
                        typed += 1
                    assert str(term) == str(real)
                    assert [getattr(term, a) for a in _SLOTS] == [getattr(real, a)
                                                                  for a in _SLOTS]
    assert plain > 500 and typed > 200


@pytest.mark.parametrize("text", ["", "x", " padded\n", "tab\there", "üñí©ødé", "🙂", "1",
                                  "true", "a=b", "line\nbreak", "\\", '"quoted"', "x" * 5000])
def test_plain_literal_is_literal(text: str) -> None:
    made, real = plain_literal(text), Literal(text)
    assert type(made) is Literal and made == real and hash(made) == hash(real)
    assert [getattr(made, a) for a in _SLOTS] == [getattr(real, a) for a in _SLOTS]
    assert made.n3() == real.n3()


@pytest.mark.parametrize("name", ["plain", "with space", "slash/inside", "ünïcode", "50%",
                                  "a+b@c:d~e.f_g-h", "q?x=1#frag", "<tag>", "tab\t", "{b}",
                                  "back\\slash", "'q'", "", "0", "line\n", "é", "-", "~"])
def test_names_are_quoted_as_urllib_does(name: str) -> None:
    """Item IRIs percent-encode names as urllib's quote does (safe: -._~:@+), and come out
    valid for rdflib although its check is skipped."""
    from urllib.parse import quote

    from engine.workload.lift import _SAFE, _iri, _quoted

    assert _quoted(name) == quote(name, safe=_SAFE)
    iri = _iri(f"urn:mlwa:workload:w/data_stores/{_quoted(name)}")
    assert _is_valid_uri(iri) and iri == URIRef(str(iri))


def test_the_shortcuts_are_in_use_with_this_rdflib() -> None:
    """The probes found rdflib laid out as expected (else the slow, public paths run and
    loading is several times slower without any test failing)."""
    from rdflib.plugins.stores.memory import SimpleMemory

    from engine.workload.lift import _index_directly

    assert plain_literal is not Literal
    assert _index_directly(SimpleMemory(), [])


def test_a_lifted_store_indexes_on_first_use_and_then_is_a_simple_memory() -> None:
    from rdflib.plugins.stores.memory import SimpleMemory

    from engine.workload.lift import LiftedStore

    a, b = URIRef("urn:a"), URIRef("urn:b")
    triples = [(a, MLWA.name, plain_literal("x")), (a, MLWA.name, plain_literal("x")),  # twice
               (b, MLWA.name, plain_literal("y"))]
    graph = build_graph(triples)
    store = graph.store
    assert isinstance(store, LiftedStore) and store.pending_triples() is triples
    back = pickle.loads(pickle.dumps(graph))  # pickles while pending, and stays so
    assert back.store.pending_triples() == triples
    assert len(graph) == 2  # rdflib's view: indexed now, the repeated triple once
    assert store.pending_triples() is None
    assert list(graph) == list(build_graph(triples, direct=False)) == list(back)
    for first_use in (lambda g: g.add((a, MLWA.name, plain_literal("z"))),
                      lambda g: g.remove((a, None, None)),
                      lambda g: list(g.triples((None, MLWA.name, None))),
                      lambda g: (b, None, None) in g):
        fresh = build_graph(list(triples))
        first_use(fresh)
        assert fresh.store.pending_triples() is None
        expect = build_graph(list(triples), direct=False)
        first_use(expect)
        assert sorted(fresh) == sorted(expect)
        assert type(fresh.store).triples is not SimpleMemory.triples  # still the subclass


def test_pending_triples_give_what_the_indexed_graph_gives(workloads: list[Workload]) -> None:
    """The fast engine and the vacuity check read a lifted workload's triples before rdflib
    indexes them: they must see what they would see in the indexed graph."""
    from engine.policies.catalog import builtin_catalog
    from engine.shacl.fast.terms import GraphTerms
    from engine.validate.validator import DataIndex, Validator

    v = Validator(builtin_catalog().select(), engine="fast", as_of=AS_OF)
    preds = v._target_predicates
    for wl in workloads:
        triples = list(wl.graph)  # indexes wl.graph
        pending = build_graph(triples)
        assert sorted(GraphTerms().scan(pending)) == sorted(GraphTerms().scan(wl.graph))
        gt_p, gt_i = GraphTerms(), GraphTerms()
        gt_p.scan(pending), gt_i.scan(wl.graph)
        assert (gt_p.lossy, gt_p.has_subclass) == (gt_i.lossy, gt_i.has_subclass)
        lazy, indexed = DataIndex(pending, preds), DataIndex(wl.graph, preds)
        assert pending.store.pending_triples() is not None  # read without indexing
        assert (lazy.types, lazy.predicates) == (indexed.types, indexed.predicates)
        assert lazy.types and lazy.predicates
        assert sorted(v.prepared.validate(pending)) == sorted(v.prepared.validate(wl.graph))
        assert pending.store.pending_triples() is not None


def test_a_portfolio_tally_leaves_the_graphs_unindexed(workloads: list[Workload]) -> None:
    from engine.policies.catalog import builtin_catalog
    from engine.validate.validator import Validator

    fresh = [load_workload(p, as_of=AS_OF) for p in sorted((REPO / "examples").glob("*.yaml"))]
    v = Validator(builtin_catalog().select(), engine="fast", as_of=AS_OF)
    v.tally_many(fresh * 30)  # more than one in-process batch
    assert all(w.graph.store.pending_triples() is not None for w in fresh)


def test_a_subclass_triple_is_seen_in_pending_triples() -> None:
    from rdflib.namespace import RDFS

    from engine.shacl.fast.terms import GraphTerms

    a = URIRef("urn:a")
    for triples, expect in (([(a, RDFS.subClassOf, URIRef("urn:b"))], True),
                            ([(a, MLWA.name, plain_literal("x"))], False)):
        gt = GraphTerms()
        gt.scan(build_graph(triples))
        assert gt.has_subclass is expect


def test_threads_reading_a_lifted_graph_at_once_see_it_whole(workloads: list[Workload]) -> None:
    from concurrent.futures import ThreadPoolExecutor

    triples = list(workloads[0].graph)
    for _ in range(60):  # the race it guards against shows within a few rounds
        graph = build_graph(list(triples))
        with ThreadPoolExecutor(4) as pool:
            seen = list(pool.map(sorted, [graph] * 8))
        assert all(s == sorted(triples) for s in seen)
