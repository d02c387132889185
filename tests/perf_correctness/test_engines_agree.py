"""Optimised paths give identical reports: fast vs reference engine, batch vs one by one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.policies.catalog import builtin_catalog
from engine.validate.validator import Validator

AS_OF = dt.date(2027, 6, 1)


def _key(report: Any) -> tuple[Any, ...]:
    return (report.workload, report.findings, report.practices, report.questions)


@pytest.fixture(scope="module")
def fast_reports(workloads: list[Any]) -> list[Any]:
    v = Validator(builtin_catalog().select(), engine="fast", as_of=AS_OF)
    return [v.validate(w) for w in workloads]


def test_fast_batch_equals_one_by_one(workloads: list[Any], fast_reports: list[Any]) -> None:
    v = Validator(builtin_catalog().select(), engine="fast", as_of=AS_OF)
    batch = v.validate_many(workloads)
    assert [_key(r) for r in batch] == [_key(r) for r in fast_reports]


def test_fast_equals_reference(workloads: list[Any], fast_reports: list[Any]) -> None:
    v = Validator(builtin_catalog().select(), engine="reference", as_of=AS_OF)
    findings = 0
    for wl, fast in zip(workloads, fast_reports, strict=True):
        ref = v.validate(wl)
        assert _key(ref) == _key(fast), wl.id
        findings += len(ref.findings)
    assert findings  # the generated faults produce findings


def test_tallies_equal_counting_the_reports(workloads: list[Any], fast_reports: list[Any]) -> None:
    """A portfolio's summaries come from Validator.tally_many, which never builds a report:
    it must count exactly what the report holds (findings per severity and per policy,
    high-risk questions)."""
    from engine.validate.validator import Tally

    v = Validator(builtin_catalog().select(), engine="fast", as_of=AS_OF)
    tallies = v.tally_many(workloads)
    assert tallies == [Tally.of(r) for r in fast_reports]
    assert sum(t.high + t.medium + t.low for t in tallies) > 100
    assert sum(1 for t in tallies if t.high_risk_questions) > 10
    # the reference engine's results are tallied the same way
    ref = Validator(builtin_catalog().select(), engine="reference", as_of=AS_OF)
    assert ref.tally_many(workloads[:4]) == tallies[:4]


def test_a_tally_counts_results_that_print_alike_once(workloads: list[Any]) -> None:
    """The tally tells findings apart without their labels and locations; results that
    differ only in terms that print alike (focus nodes, blank-node paths) must still count
    as the report counts them."""
    from rdflib import BNode, Literal, URIRef

    from engine.validate.validator import Tally

    v = Validator(builtin_catalog().select(), engine="fast", as_of=AS_OF)
    wl = workloads[0]
    raw = v.prepared.validate(wl.graph)
    first = raw[0]
    nowhere = URIRef("urn:mlwa:test:not-in-the-workload")
    variants = [
        # a focus node and a literal that print alike (the literal has no location either)
        [first._replace(focus=nowhere), first._replace(focus=Literal(str(nowhere)))],
        # two blank-node paths the shapes graph does not describe: both print as no path
        [first._replace(path=BNode()), first._replace(path=BNode())],
        # results repeated
        [first, first, *raw],
    ]
    for extra in variants:
        results = [*raw, *extra]
        assert v.tally(wl, results) == Tally.of(v.report_for(wl, results))
    assert v.tally(wl, raw + variants[0]).policies[v._owner[first.source_shape]] \
        == Tally.of(v.report_for(wl, raw)).policies[v._owner[first.source_shape]] + 1


def test_a_tally_with_waivers_counts_the_waived_findings(workloads: list[Any],
                                                         fast_reports: list[Any]) -> None:
    from engine.governance.waivers import Waiver, Waivers
    from engine.validate.validator import Tally

    policy = fast_reports[0].findings[0].policy
    waiver = Waiver("W-1", "*", "accepted for the test", "someone", dt.date(2027, 1, 1),
                    dt.date(2028, 1, 1), policy=policy)
    v = Validator(builtin_catalog().select(), engine="fast", as_of=AS_OF,
                  waivers=Waivers([waiver]))
    tallies = v.tally_many(workloads[:8])
    assert tallies == [Tally.of(v.validate(w)) for w in workloads[:8]]
    assert tallies[0].waived > 0 and policy not in tallies[0].policies


def test_the_differential_command_tells_reports_apart(fast_reports: list[Any]) -> None:
    """benchmarks/differential.py (fast against pySHACL on 1,000 generated workloads) must
    see a finding that one engine misses and a practice that one engine rates otherwise."""
    import dataclasses
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "differential.py"
    spec = importlib.util.spec_from_file_location("mlwa_differential", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    report = next(r for r in fast_reports if r.findings)
    assert module.differences(report, report) == []
    fewer = dataclasses.replace(report, findings=report.findings[1:])
    assert module.differences(report, fewer)
    practices = dict(report.practices)
    pid = next(iter(practices))
    practices[pid] = dataclasses.replace(practices[pid], reason="changed")
    assert module.differences(report, dataclasses.replace(report, practices=practices))
