from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

from engine.formatters import render
from engine.validate.report import Report

from .conftest import HOSTILE, POLICIES


def parse(report: Report) -> ET.Element:
    return ET.fromstring(render(report, "junit"))


def test_one_suite_per_workload_one_case_per_policy(report: Report) -> None:
    root = parse(report)
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["fraud-detection", "churn-forecast"]
    for suite in suites:
        cases = suite.findall("testcase")
        assert len(cases) == len(POLICIES)
        assert {c.get("classname") for c in cases} == {suite.get("name")}
        assert [c.get("name", "").split(" ")[0] for c in cases] == sorted(POLICIES)
    assert suites[0].findall("testcase")[-3].get("name") == \
        "WA-SEC-001 Data stores are encrypted at rest"


def test_counts_match_the_cases(report: Report) -> None:
    root = parse(report)
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for suite in root.findall("testsuite"):
        cases = suite.findall("testcase")
        counted = {"tests": len(cases),
                   "failures": sum(1 for c in cases if c.find("failure") is not None),
                   "skipped": sum(1 for c in cases if c.find("skipped") is not None)}
        for key, n in counted.items():
            assert suite.get(key) == str(n), (suite.get("name"), key)
            totals[key] += n
        assert suite.get("errors") == "0"
    for key, n in totals.items():
        assert root.get(key) == str(n)
    assert (totals["failures"], totals["skipped"]) == (7, 1)


def test_failure_lists_every_finding_of_the_policy(report: Report) -> None:
    fraud = parse(report).findall("testsuite")[0]
    case = next(c for c in fraud.findall("testcase") if c.get("name", "").startswith("WA-SEC-001"))
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("type") == "high"
    assert failure.get("message") == "Data store raw-transactions is not encrypted at rest"
    assert (failure.text or "").splitlines() == [
        "examples/fraud-detection.yaml:14: high Data store raw-transactions is not encrypted "
        "at rest [fix: data_stores[raw-transactions].encryption.at_rest]",
        "examples/fraud-detection.yaml:22: high Data store features is not encrypted at rest "
        "[fix: data_stores[features].encryption.at_rest]"]


def test_waived_only_policy_is_skipped(report: Report) -> None:
    fraud = parse(report).findall("testsuite")[0]
    case = next(c for c in fraud.findall("testcase") if c.get("name", "").startswith("WA-OPS-002"))
    skipped = case.find("skipped")
    assert skipped is not None and case.find("failure") is None
    assert "WVR-007" in (skipped.get("message") or "")


def test_hostile_text_round_trips_as_text(report: Report) -> None:
    root = parse(report)
    churn = root.findall("testsuite")[1]
    props = {p.get("name"): p.get("value") for p in churn.iter("property")}
    assert props["workload.name"] == f"Churn forecast {HOSTILE}"
    failures = [f.get("message") or "" for f in churn.iter("failure")]
    assert any(HOSTILE in m and "\x1b" not in m for m in failures)


def test_control_characters_never_make_invalid_xml(report: Report) -> None:
    w = report.workloads[0]
    bad = replace(w.findings[0], message="bell\x07 and nul\x00 here")
    text = render(replace(report, workloads=[replace(w, findings=[bad])]), "junit")
    ET.fromstring(text)
