"""The fast backend's own guarantees: the gate, the data gate, and the Oxigraph traps
its query shapes are built around."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.namespace import SH, XSD

from engine.errors import PolicyError
from engine.shacl import get_backend
from engine.shacl.fast.sparql import batch_query, check_prebinding, substitute_this
from engine.shacl.fast.terms import GraphTerms

EX = rdflib.Namespace("http://ex/")
PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://ex/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""


def g(text: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=PREFIXES + text, format="turtle")


def test_oxigraph_traps_still_there() -> None:
    """If a pyoxigraph upgrade fixes these, the simpler query forms become usable."""
    store = ox.Store()
    store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.NamedNode("urn:b"),
                      ox.NamedNode("urn:g1")))
    unbound = "SELECT ?g WHERE { GRAPH ?g { VALUES ?x { <urn:x> } } }"
    assert [r["g"] for r in store.query(unbound)] == [None]  # type: ignore[union-attr]
    bound = "SELECT ?g WHERE { GRAPH ?g { BIND(<urn:x> AS ?x) } }"
    assert [r["g"] for r in store.query(bound)] == [ox.NamedNode("urn:g1")]  # type: ignore[union-attr]


CUSTOM = """
ex:HasLang a sh:ConstraintComponent ;
  sh:parameter [ sh:path ex:lang ] ;
  sh:validator [ a sh:SPARQLAskValidator ;
    sh:ask "ASK { FILTER (isLiteral($value) && langMatches(lang($value), $lang)) }" ] .
ex:Routed a sh:NodeShape ; sh:targetClass ex:C ;
  sh:property [ sh:path ex:label ; ex:lang "en" ] .
ex:Compiled a sh:NodeShape ; sh:targetClass ex:C ;
  sh:property [ sh:path ex:label ; sh:minCount 2 ] .
