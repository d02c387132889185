"""The facts policy authors asked for (licences, KPI-metric links, alternatives explored,
generative models) are in the format, lifted to the documented terms, and checked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from rdflib import Literal, URIRef

from engine.errors import InputError
from engine.vocab import MLWA
from engine.workload import load_workload, load_workload_text

REPO = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 30)
BASE = "urn:mlwa:workload:w"

DOC = """\
id: w
name: W
business:
  kpis:
    - {name: loss, linked_metrics: [auc, latency]}
problem:
  evaluation_metrics:
    - {name: auc, threshold: 0.9}
    - {name: latency, threshold: 50, direction: minimize}
experiments:
  - {name: exp, alternatives_explored: [features, ensembles]}
training_jobs:
  - name: tune
    base_model: {name: org/base-7b, license: apache-2.0, license_reviewed: true}
model_registries:
  - name: reg
    versions:
      - version: 1
        dependency_licenses_reviewed: false
        generative: true
        evaluation:
          metrics: [{name: auc, value: 0.93}]
endpoints:
  - {name: ep, generative: true, model: reg/1}
"""


def load(text: str = DOC):  # type: ignore[no-untyped-def]
    return load_workload_text(text, filename="w.yaml", as_of=AS_OF)


def test_new_facts_are_lifted_to_their_terms() -> None:
    g = load().graph
    tj = URIRef(f"{BASE}/training_jobs/tune")
    assert g.value(tj, MLWA.baseModelLicense) == Literal("apache-2.0")
    assert g.value(tj, MLWA.baseModelLicenseReviewed) == Literal(True)
    mv = URIRef(f"{BASE}/model_registries/reg/versions/1")
    assert g.value(mv, MLWA.dependencyLicensesReviewed) == Literal(False)
    assert g.value(mv, MLWA.generative) == Literal(True)
    assert g.value(URIRef(f"{BASE}/endpoints/ep"), MLWA.generative) == Literal(True)
    exp = URIRef(f"{BASE}/experiments/exp")
    assert set(g.objects(exp, MLWA.alternativesExplored)) == {Literal("features"),
                                                               Literal("ensembles")}


def test_kpi_links_to_the_workload_metric_not_a_version_measurement() -> None:
    g = load().graph
    kpi = URIRef(f"{BASE}/kpis/loss")
    # the model version also has a metric named auc; the link goes to the declared one
    assert set(g.objects(kpi, MLWA.linkedMetric)) == {
        URIRef(f"{BASE}/evaluation_metrics/auc"), URIRef(f"{BASE}/evaluation_metrics/latency")}


def test_kpi_link_to_an_unknown_metric_names_its_line() -> None:
    with pytest.raises(InputError) as info:
        load(DOC.replace("linked_metrics: [auc, latency]", "linked_metrics: [auc, latncy]"))
    problem = info.value.problems[0]
    assert problem.location.line == 5
    assert "latncy" in problem.message and "latency" in problem.message


@pytest.mark.parametrize("old,new,where", [
    ("alternatives_explored: [features, ensembles]", "alternatives_explored: [vibes]",
     "experiments[0].alternatives_explored[0]"),
    ("license_reviewed: true", "license_reviewed: yes please",
     "training_jobs[0].base_model.license_reviewed"),
    ("generative: true, model", "generative: 1, model", "endpoints[0].generative"),
])
def test_bad_values_are_schema_errors(old: str, new: str, where: str) -> None:
    assert DOC.count(old) == 1
    with pytest.raises(InputError) as info:
        load(DOC.replace(old, new))
    assert [p.location.pointer for p in info.value.problems] == [where]


def test_examples_state_the_new_facts() -> None:
    fraud = load_workload(REPO / "examples" / "fraud-detection.yaml", as_of=AS_OF).graph
    assert set(fraud.objects(None, MLWA.generative)) == {Literal(False)}
    assert len(set(fraud.subjects(MLWA.linkedMetric, None))) == 2
    assert len(set(fraud.objects(None, MLWA.alternativesExplored))) == 5
    assert set(fraud.objects(None, MLWA.dependencyLicensesReviewed)) == {Literal(True)}
    rag = load_workload(REPO / "examples" / "genai-rag.yaml", as_of=AS_OF).graph
    assert set(rag.objects(None, MLWA.generative)) == {Literal(True)}
    assert set(rag.objects(None, MLWA.baseModelLicenseReviewed)) == {Literal(True)}
