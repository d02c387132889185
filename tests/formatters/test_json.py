"""The JSON output is Report.to_json(), and docs/json.md documents exactly its fields."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from engine.formatters import render
from engine.lens.ontology import PHASE_ORDER, PILLAR_ORDER
from engine.model import PracticeStatus, QuestionRisk
from engine.validate.report import REPORT_SCHEMA_VERSION, Report

DOC = Path(__file__).resolve().parents[2] / "docs" / "json.md"
HEADING = re.compile(r"^###\s+`([A-Za-z.]+)`\s*$")
ROW = re.compile(r"^\|\s*`([A-Za-z_]+)`\s*\|")


def documented_fields() -> dict[str, list[str]]:
    """Object name (heading) -> field names in its table, in order."""
    tables: dict[str, list[str]] = {}
    current: str | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        heading = HEADING.match(line)
        if heading:
            current = heading.group(1)
            tables[current] = []
        elif line.startswith("#"):
            current = None
        elif current and (row := ROW.match(line)):
            tables[current].append(row.group(1))
    return tables


def actual_objects(report: Report) -> dict[str, dict[str, Any]]:
    doc = report.to_json()
    workload = doc["workloads"][0]
    finding = workload["findings"][0]
    return {
        "Report": doc,
        "Report.tool": doc["tool"],
        "Report.baseline": {"baseline": "", "new": 0, "fixed": 0, "unchanged": 0},
        "WorkloadReport": workload,
        "WorkloadReport.summary": workload["summary"],
        "WorkloadReport.summary.findings": workload["summary"]["findings"],
        "WorkloadReport.summary.practices": workload["summary"]["practices"],
        "WorkloadReport.summary.questions": workload["summary"]["questions"],
        "Finding": finding,
        "Finding.location": finding["location"],
        "Finding.fix": finding["fix"],
        "Action": workload["actions"][0],
        "PracticeResult": workload["practices"][0],
        "PlanItem": workload["plan"][0],
        "ReviewResult": workload["reviews"][0],
        "ReviewResult.summary": workload["reviews"][0]["summary"],
        "QuestionReview": workload["reviews"][0]["questions"][0],
    }


def test_json_output_is_report_to_json(report: Report) -> None:
    text = render(report, "json")
    assert json.loads(text) == report.to_json()
    assert text == json.dumps(report.to_json(), indent=2, ensure_ascii=False) + "\n"


def test_every_object_is_documented_with_exactly_its_fields_in_order(report: Report) -> None:
    documented = documented_fields()
    actual = actual_objects(report)
    assert set(documented) == set(actual), "docs/json.md headings and the objects differ"
    for name, obj in actual.items():
        assert documented[name] == list(obj), f"docs/json.md table {name} is out of date"


def test_documented_version_is_the_code_version(report: Report) -> None:
    assert report.to_json()["version"] == REPORT_SCHEMA_VERSION
    assert f"(version {REPORT_SCHEMA_VERSION})" in DOC.read_text(encoding="utf-8").splitlines()[0]


@pytest.mark.parametrize("index", [0, 1])
def test_every_finding_and_practice_has_the_documented_shape(report: Report, index: int) -> None:
    documented = documented_fields()
    workload = report.to_json()["workloads"][index]
    for finding in workload["findings"]:
        assert list(finding) == documented["Finding"]
        assert list(finding["location"]) == documented["Finding.location"]
    assert len(workload["practices"]) == 105
    assert len(workload["questions"]) == 35
    assert set(workload["questions"].values()) <= {r.value for r in QuestionRisk}


def test_matrix_has_every_pillar_phase_and_status(report: Report) -> None:
    matrix = report.to_json()["workloads"][0]["matrix"]
    assert list(matrix) == list(PILLAR_ORDER)
    for phases in matrix.values():
        assert list(phases) == list(PHASE_ORDER)
        for cell in phases.values():
            assert list(cell) == [s.value for s in PracticeStatus]
    total = sum(n for phases in matrix.values() for cell in phases.values() for n in cell.values())
    assert total == 105