"""


def test_gate_routes_exactly_the_unsupported_shapes() -> None:
    shapes = g(CUSTOM)
    data = g('ex:a a ex:C ; ex:label "hallo"@de .')
    fast = get_backend("auto").prepare(shapes)
    assert [n for n, _ in fast.unsupported] == [EX.Routed]
    assert "constraint component" in fast.unsupported[0][1]
    results = fast.validate(data)
    by_shape = {shapes.value(r.source_shape, SH.path, any=False): r for r in results}
    assert len(results) == 2  # one from each engine, none twice
    assert by_shape[EX.label].component in (SH.MinCountConstraintComponent,
                                            EX.HasLang)
    components = {r.component for r in results}
    assert SH.MinCountConstraintComponent in components
    assert len(components) == 2
    ref = get_backend("reference").prepare(shapes).validate(data)
    assert {(r.source_shape, r.component) for r in ref} == {
        (r.source_shape, r.component) for r in results}


def test_gate_can_be_refused() -> None:
    from engine.shacl.fast import FastBackend

    with pytest.raises(NotImplementedError):
        FastBackend(gate=False).prepare(g(CUSTOM))


def test_lossy_literals_send_the_graph_to_the_reference_engine() -> None:
    shapes = g("ex:S a sh:NodeShape ; sh:targetNode ex:a ; "
               "sh:property [ sh:path ex:n ; sh:datatype xsd:integer ] .")
    data = g('ex:a ex:n "5"^^xsd:int .')  # Oxigraph would store this as xsd:integer
    gt = GraphTerms()
    gt.quads(data, ox.NamedNode("urn:g"))
    assert gt.lossy
    results = get_backend("fast").prepare(shapes).validate(data)
    assert [(r.component, r.value) for r in results] == [
        (SH.DatatypeConstraintComponent, rdflib.Literal("5", datatype=XSD.int))]


def test_literals_come_back_as_the_callers_terms() -> None:
    shapes = g("ex:S a sh:NodeShape ; sh:targetNode ex:a ; "
               "sh:property [ sh:path ex:n ; sh:maxInclusive 1 ] .")
    data = g('ex:a ex:n "2.50"^^xsd:decimal, "3e0"^^xsd:double, "2020-01-01T00:00:00+00:00"^^xsd:dateTime .')
    results = get_backend("fast").prepare(shapes).validate(data)
    values = {r.value for r in results}
    assert values <= set(data.objects(EX.a, EX.n))
    assert len(values) == 3


@pytest.mark.parametrize("query", [
    "SELECT $this WHERE { $this ?p ?o . MINUS { $this ?p 1 } }",
    "SELECT $this WHERE { VALUES ?x { 1 } }",
    "SELECT $this WHERE { BIND(1 AS ?this) }",
    "SELECT $this WHERE { { SELECT ?o WHERE { ?s ?p ?o } } }",
    "SELECT $this WHERE { { SELECT * WHERE { ?s ?p ?o } } }",
])
def test_prebinding_rules_refuse(query: str) -> None:
    with pytest.raises(PolicyError):
        check_prebinding(query)


def test_prebinding_rules_accept_strings_and_projected_subselects() -> None:
    check_prebinding('SELECT $this WHERE { $this ?p "MINUS VALUES" . '
                     '{ SELECT $this (COUNT(?o) AS ?n) WHERE { $this ?q ?o } GROUP BY $this } }')


def test_substitution_reaches_inner_groups_and_leaves_strings() -> None:
    q = substitute_this('SELECT $this WHERE { { FILTER(bound($this)) } ?x <urn:this> "$this" }',
                        "<urn:f>")
    assert q.count("VALUES ?this { <urn:f> }") == 2
    assert '"$this"' in q and "<urn:this>" in q


def test_batch_query_wraps_in_graph_and_projects_g() -> None:
    q = batch_query("SELECT DISTINCT $this ?value WHERE { $this <urn:p> ?value "
                    "FILTER NOT EXISTS { ?value <urn:q> 1 } }", lambda n: f"F{n}")
    assert q.startswith("SELECT DISTINCT ?g ?this ?value WHERE { GRAPH ?g { F1")
    assert "{ F2  ?value <urn:q> 1 }" in q
    assert q.rstrip().endswith("} }")


def test_sparql_constraint_on_many_graphs_matches_per_graph() -> None:
    shapes = g('''ex:S a sh:NodeShape ; sh:targetClass ex:C ;
      sh:sparql [ sh:select """SELECT $this ?value WHERE {
          $this <http://ex/p> ?value . FILTER NOT EXISTS { ?value <http://ex/ok> true } }""" ] .''')
    datas = [g(f"ex:a a ex:C ; ex:p ex:v{i} . ex:v{i} ex:ok {'true' if i % 2 else 'false'} .")
             for i in range(6)]
    fast = get_backend("fast").prepare(shapes)
    ref = get_backend("reference").prepare(shapes)
    batched = list(fast.validate_many(datas))
    for data, got in zip(datas, batched, strict=True):
        want = ref.validate(data)
        assert {(r.focus, r.value) for r in got} == {(r.focus, r.value) for r in want}
    assert [len(b) for b in batched] == [1, 0, 1, 0, 1, 0]


def test_backreference_pattern_is_routed_not_misjudged() -> None:
    shapes = g(r'ex:S a sh:NodeShape ; sh:targetNode ex:a ; '
               r'sh:property [ sh:path ex:n ; sh:pattern "^(a)\\1$" ] .')
    prepared = get_backend("auto").prepare(shapes)
    assert [n for n, _ in prepared.unsupported] == [EX.S]
    assert prepared.validate(g('ex:a ex:n "aa" .')) == []
    assert len(prepared.validate(g('ex:a ex:n "ab" .'))) == 1


def test_closed_false_and_unique_lang_false_do_nothing() -> None:
    shapes = g('ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:closed false ; '
               'sh:property [ sh:path ex:n ; sh:uniqueLang false ] .')
    data = g('ex:a ex:other 1 ; ex:n "x"@en, "y"@en .')
    assert get_backend("fast").prepare(shapes).validate(data) == []


def test_sparql_syntax_error_is_a_policy_error_at_prepare() -> None:
    shapes = g('ex:S a sh:NodeShape ; sh:targetNode ex:a ; '
               'sh:sparql [ sh:select "SELECT $this WHERE { $this ?p }" ] .')
    with pytest.raises(PolicyError):
        get_backend("fast").prepare(shapes)


def test_variables_named_like_aggregates_do_not_stop_batching() -> None:
    from engine.shacl.fast.sparql import _batchable, _skeleton

    named_like = "SELECT $this WHERE { $this <urn:p> ?count . FILTER (?count > $min) }"
    assert _batchable(_skeleton(named_like))
    for real in ("SELECT $this (COUNT(?x) AS ?n) WHERE { $this <urn:p> ?x } GROUP BY $this",
                 "SELECT $this WHERE { $this <urn:p> ?x } LIMIT 1",
                 "SELECT $this WHERE { GRAPH ?g { $this <urn:p> ?x } }"):
        assert not _batchable(_skeleton(real)), real


def test_triples_read_straight_from_the_store_are_the_graphs_triples(repo: object) -> None:
    from pathlib import Path

    from rdflib.plugins.stores.memory import SimpleMemory

    from engine.shacl.fast.terms import _triples
    from engine.workload import load_workload

    wl = load_workload(Path(str(repo)) / "examples" / "churn-batch.yaml")
    simple = rdflib.Graph(store=SimpleMemory())
    memory = rdflib.Graph()
    for t in wl.graph:
        simple.add(t)
        memory.add(t)
    for g in (wl.graph, simple, memory):
        got = _triples(g)
        assert isinstance(got, list)  # the fast path was taken
        assert sorted(got) == sorted(g.triples((None, None, None)))
    ds = rdflib.Dataset()
    ds.graph(rdflib.URIRef("urn:g")).add((rdflib.URIRef("urn:s"), RDF_TYPE, rdflib.URIRef("urn:C")))
    assert not isinstance(_triples(ds), list)  # contexts: the public API


RDF_TYPE = rdflib.RDF.type


def test_first_batch_runs_on_oxigraph_only_when_it_is_small(monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """One workload on a fresh pack goes to Oxigraph (the in-process engine's preparation
    would not pay for itself); a call with more graphs than one in-process batch starts
    in-process at once, and both give the same results."""
    import engine.shacl.fast as fast

    shapes = g("ex:S a sh:NodeShape ; sh:targetClass ex:T ; "
               "sh:property [ sh:path ex:p ; sh:minCount 1 ] .")
    datas = [g(f"ex:n{i} a ex:T . " + (f"ex:n{i} ex:p 1 ." if i % 2 else "")) for i in range(7)]
    stores = []
    real_store = fast.ox.Store

    def counting_store(*args: object) -> object:
        stores.append(1)
        return real_store(*args)

    monkeypatch.setattr(fast, "SMALL", 3)
    monkeypatch.setattr(fast, "_prepared_cache", {})
    monkeypatch.setattr(fast.ox, "Store", counting_store)
    one = fast.FastPrepared(shapes, None)
    first = [len(r) for r in one.validate_many(datas[:1])]
    assert stores == [1]
    many = fast.FastPrepared(shapes, None)
    stores.clear()
    got = [len(r) for r in many.validate_many(datas)]
    assert stores == []  # seven graphs, batches of three: in-process from the start
    assert got == [1, 0, 1, 0, 1, 0, 1] and first == [1]


def test_direct_rows_equal_the_generic_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process evaluator's shortcut for plain constraints (rows read straight from its
    tuples) gives what the generic path through solution dicts gives, on the examples."""
    from pathlib import Path

    import engine.shacl.fast as fast
    from engine.policies.catalog import builtin_catalog
    from engine.shacl.fast.small import MiniEvaluator
    from engine.validate.validator import Validator
    from engine.workload import load_workload

    root = Path(__file__).resolve().parents[2]
    monkeypatch.setattr(fast, "SMALL_AFTER", 0)
    v = Validator(builtin_catalog().select(), engine="fast")
    graphs = [load_workload(p).graph for p in sorted((root / "examples").glob("*.yaml"))]

    direct_calls = []
    real_rows = MiniEvaluator.rows

    def counting_rows(self: MiniEvaluator, *args: object) -> object:
        direct_calls.append(self.DIRECT_ROWS)
        return real_rows(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(MiniEvaluator, "rows", counting_rows)

    def results(direct: bool) -> list[list[str]]:
        monkeypatch.setattr(MiniEvaluator, "DIRECT_ROWS", direct)
        return [sorted(map(repr, r)) for r in v.prepared.validate_many(graphs)]

    fast_rows = results(True)
    assert fast_rows == results(False)
    assert sum(map(len, fast_rows)) > 100
    assert True in direct_calls and False in direct_calls  # both ran in-process


NATIVE_SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:targetNode ex:ghost, ex:a ;
  sh:property [ sh:path ex:p ; sh:minCount 2 ] , [ sh:path ex:p ; sh:maxCount 1 ] ,
              [ sh:path ex:q ; sh:minCount 1 ] , [ sh:path ex:p ; sh:hasValue 1 ] ,
              [ sh:path ex:flag ; sh:hasValue true ] , [ sh:path ex:r ; sh:hasValue ex:v ] ,
              [ sh:path ex:d ; sh:hasValue "1.00"^^xsd:decimal ] ,
              [ sh:path ex:p ; sh:node [ sh:property [ sh:path ex:q ; sh:minCount 1 ] ] ] ,
              [ sh:path ex:p ; sh:not [ sh:property [ sh:path ex:r ; sh:hasValue ex:v ] ] ] .
"""

NATIVE_DATA = ["""
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
ex:a a ex:C ; ex:p 1 ; ex:flag true ; ex:r ex:v ; ex:d 1.0 .
ex:b a ex:C ; ex:p 1, 2, "x" ; ex:q ex:a ; ex:flag "true" ; ex:d "1.0"^^xsd:decimal .
_:c a ex:C ; ex:p _:c, ex:a ; ex:q _:c ; ex:r ex:w, ex:v ; ex:flag false .
ex:d a ex:C .
""", """
@prefix ex: <http://example.org/> .
ex:e a ex:C ; ex:p 1.0, 1e0 ; ex:q "a"@en .
ex:a ex:q ex:a ; ex:r ex:v .
""", """
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
ex:f a ex:C ; ex:p 1 ; ex:d 1.00, 1.0 .
"""]


def test_native_counts_and_values_equal_their_queries(monkeypatch: pytest.MonkeyPatch) -> None:
    """sh:minCount, sh:maxCount and sh:hasValue answered from the in-process index give what
    their queries give: blank nodes, target nodes without data, literal forms Oxigraph
    canonicalises, nested shapes, a graph whose literals Oxigraph would merge (run by the
    reference engine); and on the examples and generated faults."""
    import importlib.util
    from pathlib import Path

    import rdflib

    import engine.shacl.fast as fast
    from engine.policies.catalog import builtin_catalog
    from engine.shacl.fast.small import MiniEvaluator
    from engine.validate.validator import Validator
    from engine.workload import load_workload, load_workload_text

    monkeypatch.setattr(fast, "SMALL_AFTER", 0)
    calls: list[bool] = []
    real = MiniEvaluator._objects

    def counting(self: MiniEvaluator, *args: object) -> object:
        calls.append(True)
        return real(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(MiniEvaluator, "_objects", counting)

    def results(prepared: fast.FastPrepared, graphs: list[rdflib.Graph], native: bool
                ) -> list[list[str]]:
        monkeypatch.setattr(MiniEvaluator, "NATIVE", native)
        batch = [sorted(map(repr, r)) for r in prepared.validate_many(graphs)]
        single = [sorted(map(repr, prepared.validate(g))) for g in graphs]
        assert batch == single
        return batch

    shapes = rdflib.Graph().parse(data=NATIVE_SHAPES, format="turtle")
    graphs = [rdflib.Graph().parse(data=d, format="turtle") for d in NATIVE_DATA]
    prepared = fast.FastPrepared(shapes, None)
    native = results(prepared, graphs, True)
    assert calls and native == results(prepared, graphs, False)
    assert [len(r) for r in native] == [28, 17, 17]
    monkeypatch.setattr(MiniEvaluator, "NATIVE", True)
    assert prepared.reference_graphs == 4  # the third graph, in a batch and alone, twice

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("gen", root / "benchmarks" / "generate.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    import yaml

    wls = [load_workload(p) for p in sorted((root / "examples").glob("*.yaml"))]
    wls += [load_workload_text(yaml.safe_dump(doc), filename=f"{stem}.yaml")
            for stem, doc, _ in gen.generate(24, seed=5, faults=4)]
    v = Validator(builtin_catalog().select(), engine="fast")
    calls.clear()
    graphs = [w.graph for w in wls]
    native = results(v.prepared, graphs, True)
    assert calls and native == results(v.prepared, graphs, False)
    assert sum(map(len, native)) > 500


def test_steps_left_out_for_missing_predicates_change_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The in-process evaluator leaves out the steps whose query needs a predicate or class
    no graph holds; the findings are those of running every step, and steps were left out."""
    from pathlib import Path

    import engine.shacl.fast as fast
    from engine.policies.catalog import builtin_catalog
    from engine.shacl.fast.compiler import Evaluator
    from engine.shacl.fast.small import MiniEvaluator
    from engine.validate.validator import Validator
    from engine.workload import load_workload

    root = Path(__file__).resolve().parents[2]
    monkeypatch.setattr(fast, "SMALL_AFTER", 0)
    v = Validator(builtin_catalog().select(), engine="fast")
    graphs = [load_workload(p).graph for p in sorted((root / "examples").glob("*.yaml"))]
    ran: list[int] = []
    run_steps = Evaluator.run_steps

    def counting(self: Evaluator, steps: object) -> object:
        listed = list(steps)  # type: ignore[call-overload]
        ran.append(len(listed))
        return run_steps(self, listed)

    monkeypatch.setattr(Evaluator, "run_steps", counting)

    def results() -> list[list[str]]:
        batch = [sorted(map(repr, r)) for r in v.prepared.validate_many(graphs)]
        return batch + [sorted(map(repr, v.prepared.validate(g))) for g in graphs]

    filtered = results()
    kept = list(ran)
    ran.clear()
    monkeypatch.setattr(MiniEvaluator, "run", Evaluator.run)
    assert filtered == results()
    assert len(kept) == len(ran) == len(graphs) + 1  # one batch, then each example alone
    # the examples together hold every predicate asked for; each alone does not
    assert kept[0] == ran[0] and all(k < n for k, n in zip(kept[1:], ran[1:], strict=True))
    assert sum(map(len, filtered)) > 100
