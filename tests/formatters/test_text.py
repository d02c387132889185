from __future__ import annotations

import re

from engine.formatters import render
from engine.validate.report import Report

LINE = re.compile(r"^(?P<where>\S[^:]*(?::\d+)?): (?P<code>WA-[A-Z]+-\d{3}) "
                  r"(?P<sev>high|medium|low) (?P<msg>.+) \((?P<practices>[A-Z0-9, -]+)\)")


def finding_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if LINE.match(line.strip())]


def test_all_shows_one_line_per_finding_with_its_key_path(report: Report) -> None:
    text = render(report, "text", full=True)
    lines = finding_lines(text)
    assert len(lines) == len(report.findings)
    assert len(set(lines)) == len(lines)
    assert "      examples/fraud-detection.yaml:14: WA-SEC-001 high data_stores[raw-transactions]" \
           ".encryption.at_rest = false: Data store raw-transactions is not encrypted at rest " \
           "(MLSEC02-BP01)" in lines
    waived = [line for line in lines if "waived (" in line]
    assert waived == ["    examples/fraud-detection.yaml:18: WA-OPS-002 medium "
                      "datasets.chargebacks.versioned = false: Dataset chargebacks "
                      "has no version (MLOPS03-BP02, MLSEC03-BP04) waived (WVR-007: Chargeback "
                      "feed is immutable; the data platform team versions it upstream)"]
    fraud = text.split("churn-forecast:")[0]
    assert fraud.index("waived:") > fraud.index(":40: WA-REL-003")


def test_default_report_shows_each_finding_once_under_its_action(report: Report) -> None:
    lines = finding_lines(render(report, "text"))
    assert len(lines) == len(set(lines)) == len(report.findings)


def test_equal_actions_are_ordered_by_line(report: Report) -> None:
    lines = [line.strip() for line in finding_lines(render(report, "text", full=True))
             if line.strip().startswith("examples/fraud") and "waived (" not in line]
    numbers = [int(m) for line in lines for m in re.findall(r"^[^:]+:(\d+):", line)]
    assert numbers == sorted(numbers) == [14, 22, 40]


def test_root_finding_names_the_missing_key_not_the_root_line(report: Report) -> None:
    text = render(report, "text", full=True)
    assert "examples/fraud-detection.yaml: WA-COST-004 low cost_center: Workload has no " \
           "cost-center tag (MLCOST04-BP12)" in text


def test_practice_id_is_not_repeated_when_the_message_names_it(report: Report) -> None:
    from dataclasses import replace

    w = report.workloads[0]
    echo = replace(w.findings[0], message="no current attestation for MLSEC02-BP01")
    text = render(replace(report, workloads=[replace(w, findings=[echo])]), "text", full=True)
    assert "MLSEC02-BP01 (MLSEC02-BP01)" not in text
    assert "no current attestation for MLSEC02-BP01" in text


def test_summary_counts(report: Report) -> None:
    text = render(report, "text")
    assert "findings: 2 high, 1 medium, 1 low, 1 waived; 4 open findings in 4 actions" in text
    assert ("evidence: 3 violated, 2 verified, 0 declared, 1 attested, 2 waived, 1 not applicable, "
            "96 not assessed practices") in text
    assert "risk: 2 high, 1 medium of 35 questions (0 none, 32 unanswered, 0 not applicable)" \
        in text
    assert "note: waiver WVR-002 expired" in text
    assert "improvement plan: 4 actions:" in text
    assert text.rstrip().splitlines()[-2].startswith("2 workloads, 8 policies")


def test_summary_is_at_most_20_lines_and_plan_is_cut_at_ten(everything_violated: Report
                                                            ) -> None:
    text = render(everything_violated, "text")
    block = text.split("\n\n")[1].splitlines()
    assert len(block) <= 20
    assert block[0].startswith("fraud-detection: Card fraud detection")


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
    assert "MLSEC-02" in text and "MLSEC02-BP01" not in text
    full = render(report, "text", edition="2023", full=True)
    assert "(MLSEC-02)" in full and "(MLSEC02-BP01)" not in full
