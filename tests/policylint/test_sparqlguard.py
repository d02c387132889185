"""The SPARQL guard: hostile queries are refused with a clear, located message; benign
queries pass and come back ready to run."""

from __future__ import annotations

import pytest
import rdflib
import rdflib.plugins.sparql

from engine.errors import InputError, QueryRefused
from engine.sparqlguard import MAX_QUERY_CHARS, vet_query

REFUSED = {
    "service": ("SELECT * WHERE { SERVICE <http://evil.example/sparql> { ?s ?p ?o } }",
                "SERVICE <http://evil.example/sparql> is refused"),
    "service-in-exists": ("SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://e/> "
                          "{ ?s ?p ?o } } }", "SERVICE"),
    "service-in-subquery": ("SELECT * WHERE { { SELECT ?s WHERE { SERVICE ?x { ?s ?p ?o } } } }",
                            "SERVICE"),
    "from": ("SELECT * FROM <http://evil.example/x> WHERE { ?s ?p ?o }", "FROM"),
    "from-named": ("SELECT * FROM NAMED <http://evil.example/x> WHERE { ?s ?p ?o }", "FROM"),
    "graph": ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "GRAPH"),
    "graph-iri": ("ASK { GRAPH <urn:x> { ?s ?p ?o } }", "GRAPH"),
    "insert-data": ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", "updates"),
    "delete-where": ("PREFIX x: <http://x/>\nDELETE WHERE { ?s ?p ?o }", "updates"),
    "load": ("LOAD <http://evil.example/data.ttl>", "updates"),
    "clear": ("CLEAR ALL", "updates"),
    "create": ("CREATE GRAPH <urn:g>", "updates"),
    "drop": ("DROP ALL", "updates"),
    "custom-function": ("PREFIX ex: <http://ex/> SELECT * WHERE { ?s ?p ?o FILTER(ex:f(?o)) }",
                        "function <http://ex/f> is outside the SPARQL standard library"),
    "custom-function-in-exists": ("PREFIX ex: <http://ex/> ASK { ?s ?p ?o FILTER NOT EXISTS "
                                  "{ ?o ?q ?r FILTER(ex:f(?r)) } }", "function <http://ex/f>"),
    "custom-function-bind": ("SELECT * WHERE { ?s ?p ?o BIND(<http://ex/g>(?o) AS ?z) }",
                             "function <http://ex/g>"),
    "property-function": ("PREFIX apf: <http://jena.apache.org/ARQ/property#> "
                          "SELECT * WHERE { ?s apf:strSplit (?o ',') }", "property function"),
    "construct-not-allowed": ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT queries"),
    "describe": ("DESCRIBE <urn:x>", "DESCRIBE queries"),
    "syntax": ("SELECT * WHERE { ?s ?p }", "cannot be parsed"),
    "unknown-prefix": ("SELECT * WHERE { ?s foo:bar ?o }", "Unknown namespace prefix"),
    "deep": ("SELECT * WHERE { " + "{ " * 60 + "?s ?p ?o" + " }" * 60 + " }", "nests"),
    "empty": ("   ", "empty"),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_hostile_queries_are_refused(name: str) -> None:
    text, expected = REFUSED[name]
    with pytest.raises(QueryRefused) as info:
        vet_query(text, context="policy acme/ACME-001.ttl")
    message = str(info.value)
    assert expected in message
    assert message.startswith("policy acme/ACME-001.ttl")
    assert "\n" not in message
    assert isinstance(info.value, InputError)


def test_refusal_points_at_the_line() -> None:
    text = "SELECT * WHERE {\n  ?s ?p ?o .\n  SERVICE <http://e/> { ?s ?p ?o }\n}"
    with pytest.raises(QueryRefused) as info:
        vet_query(text)
    assert info.value.location.line == 3
    assert info.value.location.column == 3


def test_length_cap() -> None:
    text = "SELECT * WHERE { ?s ?p ?o } #" + "x" * MAX_QUERY_CHARS
    with pytest.raises(QueryRefused, match="limit is 20,000"):
        vet_query(text)


def test_load_graphs_switched_off() -> None:
    assert rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS is False


BENIGN = [
    "SELECT ?s (COUNT(?o) AS ?n) WHERE { ?s a ?t ; <http://x/p>+ ?o "
    "FILTER(REGEX(STR(?o), '^a') && xsd:integer(?o) > 2) OPTIONAL { ?o ?q ?r } } GROUP BY ?s",
    "ASK { $this ?p ?o FILTER NOT EXISTS { ?o a ?c } }",
    "SELECT $this ?value WHERE { $this <http://x/p> ?value FILTER(!isIRI(?value)) }",
    "SELECT * WHERE { VALUES ?x { 1 2 3 } BIND(STRLEN(STR(?x)) AS ?l) MINUS { ?x ?y ?z } } "
    "ORDER BY DESC(?l) LIMIT 5",
    # keywords inside strings, IRIs and comments are data, not clauses
    "SELECT * WHERE { ?s <http://x/p> \"SERVICE FROM GRAPH { ( \" } # INSERT DATA { }",
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
]


@pytest.mark.parametrize("text", BENIGN)
def test_benign_queries_pass(text: str) -> None:
    parsed = vet_query(text, prefixes={"xsd": "http://www.w3.org/2001/XMLSchema#"})
    assert parsed.form in {"SELECT", "ASK"}
    assert parsed.text == text


def test_construct_when_allowed() -> None:
    parsed = vet_query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", allow_construct=True)
    assert parsed.form == "CONSTRUCT"


def test_select_can_be_refused() -> None:
    with pytest.raises(QueryRefused, match="SELECT queries are refused"):
        vet_query("SELECT * WHERE { ?s ?p ?o }", allow_select=False)


def test_parsed_query_runs_and_reports_variables() -> None:
    g = rdflib.Graph()
    g.add((rdflib.URIRef("urn:a"), rdflib.URIRef("urn:p"), rdflib.Literal(1)))
    parsed = vet_query("SELECT ?s ?o WHERE { ?s <urn:p> ?o FILTER NOT EXISTS { ?o ?q ?r } }")
    assert parsed.projection == ("s", "o")
    assert parsed.variables == {"s", "o", "q", "r"}
    assert len(parsed.triple_patterns) == 2
    rows = list(g.query(parsed.query))
    assert [(str(s), int(o)) for s, o in rows] == [("urn:a", 1)]
