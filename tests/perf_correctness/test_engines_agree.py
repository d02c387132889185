"""Optimised paths give identical reports: fast vs reference engine, batch vs one by one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from engine.catalog import builtin_catalog
from engine.validate import Validator

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
