"""Markdown for a pull-request comment or a CI job summary: a headline, per workload the
pillar × phase matrix of violated practices and the top gaps, and every finding in a
collapsed table.

Workload text is untrusted: it is flattened to one line and every character that
Markdown or the HTML GitHub allows in it could act on is escaped, so a workload cannot
break the table, inject a link or an image, or add markup.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from engine.formatters._common import (
    SEVERITY_ORDER,
    one_line,
    plural,
    practice_label,
    report_findings,
    resolve_edition,
)
from engine.model import PracticeStatus
from engine.report import Finding, Report, WorkloadReport

TOP_GAPS = 10
# GitHub refuses comments over 65,536 characters; a row is at most a few hundred.
MAX_FINDING_ROWS = 150
_MD_SPECIAL = re.compile(r"([\\`*_\[\]!|~])")


def escape(text: str | None) -> str:
    """Plain text that renders as itself in Markdown, also inside a table cell."""
    flat = one_line(text)
    flat = flat.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", flat)


def _practice_link(pid: str, edition: str) -> str:
    p = practice_label(pid, edition)
    return f"[{p.id}]({p.url})" if p.url else escape(p.id)


def _headline(report: Report) -> str:
    opens = [f for w in report.workloads for f in w.open_findings]
    waived = sum(len(w.waived_findings) for w in report.workloads)
    scope = plural(len(report.workloads), "workload")
    if not opens and not report.errors:
        text = f"✅ mlwa: no open findings in {scope}"
    else:
        counts = ", ".join(f"{sum(1 for f in opens if f.severity is s)} {s.value}"
                           for s in SEVERITY_ORDER)
        text = f"❌ mlwa: {counts} in {scope}"
        if report.errors:
            text += f", {plural(len(report.errors), 'input error')}"
    if waived:
        text += f" ({waived} waived)"
    return f"## {text}"


def _matrix(w: WorkloadReport, edition: str) -> list[str]:
    from engine.ontology import PHASE_ORDER, PILLAR_ORDER, load_lens

    lens = load_lens()
    pillars = {p.slug: p.label for p in lens.pillars}
    phases = {p.slug: p.label for p in lens.phases}
    size = lens.matrix(edition)
    cells = w.matrix(edition)
    lines = ["| Pillar | " + " | ".join(phases.get(ph, ph) for ph in PHASE_ORDER) + " |",
             "|---|" + "---:|" * len(PHASE_ORDER)]
    for pl in PILLAR_ORDER:
        row = []
        for ph in PHASE_ORDER:
            n = cells[pl][ph][PracticeStatus.VIOLATED.value]
            row.append("·" if not size[pl][ph] else (f"**{n}**" if n else "0"))
        lines.append(f"| {pillars.get(pl, pl)} | " + " | ".join(row) + " |")
    return lines


def _gaps(w: WorkloadReport, edition: str) -> list[str]:
    plan = w.plan()
    if not plan:
        return []
    lines = ["", f"**Top gaps** ({min(len(plan), TOP_GAPS)} of {len(plan)})", "",
             "| # | Practice | Risk | Pillar / phase | Policies | Findings | Remediation |",
             "|---:|---|---|---|---|---:|---|"]
    for item in plan[:TOP_GAPS]:
        p = practice_label(item.practice, edition)
        lines.append(
            f"| {item.rank} | {_practice_link(item.practice, edition)} "
            f"{escape(p.title or item.title)} | {escape(item.risk)} | "
            f"{escape(item.pillar)} / {escape(p.phase or item.phase)} | "
            f"{escape(', '.join(item.policies))} | {item.findings} | "
            f"{escape(item.remediation)} |")
    return lines


def _reviews(w: WorkloadReport) -> list[str]:
    """Custom lens reviews: counts per lens and its high or medium risk questions."""
    if not w.reviews:
        return []
    from engine.report import review_counts_text as counts_text
    from engine.report import review_risk_label as risk_label

    lines = ["", "**Custom lens reviews**", ""]
    for r in w.reviews:
        lines.append(f"- {escape(r.lens)} (`{r.file.replace('`', '')}`): "
                     f"{escape(counts_text(r))}")
    risky = [(r, q) for r in w.reviews for q in r.risky]
    if risky:
        lines += ["", "| Lens | Question | Pillar | Selected | Risk |",
                  "|---|---|---|---|---|"]
        lines += [f"| {escape(r.lens)} | {escape(q.id)} {escape(q.title)} | "
                  f"{escape(q.pillar)} | {escape(', '.join(q.selected) or '—')} | "
                  f"{escape(risk_label(q.risk))} |" for r, q in risky]
    return lines


def _finding_row(f: Finding, edition: str) -> str:
    where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "(workload)")
    status = f"waived ({escape(f.waived_by)}: {escape(f.waiver_reason)})" if f.waived \
        else f.severity.value
    practices = ", ".join(_practice_link(p, edition) for p in f.practices)
    return (f"| {escape(f.workload)} | {escape(where)} | {escape(f.policy)} | {status} | "
            f"{escape(f.message)} | {practices} |")


def render(report: Report, *, edition: str | None = None, color: bool = False,
           policies: Mapping[str, Any] | None = None) -> str:
    ed = resolve_edition(report, edition)
    lines = [_headline(report), ""]
    lines.append(f"{plural(report.policies, 'policy', 'policies')} · lens {ed} · "
                 f"engine {escape(report.engine)} · as of {escape(report.as_of)}")
    if report.errors:
        lines += ["", "**Input errors**", ""] + [f"- {escape(e)}" for e in report.errors]
    for w in report.workloads:
        c = w.counts()
        st = w.status_counts()
        lines += ["", f"### {escape(w.name)} (`{w.workload.replace('`', '')}`)", "",
                  f"{c['high']} high · {c['medium']} medium · {c['low']} low · "
                  f"{c['waived']} waived — practices: {st['violated']} violated, "
                  f"{st['verified']} verified, {st['attested']} attested, "
                  f"{st['not_assessed']} not assessed", "",
                  "Violated practices per pillar and lifecycle phase "
                  "(· = the lens has no practice there):", ""]
        lines += _matrix(w, ed)
        lines += _gaps(w, ed)
        lines += _reviews(w)
        if w.notes:
            lines += [""] + [f"> {escape(n)}" for n in w.notes]
    findings = report_findings(report)
    if findings:
        lines += ["", f"<details><summary>All findings ({len(findings)})</summary>", "",
                  "| Workload | Location | Policy | Severity | Message | Practices |",
                  "|---|---|---|---|---|---|"]
        lines += [_finding_row(f, ed) for f in findings[:MAX_FINDING_ROWS]]
        if len(findings) > MAX_FINDING_ROWS:
            lines += ["", f"… and {len(findings) - MAX_FINDING_ROWS} more; see the JSON, "
                      "SARIF or HTML report for all of them."]
        lines += ["", "</details>"]
    if report.notes:
        lines += [""] + [f"> {escape(n)}" for n in report.notes]
    return "\n".join(lines) + "\n"
