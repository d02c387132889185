"""The examples load, their RDF respects the vocabulary, and generated files are current."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef

from engine.paths import ontology_file
from engine.vocab import MLWA
from engine.workload import load_workload, load_workload_text, template_text
from engine.workload.generate import stale

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
AS_OF = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def vocab() -> Graph:
    return Graph().parse(ontology_file("workload.ttl"))


def test_there_are_at_least_four_examples() -> None:
    names = {p.name for p in EXAMPLES}
    assert {"fraud-detection.yaml", "churn-batch.yaml", "genai-rag.yaml",
            "starter.yaml"} <= names


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_loads(path: Path) -> None:
    wl = load_workload(path, as_of=AS_OF)
    assert (wl.root, RDF.type, MLWA.Workload) in wl.graph
    assert wl.graph.value(wl.root, MLWA.assessedOn) == Literal(AS_OF)
    assert wl.format == "yaml"
    assert len(wl.content_hash) == 64


def _superclasses(vocab: Graph, cls: URIRef) -> set[URIRef]:
    out = {cls}
    todo = [cls]
    while todo:
        for sup in vocab.objects(todo.pop(), RDFS.subClassOf):
            if isinstance(sup, URIRef) and sup not in out:
                out.add(sup)
                todo.append(sup)
    return out


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_triple_respects_declared_domain_and_range(path: Path, vocab: Graph) -> None:
    wl = load_workload(path, as_of=AS_OF)
    g = wl.graph
    problems = []
    types: dict[object, set[URIRef]] = {}
    for s, o in g.subject_objects(RDF.type):
        assert isinstance(o, URIRef)
        types.setdefault(s, set()).update(_superclasses(vocab, o))
    for s, p, o in g:
        if p == RDF.type:
            assert (o, RDF.type, OWL.Class) in vocab or str(o).startswith(str(MLWA)), o
            continue
        domain = vocab.value(p, RDFS.domain)
        rng = vocab.value(p, RDFS.range)
        if domain is None or rng is None:
            problems.append(f"{p} has no declared domain/range")
            continue
        if domain not in types.get(s, set()):
            problems.append(f"{s} {p}: subject is not a {domain}")
        if isinstance(o, Literal):
            dtype = o.datatype or XSD.string
            if (p, RDF.type, OWL.DatatypeProperty) not in vocab or dtype != rng:
                problems.append(f"{s} {p} {o!r}: literal of {dtype}, range {rng}")
        elif rng == MLWA.BestPractice:
            assert str(o).startswith("https://w3id.org/mlwa/lens/practice/")
        elif rng not in types.get(o, set()):
            problems.append(f"{s} {p} {o}: object is not a {rng}")
    assert not problems, "\n".join(problems[:20])


def test_fraud_example_is_rich() -> None:
    wl = load_workload(REPO / "examples" / "fraud-detection.yaml", as_of=AS_OF)
    g = wl.graph
    ep = URIRef("urn:mlwa:workload:fraud-detection/endpoints/fraud-rt")
    version = URIRef("urn:mlwa:workload:fraud-detection/model_registries/fraud-xgb/versions/3")
    assert (wl.root, MLWA.hasEndpoint, ep) in g
    assert (wl.root, MLWA.hasComponent, ep) in g
    assert (wl.root, MLWA.hasComponent, version) in g  # nested components too
    assert (ep, MLWA.servesModel, version) in g
    assert g.value(ep, MLWA.instanceCount) == Literal(3, datatype=XSD.integer)
    assert g.value(ep, MLWA.hardwareClass) == Literal("graviton")
    assert g.value(ep, MLWA.deploymentStrategy) == Literal("canary")
    assert g.value(ep, MLWA.autoRollback) == Literal(True)
    assert g.value(version, MLWA.approvalStatus) == Literal("approved")
    # every attestation is recent and linked to a 2025 practice IRI
    atts = list(g.subjects(RDF.type, MLWA.Attestation))
    assert len(atts) >= 30
    for att in atts:
        age = g.value(att, MLWA.ageDays)
        assert age is not None and 0 <= age.toPython() <= 365
        practice = g.value(att, MLWA.attestsPractice)
        assert str(practice).startswith("https://w3id.org/mlwa/lens/practice/ML")
    # 2023 ids map to 2025 ids
    mloe = URIRef("urn:mlwa:workload:fraud-detection/attestations/MLSEC-01")
    assert g.value(mloe, MLWA.attestsPractice) == URIRef(
        "https://w3id.org/mlwa/lens/practice/MLSEC01-BP01")
    assert g.value(mloe, MLWA.practiceId) == Literal("MLSEC-01")
    # no role grants wildcards
    for role in g.subjects(RDF.type, MLWA.IamRole):
        assert g.value(role, MLWA.hasWildcardAction) == Literal(False), role


def test_churn_example_shows_its_gaps() -> None:
    wl = load_workload(REPO / "examples" / "churn-batch.yaml", as_of=AS_OF)
    g = wl.graph
    role = URIRef("urn:mlwa:workload:churn-batch/iam_roles/churn-sagemaker-role")
    assert g.value(role, MLWA.hasWildcardAction) == Literal(True)
    nb = URIRef("urn:mlwa:workload:churn-batch/notebooks/churn-notebook")
    assert g.value(nb, MLWA.rootAccess) == Literal(True)
    old = URIRef("urn:mlwa:workload:churn-batch/attestations/MLPERF01-BP01")
    assert g.value(old, MLWA.ageDays).toPython() > 365


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_iris_are_deterministic_and_every_node_is_located(path: Path) -> None:
    a = load_workload(path, as_of=AS_OF)
    b = load_workload_text(path.read_text(encoding="utf-8"), filename=str(path), as_of=AS_OF)
    assert set(a.graph) == set(b.graph)
    for node in set(a.graph.subjects(RDF.type, None)):
        loc = a.locations.get(node)
        assert loc is not None and loc.line is not None and loc.file == str(path), node
    for (node, pred), loc in a.property_locations.items():
        assert (node, pred, None) in a.graph
        assert loc.line is not None


def test_property_location_points_at_the_key() -> None:
    path = REPO / "examples" / "fraud-detection.yaml"
    wl = load_workload(path, as_of=AS_OF)
    ep = URIRef("urn:mlwa:workload:fraud-detection/endpoints/fraud-rt")
    loc = wl.location_of(ep, MLWA.instanceCount)
    assert loc is not None and loc.line is not None
    line = path.read_text(encoding="utf-8").splitlines()[loc.line - 1]
    assert line.strip().startswith("instances:")
    node_loc = wl.locations[ep]
    assert "name: fraud-rt" in path.read_text(encoding="utf-8").splitlines()[node_loc.line - 1]


def test_template_is_a_valid_workload() -> None:
    wl = load_workload_text(template_text(), filename="new.yaml", as_of=AS_OF)
    assert wl.id == "my-workload"


def test_json_form_gives_the_same_graph() -> None:
    from engine.workload.safeyaml import load_yaml

    path = REPO / "examples" / "fraud-detection.yaml"
    data, _ = load_yaml(path.read_text(encoding="utf-8"))
    text = json.dumps(data, indent=2)
    a = load_workload(path, as_of=AS_OF)
    b = load_workload_text(text, filename="fraud.json", as_of=AS_OF)
    assert b.format == "json"
    assert set(a.graph) == set(b.graph)
    ep = URIRef("urn:mlwa:workload:fraud-detection/endpoints/fraud-rt")
    assert b.locations[ep].line is not None and b.locations[ep].line > 1


@pytest.mark.parametrize("rdf_format,suffix", [("turtle", ".ttl"), ("json-ld", ".jsonld")])
def test_rdf_forms_are_accepted_as_they_are(rdf_format: str, suffix: str) -> None:
    a = load_workload(REPO / "examples" / "fraud-detection.yaml", as_of=AS_OF)
    text = a.graph.serialize(format=rdf_format)
    b = load_workload_text(text, filename="fraud" + suffix, as_of=AS_OF)
    assert b.format == suffix[1:].replace("ttl", "turtle")
    assert b.root == a.root and b.id == "fraud-detection"
    assert len(b.graph) == len(a.graph)
    if rdf_format == "turtle":
        ep = URIRef("urn:mlwa:workload:fraud-detection/endpoints/fraud-rt")
        assert b.locations[ep].line is not None


def test_jsonld_with_the_project_context_uses_the_bundled_copy() -> None:
    doc = {
        "@context": "https://w3id.org/mlwa/workload.context.jsonld",
        "@id": "urn:mlwa:workload:tiny",
        "@type": "Workload",
        "workloadId": "tiny",
        "name": "Tiny",
        "criticality": "low",
    }
    wl = load_workload_text(json.dumps(doc), filename="tiny.jsonld", as_of=AS_OF)
    assert wl.graph.value(wl.root, MLWA.criticality) == Literal("low")
    assert wl.id == "tiny" and wl.name == "Tiny"


def test_context_maps_every_vocabulary_property(vocab: Graph) -> None:
    ctx = json.loads(ontology_file("workload.context.jsonld").read_text())["@context"]
    ids = set()

    def collect(c: dict) -> None:
        for v in c.values():
            if isinstance(v, dict):
                if "@id" in v and v["@id"].startswith("mlwa:"):
                    ids.add(v["@id"][5:])
                if "@context" in v:
                    collect(v["@context"])
    collect(ctx)
    props = {str(p)[len(str(MLWA)):] for p in vocab.subjects(RDF.type, OWL.DatatypeProperty)}
    props |= {str(p)[len(str(MLWA)):] for p in vocab.subjects(RDF.type, OWL.ObjectProperty)}
    missing = props - ids - {"tag", "hasComponent"}
    assert not missing, sorted(missing)


def test_schema_is_valid_draft_2020_12() -> None:
    from jsonschema import Draft202012Validator

    schema = json.loads(ontology_file("workload.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_generated_files_are_current() -> None:
    assert stale() == [], "run python -m engine.workload.generate"


def test_practice_ids_are_current() -> None:
    proc = subprocess.run([sys.executable, str(REPO / "ontology" / "tools" /
                                                "gen_practice_ids.py"), "--check"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    ids = json.loads(ontology_file("practice-ids.json").read_text())["ids"]
    assert len(set(ids.values())) == 105
    assert ids["MLOE-01"] == "MLOPS01-BP01"


def test_every_practice_id_is_valid_in_the_schema_pattern() -> None:
    import re

    schema = json.loads(ontology_file("workload.schema.json").read_text())
    pattern = schema["$defs"]["Attestation"]["properties"]["practice"]["pattern"]
    ids = json.loads(ontology_file("practice-ids.json").read_text())["ids"]
    assert all(re.match(pattern, i) for i in ids)
