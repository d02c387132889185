"""Hostile ``mlwa query`` texts: each is refused or stopped within the bound, with exit 2,
one ``mlwa:`` line, no traceback and no connection to a 127.0.0.1 listener (issue 16,
holes 1 and 3). Several different texts per kind, none of them the one in the issue."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.conftest import Listener, assert_refused, mlwa

SMUGGLED = {  # a SERVICE call hidden from a parser that ends comments only at \n
    "cr-in-comment": "SELECT ?x WHERE {{ ?x ?y ?z # note\rSERVICE <{url}> {{ ?x ?y ?z }} }}",
    "cr-lowercase": "select * where {{ # x\rservice silent <{url}> {{ ?a ?b ?c }} ?a ?b ?c }}",
    "u2028": "SELECT * WHERE {{ ?s ?p ?o #\u2028SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "nel": "SELECT * WHERE {{ ?s ?p ?o #\x85SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "escaped-cr": "ASK {{ ?s ?p ?o #\\u000dSERVICE <{url}> {{ ?s ?p ?o }} }}",
    "nested-cr": "SELECT * WHERE {{ {{ {{ ?s ?p ?o # a\r\rSERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
    "in-exists": "SELECT * WHERE {{ ?s ?p ?o FILTER EXISTS {{ #\rSERVICE <{url}> {{ ?s ?p ?o }} }} }}",
    "plain": "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
}


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from engine.estate.store import LocalEstate

    folder = tmp_path_factory.mktemp("estate") / "store"
    store = LocalEstate(folder)
    store.add_ntriples("urn:g", "\n".join(f"<urn:s{i}> <urn:p> <urn:o{i}> ." for i in range(400)))
    store.close()
    return folder


@pytest.mark.parametrize("name", sorted(SMUGGLED))
def test_smuggled_service_is_refused_on_the_embedded_store(name: str, estate: Path,
                                                            listener: Listener) -> None:
    text = SMUGGLED[name].format(url=listener.url)
    assert_refused(mlwa("query", text, "--store", str(estate)))
    assert listener.connections == 0


@pytest.mark.parametrize("name", ["cr-in-comment", "u2028", "escaped-cr"])
def test_smuggled_service_never_reaches_a_server(name: str, listener: Listener) -> None:
    # The listener plays the SPARQL server: the refusal happens before any request.
    text = SMUGGLED[name].format(url="http://127.0.0.1:9/elsewhere")
    assert_refused(mlwa("query", text, "--store", listener.url))
    assert listener.connections == 0


@pytest.mark.parametrize("text", [
    "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
    # the filter needs all four patterns, so it cannot be pushed down: never true, never fast
    "ASK { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l "
    "FILTER(STR(?a) = CONCAT(STR(?d), STR(?g), STR(?j))) }",
    "SELECT (MAX(STRLEN(CONCAT(STR(?a), STR(?d), STR(?g)))) AS ?m) WHERE "
    "{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }",
])
def test_a_costly_query_is_stopped_by_the_timeout(text: str, estate: Path) -> None:
    out = mlwa("query", text, "--store", str(estate), "--timeout", "3")
    assert_refused(out, "3 s")
    assert out.seconds < 60


def test_too_many_rows_is_an_error_not_a_cut(estate: Path) -> None:
    out = mlwa("query", "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f }", "--store", str(estate),
               "--max-rows", "50")
    assert_refused(out, "more than 50 rows")


def test_a_bounded_query_still_answers(estate: Path) -> None:
    out = mlwa("query", "SELECT ?s WHERE { ?s <urn:p> <urn:o7> }", "--store", str(estate),
               "--format", "csv")
    assert out.code == 0, out.stderr
    assert "urn:s7" in out.stdout
