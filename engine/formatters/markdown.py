"""Markdown for a pull-request comment or a CI job summary: a headline, per workload a
summary (risky questions per pillar and lifecycle phase, evidence, changes since a
baseline), the top 10 actions of the improvement plan (the YAML of the first three
collapsed below), the pillar × phase matrix of violated practices, and every finding in a
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
    status_label,
)
from engine.model import PracticeStatus
from engine.validate.report import Finding, Report, WorkloadReport

TOP_GAPS = 10  # actions shown
SNIPPETS = 3  # actions whose YAML is shown (collapsed)
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
    from engine.lens.ontology import PHASE_ORDER, PILLAR_ORDER, load_lens

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


def _summary(w: WorkloadReport, report: Report) -> list[str]:
    """Risky questions per pillar and per phase side by side, the evidence behind each
    practice outcome and what changed since the baseline."""
    from engine.lens.ontology import PHASE_ORDER, PILLAR_ORDER, load_lens
    from engine.validate.plan import baseline_delta, evidence_order

    lens = load_lens()
    pillars = {p.slug: p.label for p in lens.pillars}
    phases = {p.slug: p.label for p in lens.phases}
    ov = w.overview()
    rc = ov.questions
    lines = [f"**Risk:** {rc['HIGH']} high and {rc['MEDIUM']} medium risk questions of "
             f"{sum(rc.values())} ({rc['NONE']} none, {rc['UNANSWERED']} unanswered, "
             f"{rc['NOT_APPLICABLE']} not applicable)", "",
             "| Pillar | High | Medium | Lifecycle phase | High | Medium |",
             "|---|---:|---:|---|---:|---:|"]
    for pl, ph in zip(PILLAR_ORDER, PHASE_ORDER, strict=False):
        a, b = ov.by_pillar.get(pl, {}), ov.by_phase.get(ph, {})
        lines.append(f"| {escape(pillars.get(pl, pl))} | {a.get('HIGH', 0)} | "
                     f"{a.get('MEDIUM', 0)} | {escape(phases.get(ph, ph))} | "
                     f"{b.get('HIGH', 0)} | {b.get('MEDIUM', 0)} |")
    lines += ["", "**Evidence:** " + " · ".join(
        f"{ov.evidence.get(s.value, 0)} {status_label(s)}" for s in evidence_order())
        + " (practices)"]
    delta = baseline_delta(report, w.workload)
    if delta is not None:
        lines += ["", f"**Since baseline** {escape(delta.baseline)}: {delta.new} new, "
                  f"{delta.fixed} fixed, {delta.known} unchanged"]
    return lines


def code_block(text: str) -> list[str]:
    """The YAML as an HTML ``<pre>`` block: GitHub shows it as code, and being escaped it
    cannot close the block or add markup whatever a workload's names say."""
    from html import escape as html_escape

    body = [html_escape(line[:len(line) - len(line.lstrip(" "))] + one_line(line))
            for line in text.rstrip("\n").split("\n")]
    return ["<pre>" + "\n".join(body) + "</pre>"]


def _actions(w: WorkloadReport, edition: str, policies: Mapping[str, Any] | None,
             full: bool) -> list[str]:
    actions = w.actions(policies)
    if not actions:
        return []
    shown = actions if full else actions[:TOP_GAPS]
    lines = ["", f"**Improvement plan** ({len(shown)} of {plural(len(actions), 'action')})", "",
             "| # | Risk | Change | Clears | Closes | Findings |",
             "|---:|---|---|---|---|---:|"]
    for a in shown:
        closes = ", ".join(_practice_link(p, edition) for p in a.practices_closed) or "—"
        lines.append(f"| {a.rank} | {a.risk} | {escape(a.title)} | "
                     f"{escape(', '.join(a.questions_closed)) or '—'} | {closes} | "
                     f"{len(a.findings)} |")
    for a in shown[:SNIPPETS]:
        lines += ["", f"<details><summary>{a.rank}. {escape(a.title)}</summary>", "",
                  *code_block(a.snippet), "", "</details>"]
    if len(shown) < len(actions):
        rest = actions[len(shown):]
        lines += ["", f"… and {plural(len(rest), 'more action')} "
                  f"({plural(sum(len(a.findings) for a in rest), 'finding')}); "
                  "`mlwa validate --all` or the HTML report shows them."]
    return lines


def _reviews(w: WorkloadReport) -> list[str]:
    """Custom lens reviews: counts per lens and its high or medium risk questions."""
    if not w.reviews:
        return []
    from engine.validate.report import review_counts_text as counts_text
    from engine.validate.report import review_risk_label as risk_label

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


def _finding_row(f: Finding, edition: str, policy: Any = None) -> str:
    from engine.validate.plan import fix_for

    where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "(workload)")
    key = fix_for(f, policy).key_path
    status = f"waived ({escape(f.waived_by)}: {escape(f.waiver_reason)})" if f.waived \
        else f.severity.value
    practices = ", ".join(_practice_link(p, edition) for p in f.practices)
    return (f"| {escape(f.workload)} | {escape(where)} · {escape(key)} | {escape(f.policy)} | "
            f"{status} | {escape(f.message)} | {practices} |")


def render(report: Report, *, edition: str | None = None, color: bool = False,
           policies: Mapping[str, Any] | None = None, full: bool = False) -> str:
    ed = resolve_edition(report, edition)
    lines = [_headline(report), ""]
    lines.append(f"{plural(report.policies, 'policy', 'policies')} · lens {ed} · "
                 f"engine {escape(report.engine)} · as of {escape(report.as_of)}")
    if report.errors:
        lines += ["", "**Input errors**", ""] + [f"- {escape(e)}" for e in report.errors]
    for w in report.workloads:
        c = w.counts()
        lines += ["", f"### {escape(w.name)} (`{w.workload.replace('`', '')}`)", "",
                  f"{c['high']} high · {c['medium']} medium · {c['low']} low · "
                  f"{c['waived']} waived", ""]
        lines += _summary(w, report)
        lines += _actions(w, ed, policies, full)
        lines += ["", "Violated practices per pillar and lifecycle phase "
                  "(· = the lens has no practice there):", ""]
        lines += _matrix(w, ed)
        lines += _reviews(w)
        if w.notes:
            lines += [""] + [f"> {escape(n)}" for n in w.notes]
    findings = report_findings(report)
    if findings:
        lines += ["", f"<details><summary>All findings ({len(findings)})</summary>", "",
                  "| Workload | Location · key | Policy | Severity | Message | Practices |",
                  "|---|---|---|---|---|---|"]
        pol = policies or {}
        lines += [_finding_row(f, ed, pol.get(f.policy)) for f in findings[:MAX_FINDING_ROWS]]
        if len(findings) > MAX_FINDING_ROWS:
            lines += ["", f"… and {len(findings) - MAX_FINDING_ROWS} more; see the JSON, "
                      "SARIF or HTML report for all of them."]
        lines += ["", "</details>"]
    if report.notes:
        lines += [""] + [f"> {escape(n)}" for n in report.notes]
    return "\n".join(lines) + "\n"
