"""Every format, rendered from the sample report, equals its reviewed snapshot.

Set MLWA_UPDATE_SNAPSHOTS=1 to rewrite the snapshots after an intended change, then
review the diff like code.
"""

from __future__ import annotations

import pytest

from engine.formatters import FORMATS, SUFFIXES, render
from engine.validate.report import Report

from .conftest import POLICIES, check_snapshot


@pytest.mark.parametrize("fmt", FORMATS)
def test_format_matches_snapshot(report: Report, fmt: str) -> None:
    policies = POLICIES if fmt == "sarif" else None
    check_snapshot(f"report{SUFFIXES[fmt]}", render(report, fmt, policies=policies))


def test_text_in_2023_edition_matches_snapshot(report: Report) -> None:
    check_snapshot("report-2023.txt", render(report, "text", edition="2023"))


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_is_deterministic_and_machine_independent(report: Report, fmt: str) -> None:
    first = render(report, fmt)
    assert first == render(report, fmt)
    assert "/work/" not in first and "/home/" not in first and "/tmp/" not in first
