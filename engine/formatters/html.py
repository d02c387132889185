"""One self-contained HTML file: inline CSS, no scripts, no fetched resources. The only
links are plain ``<a href>`` to the public lens pages on docs.aws.amazon.com, and a
Content-Security-Policy forbids everything else, should a browser ever be tricked.

Every string that comes from a workload or the report passes through :func:`esc`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

from engine.formatters._common import (
    RISK_ORDER,
    SEVERITY_ORDER,
    STATUS_ORDER,
    is_lens_url,
    one_line,
    plural,
    practice_label,
    resolve_edition,
    risk_label,
    sorted_findings,
    status_label,
)
from engine.model import PracticeStatus
from engine.validate.report import Report, WorkloadReport

CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;
max-width:72rem;padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.6rem;margin:0}h2{margin-top:2.5rem;border-bottom:2px solid #d0d7de}
h3{margin-top:1.6rem}small,.muted{color:#57606a}
table{border-collapse:collapse;margin:.5rem 0;width:100%}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right}
table.heat td{text-align:center;min-width:6rem}table.heat td.none{background:#fff;color:#8c959f}
.sev{font-weight:600;padding:0 .35rem;border-radius:3px;white-space:nowrap}
.high{background:#ffd7d5;color:#82071e}.medium{background:#fff1c5;color:#7d4e00}
.low{background:#ddf4ff;color:#0550ae}.waived{background:#eaeef2;color:#57606a}
.risk-HIGH{color:#82071e;font-weight:600}.risk-MEDIUM{color:#7d4e00;font-weight:600}
.risk-NONE{color:#116329}.risk-UNANSWERED,.risk-NOT_APPLICABLE{color:#57606a}
.cards{display:flex;flex-wrap:wrap;gap:.5rem;margin:.5rem 0;padding:0;list-style:none}
.cards li{border:1px solid #d0d7de;border-radius:6px;padding:.4rem .8rem}
.cards b{display:block;font-size:1.3rem}
.legend span{display:inline-block;width:1rem;height:.8rem;vertical-align:middle;margin:0 .2rem}
.notes li,.errors li{margin:.2rem 0}.errors{color:#82071e}
code{font-size:90%;background:#f6f8fa;padding:0 .2rem;border-radius:3px}
.summary table.risk{width:auto}.summary table.risk td{min-width:3rem}
article.action{border:1px solid #d0d7de;border-radius:6px;padding:.2rem .8rem;margin:.6rem 0}
article.action h4{margin:.4rem 0}article.action p{margin:.2rem 0}
pre{background:#f6f8fa;padding:.5rem .7rem;border-radius:4px;font-size:12px;
white-space:pre-wrap;overflow-wrap:anywhere;margin:.4rem 0}
td{overflow-wrap:break-word}
.cover{display:none}
@page{size:A4;margin:16mm 14mm 18mm;@bottom-right{content:"page " counter(page) " of " counter(pages);
font:9px system-ui,sans-serif;color:#57606a}}
@media print{body{max-width:none;margin:0;padding:0;font-size:10.5px}
.cover{display:block;page-break-after:always;padding-top:35%}.cover h1{font-size:2rem}
.cover table{width:auto}section{page-break-before:always}
h3.plan,h3.appendix{page-break-before:always}article.action{page-break-inside:avoid}
table{font-size:9.5px}th,td{padding:.15rem .3rem}table.heat td{min-width:0}
header{display:none}}
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; form-action 'none'"


def esc(text: object) -> str:
    """HTML-escaped, on one line, without control characters."""
    return escape(one_line(None if text is None else str(text)), quote=True)


def _link(pid: str, edition: str, *, with_title: bool = False) -> str:
    p = practice_label(pid, edition)
    label = esc(p.id) + (f" {esc(p.title)}" if with_title and p.title else "")
    if p.url and is_lens_url(p.url):
        return f'<a href="{esc(p.url)}">{label}</a>'
    return label


def heat_colour(violated: int, good: int) -> str:
    """Red for an all-violated cell, green for an all-verified one, shades between;
    grey when nothing in the cell was assessed."""
    if violated + good == 0:
        return "#eaeef2"
    share = violated / (violated + good)
    return f"hsl({round(120 * (1 - share))}, 70%, {82 if share else 86}%)"


def _table(head: Iterable[str], rows: Iterable[str], cls: str = "") -> list[str]:
    attr = f' class="{cls}"' if cls else ""
    return [f"<table{attr}><thead><tr>" + "".join(f"<th>{h}</th>" for h in head)
            + "</tr></thead><tbody>", *rows, "</tbody></table>"]


def _heatmap(w: WorkloadReport, edition: str) -> list[str]:
    from engine.lens.ontology import PHASE_ORDER, PILLAR_ORDER, load_lens

    lens = load_lens()
    pillars = {p.slug: p.label for p in lens.pillars}
    phases = {p.slug: p.label for p in lens.phases}
    size = lens.matrix(edition)
    cells = w.matrix(edition)
    rows = []
    for pl in PILLAR_ORDER:
        tds = []
        for ph in PHASE_ORDER:
            c = cells[pl][ph]
            if not size[pl][ph]:
                tds.append('<td class="none">–</td>')
                continue
            bad = c[PracticeStatus.VIOLATED.value]
            good = c[PracticeStatus.VERIFIED.value] + c[PracticeStatus.ATTESTED.value]
            title = ", ".join(f"{c[s.value]} {status_label(s)}" for s in STATUS_ORDER if c[s.value])
            tds.append(f'<td style="background:{heat_colour(bad, good)}" title="{esc(title)}">'
                       f"{bad} ✗ · {good} ✓ <small>/ {size[pl][ph]}</small></td>")
        rows.append(f"<tr><th>{esc(pillars.get(pl, pl))}</th>{''.join(tds)}</tr>")
    head = ["Pillar"] + [esc(phases.get(ph, ph)) for ph in PHASE_ORDER]
    legend = ('<p class="legend muted">Cells: violated ✗ · verified or attested ✓ / practices '
              'in the lens. <span style="background:hsl(0, 70%, 82%)"></span>all violated '
              '<span style="background:hsl(120, 70%, 86%)"></span>all verified '
              '<span style="background:#eaeef2"></span>not assessed</p>')
    return [*_table(head, rows, "heat"), legend]


def _plan(w: WorkloadReport, edition: str) -> list[str]:
    plan = w.plan()
    if not plan:
        return ['<p class="muted">No violated practices.</p>']
    rows = []
    for item in plan:
        p = practice_label(item.practice, edition)
        rows.append(
            f'<tr><td class="n">{item.rank}</td><td>{_link(item.practice, edition, with_title=True)}</td>'
            f"<td>{esc(item.risk)}</td><td>{esc(item.pillar)}</td><td>{esc(p.phase or item.phase)}</td>"
            f"<td>{esc(', '.join(item.policies))}</td><td class=\"n\">{item.findings}</td>"
            f"<td>{esc(item.remediation)}</td></tr>")
    return _table(["#", "Practice", "Risk", "Pillar", "Phase", "Policies", "Findings",
                   "Remediation"], rows)


def _findings(w: WorkloadReport, edition: str, policies: Mapping[str, Any] | None
              ) -> list[str]:
    from engine.validate.plan import fix_for

    if not w.findings:
        return ['<p class="muted">No findings.</p>']
    rows = []
    pol = policies or {}
    for f in sorted_findings(w.findings):
        where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or "(workload)")
        if f.waived:
            sev = (f'<span class="sev waived">waived</span> <small>{esc(f.severity.value)}; '
                   f"{esc(f.waived_by)}: {esc(f.waiver_reason)}</small>")
        else:
            sev = f'<span class="sev {esc(f.severity.value)}">{esc(f.severity.value)}</span>'
        detail = f"<code>{esc(fix_for(f, pol.get(f.policy)).key_path)}</code>" + \
            (f" = <code>{esc(f.value)}</code>" if f.value is not None else "")
        rows.append(
            f"<tr><td>{sev}</td><td>{esc(f.policy)}<br><small>{esc(f.title)}</small></td>"
            f"<td>{esc(f.message)}<br><small>{detail}</small></td><td>{esc(where)}</td>"
            f"<td>{', '.join(_link(p, edition) for p in f.practices)}</td>"
            f"<td>{esc(f.remediation)}</td></tr>")
    return _table(["Severity", "Policy", "Message", "Location", "Practices", "Remediation"],
                  rows)


def _questions(w: WorkloadReport) -> list[str]:
    from engine.lens.ontology import load_lens

    titles = {q.id: q.title for q in load_lens().questions}
    order = {r: i for i, r in enumerate(RISK_ORDER)}
    rows = [f'<tr><td>{esc(q)}</td><td>{esc(titles.get(q, ""))}</td>'
            f'<td class="risk-{esc(r.value)}">{esc(risk_label(r))}</td></tr>'
            for q, r in sorted(w.questions.items(), key=lambda qr: (order[qr[1]], qr[0]))]
    return _table(["Question", "Title", "Risk"], rows)


def _reviews(w: WorkloadReport) -> list[str]:
    """Custom lens reviews: every question of each lens with its choices and risk."""
    if not w.reviews:
        return []
    from engine.validate.report import REVIEW_REPORT_RISK as REPORT_RISK
    from engine.validate.report import review_counts_text as counts_text
    from engine.validate.report import review_risk_label as risk_label

    out = ["<h3>Custom lens reviews</h3>"]
    for r in w.reviews:
        rows = [f"<tr><td>{esc(q.id)}</td><td>{esc(q.title)}</td><td>{esc(q.pillar)}</td>"
                f"<td>{esc(', '.join(q.selected))}</td>"
                f'<td class="risk-{esc(REPORT_RISK.get(q.risk, ""))}">'
                f"{esc(risk_label(q.risk))}</td></tr>" for q in r.questions]
        out += [f"<h4>{esc(r.lens)} <small>{esc(r.file)}</small></h4>",
                f'<p class="muted">{esc(counts_text(r))}</p>',
                *_table(["Question", "Title", "Pillar", "Selected", "Risk"], rows)]
    return out


def _summary(w: WorkloadReport, report: Report) -> list[str]:
    """Risky questions per pillar and per lifecycle phase, evidence, baseline delta."""
    from engine.lens.ontology import PHASE_ORDER, PILLAR_ORDER, load_lens
    from engine.validate.plan import baseline_delta, evidence_order

    lens = load_lens()
    pillars = {p.slug: p.label for p in lens.pillars}
    phases = {p.slug: p.label for p in lens.phases}
    ov = w.overview()
    rc = ov.questions
    c = w.counts()
    cards = [f'<li class="risk-HIGH"><b>{rc["HIGH"]}</b>high risk questions</li>',
             f'<li class="risk-MEDIUM"><b>{rc["MEDIUM"]}</b>medium risk questions</li>',
             f'<li><b>{rc["NONE"]}</b>no risk</li>',
             f'<li><b>{rc["UNANSWERED"]}</b>unanswered</li>',
             f'<li><b>{rc["NOT_APPLICABLE"]}</b>not applicable</li>']
    rows = []
    for pl, ph in zip(PILLAR_ORDER, PHASE_ORDER, strict=False):
        a, b = ov.by_pillar.get(pl, {}), ov.by_phase.get(ph, {})
        rows.append(f"<tr><th>{esc(pillars.get(pl, pl))}</th><td class=\"n\">{a.get('HIGH', 0)}"
                    f"</td><td class=\"n\">{a.get('MEDIUM', 0)}</td>"
                    f"<th>{esc(phases.get(ph, ph))}</th><td class=\"n\">{b.get('HIGH', 0)}</td>"
                    f"<td class=\"n\">{b.get('MEDIUM', 0)}</td></tr>")
    evidence = [f"<li><b>{ov.evidence.get(s.value, 0)}</b>{esc(status_label(s))}</li>"
                for s in evidence_order()]
    sev = [f'<li class="{s.value}"><b>{c[s.value]}</b>{s.value}</li>' for s in SEVERITY_ORDER]
    sev.append(f'<li><b>{c["waived"]}</b>waived</li>')
    out = ['<div class="summary">', '<h3>Summary</h3>',
           f'<ul class="cards">{"".join(cards)}</ul>',
           *_table(["Pillar", "High", "Medium", "Lifecycle phase", "High", "Medium"], rows,
                   "risk"),
           f'<p class="muted">Practices by evidence</p><ul class="cards">{"".join(evidence)}</ul>',
           f'<p class="muted">Findings by severity</p><ul class="cards">{"".join(sev)}</ul>']
    delta = baseline_delta(report, w.workload)
    if delta is not None:
        out.append(f"<p><strong>Since baseline {esc(delta.baseline)}:</strong> {delta.new} new, "
                   f"{delta.fixed} fixed, {delta.known} unchanged</p>")
    out.append("</div>")
    return out


def _actions(w: WorkloadReport, edition: str, policies: Mapping[str, Any] | None
             ) -> list[str]:
    actions = w.actions(policies)
    if not actions:
        return ['<p class="muted">Nothing to change: no open findings.</p>']
    out = [f'<p class="muted">{plural(len(actions), "action")}, each one change to the '
           "workload description; the first ones remove the most risk.</p>"]
    for a in actions:
        closes = ", ".join(_link(p, edition) for p in a.practices_closed) or "none alone"
        where = ""
        if a.resource:
            where = esc(a.fixes[0].where)
        else:
            located = next((fx for fx in a.fixes if fx.file and fx.line), None)
            where = (f"{esc(located.file)}:{located.line}" if located
                     else f"new keys in {esc(a.fixes[0].file or 'the file')}")
        out += [f'<article class="action"><h4><span class="sev {esc(a.risk)}">{esc(a.risk)}'
                f"</span> {a.rank}. {esc(a.title)}</h4>",
                f'<p class="muted">Clears {esc(", ".join(a.questions_closed)) or "no question alone"}'
                f" · closes {closes} · {plural(len(a.findings), 'finding')} · {where}</p>",
                f"<pre>{esc_block(a.snippet)}</pre></article>"]
    return out


def esc_block(text: str) -> str:
    """A multi-line block, each line flattened and escaped, indentation kept."""
    return "\n".join(escape(line[:len(line) - len(line.lstrip(" "))] + one_line(line),
                             quote=True) for line in text.rstrip("\n").split("\n"))


def _workload(w: WorkloadReport, report: Report, edition: str,
              policies: Mapping[str, Any] | None) -> list[str]:
    out = [f'<section id="w-{esc(w.workload)}">',
           f"<h2>{esc(w.name)} <small>{esc(w.workload)}</small></h2>",
           f'<p class="muted">{esc(w.file or "")} · content {esc(w.content_hash[:19])}…</p>',
           *_summary(w, report),
           '<h3 class="plan">Improvement plan</h3>', *_actions(w, edition, policies),
           '<h3 class="appendix">Pillar × lifecycle phase</h3>', *_heatmap(w, edition),
           "<h3>Violated practices</h3>", *_plan(w, edition),
           "<h3>Findings</h3>", *_findings(w, edition, policies),
           "<h3>Well-Architected questions</h3>", *_questions(w), *_reviews(w)]
    if w.notes:
        out += ["<h3>Notes</h3>", '<ul class="notes">',
                *[f"<li>{esc(n)}</li>" for n in w.notes], "</ul>"]
    out.append("</section>")
    return out


def render(report: Report, *, edition: str | None = None, color: bool = False,
           policies: Mapping[str, Any] | None = None, full: bool = False) -> str:
    from engine import __version__

    ed = resolve_edition(report, edition)
    opens = [f for w in report.workloads for f in w.open_findings]
    worst = report.worst()
    headline = (f"{plural(len(opens), 'open finding')} in "
                f"{plural(len(report.workloads), 'workload')}"
                + (f", worst {worst.value}" if worst else ""))
    packs = ", ".join(f"{k} {v}" for k, v in sorted(report.packs.items()))
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           '<meta name="referrer" content="no-referrer">',
           "<title>mlwa report</title>", f"<style>{CSS}</style>", "</head>", "<body>",
           "<header>", "<h1>ML workload review</h1>",
           f'<p class="muted">mlwa {esc(__version__)} · AWS Well-Architected ML Lens {ed} · '
           f"{plural(report.policies, 'policy', 'policies')} ({esc(packs)}) · engine "
           f"{esc(report.engine)} · as of {esc(report.as_of)}</p>",
           f"<p><strong>{esc(headline)}</strong></p>", "</header>"]
    if report.errors:
        out += ["<h2>Input errors</h2>", '<ul class="errors">',
                *[f"<li>{esc(e)}</li>" for e in report.errors], "</ul>"]
    for w in report.workloads:
        out += _workload(w, report, ed, policies)
    if report.notes:
        out += ["<h2>Notes</h2>", '<ul class="notes">',
                *[f"<li>{esc(n)}</li>" for n in report.notes], "</ul>"]
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
