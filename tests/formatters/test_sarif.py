from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from engine.formatters import render
from engine.formatters.sarif import artifact_uri, to_sarif
from engine.validate.report import Report

from .conftest import POLICIES


def sarif(report: Report, **opts: Any) -> dict[str, Any]:
    return json.loads(render(report, "sarif", **opts))


def test_validates_against_the_sarif_2_1_0_schema(report: Report, test_data: Path) -> None:
    import jsonschema

    from tests.conftest import require

    schema_path = test_data / "sarif" / "sarif-schema-2.1.0.json"
    require(schema_path.exists(), f"SARIF schema not found at {schema_path}")
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    for opts in ({}, {"policies": POLICIES}, {"edition": "2023"}):
        errors = sorted(validator_cls(schema).iter_errors(sarif(report, **opts)), key=str)
        assert not errors, errors[0].message


def test_one_run_with_the_driver(report: Report) -> None:
    log = sarif(report)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "mlwa" and driver["version"] and driver["informationUri"]


def test_one_rule_per_policy_in_the_report(report: Report) -> None:
    rules = sarif(report, policies=POLICIES)["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(POLICIES)  # WA-OPS-010, WA-SUS-002 found nothing
    sec = next(r for r in rules if r["id"] == "WA-SEC-001")
    assert sec["name"] == "DataStoresAreEncryptedAtRest"
    assert sec["shortDescription"]["text"] == "Data stores are encrypted at rest"
    assert sec["fullDescription"]["text"] == POLICIES["WA-SEC-001"].rationale
    assert POLICIES["WA-SEC-001"].rationale in sec["help"]["text"]
    assert POLICIES["WA-SEC-001"].remediation in sec["help"]["markdown"]
    assert "(https://docs.aws.amazon.com/wellarchitected/latest/machine-learning-lens/" \
           "mlsec02-bp01.html)" in sec["help"]["markdown"]
    props = sec["properties"]
    assert props["practices"] == ["MLSEC02-BP01"]
    assert (props["pillar"], props["phase"]) == ("security", "problem-framing")
    assert "security" in props["tags"]
    severities = {r["id"]: r["properties"]["security-severity"] for r in rules}
    assert severities["WA-SEC-001"] == "8.0"
    assert severities["WA-REL-003"] == "5.0"
    assert severities["WA-COST-004"] == "2.0"


def test_rules_without_catalogue_fall_back_to_findings_and_practices(report: Report) -> None:
    rules = {r["id"]: r for r in sarif(report)["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["WA-SEC-001"]["shortDescription"]["text"] == "Data stores are encrypted at rest"
    assert "Set encrypted_at_rest" in rules["WA-SEC-001"]["help"]["text"]
    assert rules["WA-OPS-010"]["shortDescription"]["text"].startswith("Implements MLOPS01-BP02")


def test_results_levels_locations_and_fingerprints(report: Report) -> None:
    run = sarif(report)["runs"][0]
    results = run["results"]
    assert len(results) == len(report.findings)
    rules = run["tool"]["driver"]["rules"]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] in ("error", "warning", "note")
        region = r["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
    first = results[0]  # fraud: cost tag on the workload, file but no line
    assert (first["ruleId"], first["level"]) == ("WA-COST-004", "note")
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    enc = next(r for r in results if r["message"]["text"].startswith("Data store raw-"))
    assert enc["level"] == "error"
    assert enc["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": "examples/fraud-detection.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 14, "startColumn": 7}}
    churn = [r for r in results if r["properties"]["workload"] == "churn-forecast"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in churn}
    assert uris == {"examples/churn%20forecast.yaml"}  # the no-file finding uses the workload's
    prints = [r["partialFingerprints"]["mlwaFindingKey/v2"] for r in results]
    assert len(set(prints)) == len(prints)


def test_fingerprints_survive_moved_lines(report: Report) -> None:
    w = report.workloads[0]
    moved = replace(w, findings=[replace(f, line=(f.line or 0) + 10) for f in w.findings])
    before = [r["partialFingerprints"] for r in to_sarif(report)["runs"][0]["results"][:5]]
    after = [r["partialFingerprints"]
             for r in to_sarif(replace(report, workloads=[moved]))["runs"][0]["results"]]
    assert sorted(map(str, before)) == sorted(map(str, after))


def test_waived_findings_are_suppressed_externally(report: Report) -> None:
    results = sarif(report)["runs"][0]["results"]
    suppressed = [r for r in results if "suppressions" in r]
    assert len(suppressed) == 1
    (s,) = suppressed[0]["suppressions"]
    assert s["kind"] == "external"
    assert s["justification"].startswith("Chargeback feed is immutable")
    assert s["properties"]["waiver"] == "WVR-007"


def test_2023_edition_names_2023_practices(report: Report) -> None:
    run = sarif(report, edition="2023")["runs"][0]
    sec = next(r for r in run["tool"]["driver"]["rules"] if r["id"] == "WA-SEC-001")
    assert sec["properties"]["practices"] == ["MLSEC-02"]
    assert sec["helpUri"].endswith("/mlsec-02.html")


@pytest.mark.parametrize(("path", "expected"), [
    ("examples/a b.yaml", ("examples/a%20b.yaml", "%SRCROOT%")),
    ("examples\\win.yaml", ("examples/win.yaml", "%SRCROOT%")),
    ("./w.yaml", ("w.yaml", "%SRCROOT%")),
    ("/srv/w.yaml", ("file:///srv/w.yaml", None)),
    ("C:\\w\\x.yaml", ("file:///C:/w/x.yaml", None)),
])
def test_artifact_uris(path: str, expected: tuple[str, str | None]) -> None:
    assert artifact_uri(path) == expected
