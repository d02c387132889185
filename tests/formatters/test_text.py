from __future__ import annotations

import re

from engine.formatters import render
from engine.report import Report

LINE = re.compile(r"^(?P<where>\S[^:]*(?::\d+)?): (?P<code>WA-[A-Z]+-\d{3}) "
                  r"(?P<sev>high|medium|low) (?P<msg>.+) \((?P<practices>[A-Z0-9, -]+)\)")


def finding_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if LINE.match(line.strip())]


def test_one_line_per_open_finding_then_waived(report: Report) -> None:
    text = render(report, "text")
    lines = finding_lines(text)
    assert len(lines) == len(report.findings)
    assert "examples/fraud-detection.yaml:14: WA-SEC-001 high Data store raw-transactions " \
           "is not encrypted at rest (MLSEC02-BP01)" in lines
    waived = [line for line in lines if "waived (" in line]
    assert waived == ["  examples/fraud-detection.yaml:18: WA-OPS-002 medium Dataset chargebacks "
                      "has no version (MLOPS03-BP02, MLSEC03-BP04) waived (WVR-007: Chargeback "
                      "feed is immutable; the data platform team versions it upstream)"]
    fraud = text.split("churn-forecast:")[0]
    assert fraud.index("waived:") > fraud.index(":40: WA-REL-003")


def test_findings_are_ordered_by_file_and_line(report: Report) -> None:
    lines = [line for line in finding_lines(render(report, "text"))
             if line.startswith("examples/fraud")]
    numbers = [int(m) for line in lines for m in re.findall(r"^[^:]+:(\d+):", line)]
    assert numbers == sorted(numbers) == [14, 22, 40]


def test_summary_counts(report: Report) -> None:
    text = render(report, "text")
    assert "findings: 2 high, 1 medium, 1 low, 1 waived" in text
    assert ("practices: 2 verified, 0 declared, 1 attested, 3 violated, 2 waived, 1 not applicable, "
            "96 not assessed") in text
    assert "questions: 2 high risk, 1 medium risk, 0 none, 32 unanswered, 0 not applicable" in text
    assert "note: waiver WVR-002 expired" in text
    assert "improvement plan (top 3):" in text
    assert "improvement plan (top 5):" in text  # churn has exactly five gaps
    assert text.rstrip().splitlines()[-2].startswith("2 workloads, 8 policies")


def test_plan_is_cut_at_five(everything_violated: Report) -> None:
    text = render(everything_violated, "text")
    assert "improvement plan (top 5 of 105):" in text
    assert "\n    6. " not in text


def test_no_ansi_without_color_and_ansi_with_it(report: Report) -> None:
    plain = render(report, "text")
    assert "\x1b" not in plain  # the workload's own ESC is removed too
    coloured = render(report, "text", color=True)
    assert "\x1b[1;31mhigh\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


def test_workload_text_cannot_forge_lines(report: Report) -> None:
    from dataclasses import replace

    w = report.workloads[1]
    forged = replace(w.findings[0], message="ok\nexamples/x.yaml:1: WA-SEC-001 high forged (X)")
    text = render(replace(report, workloads=[replace(w, findings=[forged])]), "text")
    assert "\nexamples/x.yaml:1:" not in text


def test_2023_edition_shows_2023_ids_and_titles(report: Report) -> None:
    text = render(report, "text", edition="2023")
    assert "(MLSEC-02)" in text and "(MLSEC02-BP01)" not in text
    assert "MLCOST-20 Setup budget and use resource tagging to track costs" in text
