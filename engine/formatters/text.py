"""Plain text for terminals and logs: one finding per line (``file:line: CODE severity
message (practice)``), waived findings after, then a summary per workload.

Workload text is flattened to one line with control characters removed, so a hostile
file cannot move the cursor or forge extra finding lines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.formatters._common import (
    RISK_ORDER,
    SEVERITY_ORDER,
    STATUS_ORDER,
    one_line,
    plural,
    practice_ids,
    practice_label,
    resolve_edition,
    risk_label,
    sorted_findings,
    status_label,
)
from engine.model import PracticeStatus, QuestionRisk, Severity
from engine.report import Finding, Report, WorkloadReport

PLAN_TOP = 5

_SGR = {"high": "1;31", "medium": "33", "low": "36", "dim": "2", "bold": "1", "ok": "32",
        PracticeStatus.VIOLATED.value: "31", PracticeStatus.VERIFIED.value: "32",
        PracticeStatus.ATTESTED.value: "32", QuestionRisk.HIGH.value: "1;31",
        QuestionRisk.MEDIUM.value: "33", QuestionRisk.NONE.value: "32"}


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        code = _SGR.get(style)
        if not self.enabled or code is None:
            return text
        return f"\x1b[{code}m{text}\x1b[0m"


def finding_line(f: Finding, edition: str, paint: _Paint) -> str:
    where = f"{one_line(f.file)}:{f.line}" if f.file and f.line else \
        (one_line(f.file) or f"<{one_line(f.workload)}>")
    sev = paint(f.severity.value, f.severity.value)
    line = (f"{where}: {f.policy} {sev} {one_line(f.message)} "
            f"({', '.join(practice_ids(f.practices, edition))})")
    if f.waived:
        line += " " + paint(f"waived ({one_line(f.waived_by)}: {one_line(f.waiver_reason)})",
                            "dim")
    return line


def _counts(pairs: list[tuple[str, int, str]], paint: _Paint) -> str:
    return ", ".join(paint(f"{n} {label}", style) if n else f"{n} {label}"
                     for label, n, style in pairs)


def workload_block(w: WorkloadReport, edition: str, paint: _Paint) -> list[str]:
    lines = [paint(f"{one_line(w.workload)}: {one_line(w.name)}", "bold")
             + (f" ({one_line(w.file)})" if w.file else "")]
    findings = sorted_findings(w.findings)
    lines += [finding_line(f, edition, paint) for f in findings if not f.waived]
    waived = [f for f in findings if f.waived]
    if waived:
        lines.append("waived:")
        lines += ["  " + finding_line(f, edition, paint) for f in waived]
    counts = w.counts()
    sev = [(s.value, counts[s.value], s.value) for s in SEVERITY_ORDER]
    lines.append("summary:")
    lines.append("  findings: " + _counts(sev, paint) + f", {counts['waived']} waived")
    st = w.status_counts()
    lines.append("  practices: " + _counts(
        [(status_label(s), st[s.value], s.value) for s in STATUS_ORDER], paint))
    rc = w.risk_counts()
    lines.append("  questions: " + _counts(
        [(risk_label(r) + " risk" if r in (QuestionRisk.HIGH, QuestionRisk.MEDIUM)
          else risk_label(r), rc[r.value], r.value) for r in RISK_ORDER], paint))
    risky = [q for q, r in sorted(w.questions.items())
             if r in (QuestionRisk.HIGH, QuestionRisk.MEDIUM)]
    if risky:
        lines.append("    " + ", ".join(f"{q} {risk_label(w.questions[q])}" for q in risky))
    lines += _reviews(w, paint)
    for note in w.notes:
        lines.append(f"  note: {one_line(note)}")
    plan = w.plan()
    if plan:
        shown = plan[:PLAN_TOP]
        more = f" of {len(plan)}" if len(plan) > len(shown) else ""
        lines.append(f"  improvement plan (top {len(shown)}{more}):")
        for item in shown:
            p = practice_label(item.practice, edition)
            lines.append(f"    {item.rank}. {p.id} {p.title or item.title} "
                         f"[{item.risk} risk; {item.pillar}, {p.phase or item.phase}] "
                         f"{', '.join(item.policies)}: {one_line(item.remediation)}")
    return lines


def _reviews(w: WorkloadReport, paint: _Paint) -> list[str]:
    """Custom lens reviews: counts per lens, then each high or medium risk question."""
    if not w.reviews:
        return []
    from engine.report import REVIEW_REPORT_RISK as REPORT_RISK
    from engine.report import review_counts_text as counts_text
    from engine.report import review_risk_label as risk_label

    lines = ["  custom lens reviews:"]
    for r in w.reviews:
        lines.append(f"    {one_line(r.lens)} ({one_line(r.file)}): {counts_text(r)}")
        for q in r.risky:
            lines.append(f"      {one_line(q.id)} {paint(risk_label(q.risk), REPORT_RISK[q.risk])}:"
                         f" {one_line(q.title)}")
    return lines


def render(report: Report, *, edition: str | None = None, color: bool = False,
           policies: Mapping[str, Any] | None = None) -> str:
    ed = resolve_edition(report, edition)
    paint = _Paint(color)
    lines: list[str] = []
    for error in report.errors:
        lines.append(paint("error", "high") + ": " + one_line(error))
    for w in report.workloads:
        if lines:
            lines.append("")
        lines += workload_block(w, ed, paint)
    opens = [f for w in report.workloads for f in w.open_findings]
    totals = {s: sum(1 for f in opens if f.severity is s) for s in Severity}
    waived = sum(len(w.waived_findings) for w in report.workloads)
    lines.append("")
    lines.append(
        f"{plural(len(report.workloads), 'workload')}, {plural(report.policies, 'policy', 'policies')}"
        f" (lens {ed}, engine {report.engine}, as of {report.as_of}): "
        + _counts([(s.value, totals[s], s.value) for s in SEVERITY_ORDER], paint)
        + f", {waived} waived" + (f", {plural(len(report.errors), 'input error')}"
                                  if report.errors else ""))
    for note in report.notes:
        lines.append(f"note: {one_line(note)}")
    return "\n".join(lines) + "\n"
