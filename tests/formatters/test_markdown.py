from __future__ import annotations

import re

from engine.formatters import render
from engine.formatters.markdown import escape
from engine.report import Report

from .conftest import HOSTILE

LENS = "https://docs.aws.amazon.com/wellarchitected/latest/machine-learning-lens/"


def test_headline_counts(report: Report, clean_report: Report) -> None:
    assert render(report, "markdown").splitlines()[0] == \
        "## ❌ mlwa: 3 high, 2 medium, 3 low in 2 workloads, 1 input error (1 waived)"
    assert render(clean_report, "markdown").splitlines()[0] == \
        "## ✅ mlwa: no open findings in 1 workload"


def test_matrix_has_six_phase_columns_and_violated_counts(report: Report) -> None:
    text = render(report, "markdown")
    header = next(line for line in text.splitlines() if line.startswith("| Pillar |"))
    assert header.count("|") == 8  # pillar + six phases
    security = [line for line in text.splitlines() if line.startswith("| Security |")]
    assert security[0] == "| Security | 0 | **1** | 0 | 0 | 0 | 0 |"
    reliability = [line for line in text.splitlines() if line.startswith("| Reliability |")]
    assert reliability[0].split("|")[2].strip() == "·"  # the lens has no practice there


def test_top_gaps_link_to_lens_pages_and_stop_at_ten(everything_violated: Report) -> None:
    text = render(everything_violated, "markdown")
    assert "**Top gaps** (10 of 105)" in text
    section = text.split("**Top gaps**")[1].split("\n\n")[1]
    rows = section.splitlines()[2:]
    assert len(rows) == 10
    assert all(re.search(rf"\[ML[A-Z]+\d\d-BP\d\d\]\({re.escape(LENS)}ml[a-z]+\d\d-bp\d\d\.html\)",
                         row) for row in rows)


def test_2023_edition_links_2023_pages(report: Report) -> None:
    text = render(report, "markdown", edition="2023")
    assert f"[MLSEC-02]({LENS}mlsec-02.html)" in text


def test_all_findings_are_in_a_details_table(report: Report) -> None:
    text = render(report, "markdown")
    details = text.split("<details>")[1].split("</details>")[0]
    rows = [line for line in details.splitlines() if line.startswith("| ")][1:]
    assert len(rows) == len(report.findings)
    assert all(row.count(" | ") == 5 for row in rows), "an escaped pipe split a row"


def test_untrusted_text_is_escaped(report: Report) -> None:
    text = render(report, "markdown")
    assert HOSTILE not in text and "<script" not in text
    assert "&lt;script&gt;" in text
    assert "\\`rm -rf\\`" in text and "\\| " in text
    assert escape("a|b`c<d>e[f](g)\nh") == "a\\|b\\`c&lt;d&gt;e\\[f\\](g) h"


def test_long_finding_lists_are_cut_to_fit_a_comment(report: Report) -> None:
    from dataclasses import replace

    from engine.formatters.markdown import MAX_FINDING_ROWS

    w = report.workloads[0]
    many = [replace(w.findings[0], line=n, value=str(n)) for n in range(1, 1001)]
    text = render(replace(report, workloads=[replace(w, findings=many)]), "markdown")
    assert f"… and {1000 - MAX_FINDING_ROWS} more" in text
    assert len(text) < 65536
