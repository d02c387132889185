"""The estate store: named graphs, the run vocabulary, vetted read-only queries."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine.errors import InputError, QueryRefused
from engine.estate import store as E
from engine.estate.history import record_run
from engine.validate.validator import validate_paths
from tests.scale.conftest import fault, mlwa, template, write_doc

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture
def recorded(tmp_path: Path) -> tuple[Path, str, object]:
    path = write_doc(tmp_path / "wl", fault(template(), "store-unencrypted"))
    report = validate_paths([path], engine="fast", as_of=AS_OF)
    run_id = record_run(report)
    return path, run_id, report


def test_graphs_and_vocabulary(recorded: tuple[Path, str, object], tmp_path: Path) -> None:
    _, run_id, report = recorded
    est = E.open_estate(read_only=True)
    try:
        wl = report.workloads[0]  # type: ignore[attr-defined]
        assert est.has_graph(E.LENS_GRAPH)
        assert est.has_graph(E.run_graph_iri(run_id))
        # the workload is its id and its file (behaviour changed deliberately, issue #24)
        key = E.source_key(wl.file)
        assert key is not None and key.endswith("/wl/fraud-detection.yaml")
        assert est.has_graph(E.workload_graph_iri(wl.workload, wl.content_hash, key))
        assert not est.has_graph(E.workload_graph_iri(wl.workload, wl.content_hash))
        rename = E.estate_renamer(wl.workload, key)
        res = est.query(E._with_prefixes(
            "SELECT ?code ?sev ?focus ?path ?msg WHERE { ?f a mlwa:Finding ; mlwa:policyCode ?code ;"
            " mlwa:findingSeverity ?sev ; mlwa:focus ?focus ; mlwa:path ?path ; mlwa:message ?msg ;"
            " mlwa:practice practice:MLSEC02-BP01 }"))
        got = {(r[0], r[2]) for r in res.plain_rows()}
        want = {(f.policy, rename(f.focus)) for f in wl.findings if "MLSEC02-BP01" in f.practices}
        assert all(focus.startswith(E.workload_root_iri(wl.workload, key) + "/") for _, focus in want)
        assert got == want and len(want) >= 4
        # the focus nodes are the workload graph's own nodes, so the two join
        res = est.query(E._with_prefixes(
            "SELECT DISTINCT ?f WHERE { ?f a mlwa:Finding ; mlwa:focus ?n . ?n a mlwa:DataStore }"))
        assert len(res.rows) >= 4
        # the lens is there: practices have titles
        res = est.query(E._with_prefixes("ASK { practice:MLSEC02-BP01 ?p ?o }"))
        assert res.boolean is True
    finally:
        est.close()


def test_lens_loaded_once(tmp_path: Path) -> None:
    est = E.LocalEstate(tmp_path / "e")
    est.ensure_lens()
    n = len(est.query("SELECT * WHERE { ?s ?p ?o }").rows)
    est.ensure_lens()
    assert len(est.query("SELECT * WHERE { ?s ?p ?o }").rows) == n > 1000
    est.close()


@pytest.mark.parametrize("query, refusal", [
    ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "updates"),
    ("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", "SERVICE"),
    ("SELECT * FROM <http://127.0.0.1:1/x> WHERE { ?s ?p ?o }", "FROM"),
    ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "GRAPH"),
])
def test_queries_are_vetted(recorded: object, query: str, refusal: str) -> None:
    with pytest.raises(QueryRefused, match=refusal):
        E.run_query(query)


def test_query_cli_formats(recorded: tuple[Path, str, object]) -> None:
    _, run_id, _ = recorded
    q = "SELECT ?id WHERE { ?r a mlwa:Run ; mlwa:runId ?id }"
    r = mlwa("query", q, "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["head"]["vars"] == ["id"]
    assert [b["id"]["value"] for b in data["results"]["bindings"]] == [run_id]
    r = mlwa("query", q)
    assert run_id in r.stdout and "(1 row)" in r.stdout
    r = mlwa("query", "DELETE WHERE { ?s ?p ?o }")
    assert r.returncode == 2 and "refused" in r.stderr


def test_query_from_file_and_missing_store(tmp_path: Path) -> None:
    qf = tmp_path / "q.rq"
    qf.write_text("ASK { ?s ?p ?o }", encoding="utf-8")
    r = mlwa("query", f"@{qf}", "--store", str(tmp_path / "absent"))
    assert r.returncode == 2 and "empty" in r.stderr
    r = mlwa("query", "@" + str(tmp_path / "nope.rq"))
    assert r.returncode == 2


def test_store_argument_forms() -> None:
    remote = E.open_estate("http://127.0.0.1:7878")
    assert isinstance(remote, E.RemoteEstate)
    assert (remote.query_url, remote.update_url) == ("http://127.0.0.1:7878/query",
                                                     "http://127.0.0.1:7878/update")
    fuseki = E.RemoteEstate("http://127.0.0.1:3030/ds/sparql")
    assert fuseki.update_url == "http://127.0.0.1:3030/ds/update"
    with pytest.raises(InputError):
        E.open_estate("ftp://127.0.0.1/x")


def test_literals_are_escaped_in_ntriples() -> None:
    import pyoxigraph as ox

    t = ox.Triple(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), E._lit('x" } ; DROP ALL #\n'))
    text = E.ntriples([t])
    parsed = list(ox.parse(text.encode(), format=ox.RdfFormat.N_TRIPLES))
    assert parsed[0].object.value == 'x" } ; DROP ALL #\n'


def test_workload_graphs_with_multiline_literals_round_trip(tmp_path: Path) -> None:
    from rdflib import BNode, Graph, Literal, URIRef

    g = Graph()
    node = BNode()
    g.add((URIRef("urn:mlwa:workload:x"), URIRef("urn:p"), Literal('two\nlines "quoted" \\ end')))
    g.add((URIRef("urn:mlwa:workload:x"), URIRef("urn:q"), node))
    g.add((node, URIRef("urn:p"), Literal("hi", lang="en")))
    est = E.LocalEstate(tmp_path / "e")
    est.put_graphs([("urn:mlwa:graph:workload:x:00", E.graph_ntriples(g))])
    values = {r[0] for r in est.query("SELECT ?v WHERE { ?s <urn:p> ?v }").plain_rows()}
    assert values == {'two\nlines "quoted" \\ end', "hi"} and est.skipped == []
    est.close()
