from __future__ import annotations

import re

from engine.formatters import render
from engine.formatters.markdown import escape
from engine.validate.report import Report

from .conftest import HOSTILE

LENS = "https://docs.aws.amazon.com/wellarchitected/latest/machine-learning-lens/"


def test_headline_counts(report: Report, clean_report: Report) -> None:
    assert render(report, "markdown").splitlines()[0] == \
        "## ❌ mlwa: 3 high, 2 medium, 3 low in 2 workloads, 1 input error (1 waived)"
    assert render(clean_report, "markdown").splitlines()[0] == \
        "## ✅ mlwa: no open findings in 1 workload"


def test_matrix_has_six_phase_columns_and_violated_counts(report: Report) -> None:
    text = render(report, "markdown")
    text = text.split("Violated practices per pillar")[1]
    header = next(line for line in text.splitlines() if line.startswith("| Pillar |"))
    assert header.count("|") == 8  # pillar + six phases
    security = [line for line in text.splitlines() if line.startswith("| Security |")]
    assert security[0] == "| Security | 0 | **1** | 0 | 0 | 0 | 0 |"
    reliability = [line for line in text.splitlines() if line.startswith("| Reliability |")]
    assert reliability[0].split("|")[2].strip() == "·"  # the lens has no practice there


def many_actions(report: Report, n: int = 15) -> Report:
    """The fraud workload with ``n`` unencrypted data stores: ``n`` separate actions."""
    from dataclasses import replace

    w = report.workloads[0]
    base = w.findings[0]
    found = [replace(base, focus=f"{base.focus}-{i}", focus_label=f"data_stores/store-{i:02d}",
                     line=100 + i) for i in range(n)]
    return replace(report, workloads=[replace(w, findings=found)])


def test_plan_shows_ten_actions_linking_lens_pages(report: Report) -> None:
    text = render(many_actions(report), "markdown")
    assert "**Improvement plan** (10 of 15 actions)" in text
    section = text.split("**Improvement plan**")[1].split("\n\n")[1]
    rows = section.splitlines()[2:]
    assert len(rows) == 10
    assert "data\\_stores\\[store-00\\]" in rows[0]
    assert "… and 5 more actions (5 findings)" in text
    assert text.count("<pre>") == 3
    full = render(many_actions(report), "markdown", full=True)
    assert "**Improvement plan** (15 of 15 actions)" in full


def test_summary_comes_before_the_plan_and_the_matrix(report: Report) -> None:
    text = render(report, "markdown").split("### Card fraud detection")[1]
    assert text.index("**Risk:** 2 high and 1 medium") < text.index("**Improvement plan**") \
        < text.index("Violated practices per pillar")
    assert "| Security | 1 | 0 | ML problem framing | 1 | 0 |" in text
    assert re.search(rf"\[MLSEC02-BP01\]\({re.escape(LENS)}mlsec02-bp01\.html\)", text)


def test_2023_edition_links_2023_pages(report: Report) -> None:
    text = render(report, "markdown", edition="2023")
    assert f"[MLSEC-02]({LENS}mlsec-02.html)" in text


def test_all_findings_are_in_a_details_table(report: Report) -> None:
    text = render(report, "markdown")
    details = text.split("<details><summary>All findings")[1].split("</details>")[0]
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
