"""The compact YAML policy form: what it compiles to, and its errors with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SH

from engine.errors import PolicyError
from engine.policies.catalog import load_pack
from engine.policies.compact import compile_policy_file, compile_policy_text
from engine.validate.cases import meta_validate, run_policy_cases
from engine.vocab import MLWA, POL
from tests.governance.conftest import ACME

BASE = """code: ACME-SEC-009
title: Stores are encrypted
severity: medium
implements: [MLSEC-02]
rationale: Because.
remediation: Encrypt.
target: data_stores
checks:
  - path: encryption.at_rest
    equals: true
    message: not encrypted
"""


def compile_text(text: str) -> object:
    return compile_policy_text(text, "acme/ACME-SEC-009.policy.yaml")


def test_compiles_to_a_node_shape_with_the_builtin_metadata() -> None:
    g = compile_text(BASE)
    shape = POL["ACME-SEC-009"]
    assert (shape, RDF.type, SH.NodeShape) in g and (shape, RDF.type, MLWA.Policy) in g
    assert g.value(shape, MLWA.policyCode) == Literal("ACME-SEC-009")
    assert g.value(shape, SH.severity) == SH.Warning
    assert g.value(shape, MLWA.policyStatus) == Literal("stable")
    assert g.value(shape, MLWA.checkKind) == Literal("automated")
    # a 2023 id is stored as the 2025 practice IRI
    assert g.value(shape, MLWA.implements) == URIRef("https://w3id.org/mlwa/lens/practice/MLSEC02-BP01")
    assert g.value(shape, SH.targetClass) == MLWA.DataStore
    prop = g.value(shape, SH.property)
    assert g.value(prop, SH.path) == MLWA.encryptedAtRest  # the group flattens
    assert g.value(prop, SH.hasValue) == Literal(True)
    assert g.value(prop, SH.message) == Literal("not encrypted", lang="en")


def test_every_constraint_has_a_message_and_numbers_are_typed() -> None:
    text = BASE.replace("checks:\n", "checks:\n  - path: retention.days\n    min: 30\n"
                        "    max: 400\n  - path: storage_class\n    one_of: [standard, glacier]\n")
    g = compile_text(text)
    props = list(g.objects(POL["ACME-SEC-009"], SH.property))
    assert len(props) == 3
    assert all(g.value(p, SH.message) is not None for p in props)
    days = next(p for p in props if g.value(p, SH.path) == MLWA.retentionDays)
    assert g.value(days, SH.minInclusive).datatype == URIRef("http://www.w3.org/2001/XMLSchema#integer")


def test_reference_paths_become_sequence_paths() -> None:
    text = BASE.replace("target: data_stores", "target: endpoints").replace(
        "encryption.at_rest", "environment.purpose").replace("equals: true", "equals: production")
    g = compile_text(text)
    prop = g.value(POL["ACME-SEC-009"], SH.property)
    from rdflib.collection import Collection

    assert list(Collection(g, g.value(prop, SH.path))) == [MLWA.environment, MLWA.purpose]


def test_raw_predicates_and_classes_are_accepted() -> None:
    text = BASE.replace("target: data_stores", "target: mlwa:DataStore").replace(
        "encryption.at_rest", "mlwa:encryptedAtRest")
    g = compile_text(text)
    assert g.value(g.value(POL["ACME-SEC-009"], SH.property), SH.path) == MLWA.encryptedAtRest


@pytest.mark.parametrize("change,line,needle", [
    (("severity: medium", "severity: urgent"), 3, "severity must be high, medium or low"),
    (("target: data_stores", "target: buckets"), 7, "unknown target 'buckets'"),
    (("path: encryption.at_rest", "path: encryption.at_rst"), 9, "did you mean at_rest"),
    (("    equals: true", "    equals: true\n    colour: red"), 11, "unknown check key 'colour'"),
    (("rationale: Because.", "rational: Because."), 5, "unknown key 'rational'"),
    (("implements: [MLSEC-02]", "implements: [MLSEC-99]"), 4, "unknown practice"),
    (("path: encryption.at_rest", "path: encryption"), 9, "names a group"),
    (("    equals: true", "    equals: maybe"), 10, "is true or false"),
    (("path: encryption.at_rest", "path: mlwa:madeUp"), 9, "not in the workload vocabulary"),
    (("    equals: true", "    pattern: '^(a+)+$'"), 10, "pattern refused"),
])
def test_errors_name_the_yaml_line(change: tuple[str, str], line: int, needle: str) -> None:
    with pytest.raises(PolicyError) as info:
        compile_text(BASE.replace(*change))
    lines = info.value.lines()
    hit = [x for x in lines if needle in x]
    assert hit, lines
    assert hit[0].startswith(f"acme/ACME-SEC-009.policy.yaml:{line}:"), hit


def test_an_enum_value_must_exist() -> None:
    text = BASE.replace("encryption.at_rest", "classification").replace("equals: true", "equals: secret")
    with pytest.raises(PolicyError, match="'secret' is not a value of classification"):
        compile_text(text)


def test_hostile_yaml_is_a_policy_error() -> None:
    with pytest.raises(PolicyError, match="anchors"):
        compile_text(BASE.replace("title: Stores are encrypted", "title: &a Stores"))


def test_the_sample_pack_loads_passes_its_cases_and_is_valid_shacl() -> None:
    pack = load_pack(ACME)
    assert {p.code for p in pack.policies} == {"ACME-SEC-001", "ACME-REL-001", "ACME-REL-002"}
    for pol in pack.policies:
        assert meta_validate(pol) == [], pol.code
        report = run_policy_cases(pol)
        assert report.ok, (pol.code, report.problems, [r.detail for r in report.results])
    yaml_pols = [p for p in pack.policies if p.source_format == "yaml"]
    assert len(yaml_pols) == 2


def test_where_becomes_a_sparql_target_that_filters_focus_nodes() -> None:
    g = compile_policy_file(ACME / "ACME-SEC-001.policy.yaml")
    shape = POL["ACME-SEC-001"]
    assert g.value(shape, SH.targetClass) is None
    target = g.value(shape, SH.target)
    assert g.value(target, RDF.type) == SH.SPARQLTarget
    assert "production" in str(g.value(target, SH.select))


def test_show_displays_yaml_and_turtle(tmp_path: Path) -> None:
    from tests.governance.conftest import mlwa

    r = mlwa("policies", "show", "ACME-SEC-001", "--pack", str(ACME))
    assert r.returncode == 0, r.stderr
    assert "Compact form" in r.stdout and "sh:SPARQLTarget" in r.stdout
