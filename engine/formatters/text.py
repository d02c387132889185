"""Plain text for terminals and logs. Per workload a summary first (at most 20 lines: the
risky Well-Architected questions per pillar and lifecycle phase, the evidence behind each
practice outcome, the finding counts and what changed since a baseline), then the
improvement plan (the top 10 actions, each with the YAML to write, and a one-line count
of the rest). ``full`` (``mlwa validate --all``) shows every action and one line per
finding (``file:line: CODE severity key.path: message (practice)``); waived findings are
always listed.

Workload text is flattened to one line with control characters removed, so a hostile
file cannot move the cursor or forge extra finding lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from engine.formatters._common import (
    SEVERITY_ORDER,
    one_line,
    plural,
    practice_ids,
    resolve_edition,
    sorted_findings,
    status_label,
)
from engine.model import PracticeStatus, QuestionRisk, Severity
from engine.validate.report import Finding, Report, WorkloadReport

if TYPE_CHECKING:
    from engine.validate.plan import Action, Fix

PLAN_TOP = 10  # actions in the default report
SNIPPET_TOP = 6  # snippet lines per action in the default report
FINDINGS_TOP = 5  # finding lines per action in the default report

_SGR = {"high": "1;31", "medium": "33", "low": "36", "dim": "2", "bold": "1", "ok": "32",
        PracticeStatus.VIOLATED.value: "31", PracticeStatus.VERIFIED.value: "32",
        PracticeStatus.ATTESTED.value: "32", PracticeStatus.DECLARED.value: "33",
        QuestionRisk.HIGH.value: "1;31",
        QuestionRisk.MEDIUM.value: "33", QuestionRisk.NONE.value: "32"}


class _Paint:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, style: str) -> str:
        code = _SGR.get(style)
        if not self.enabled or code is None:
            return text
        return f"\x1b[{code}m{text}\x1b[0m"


def finding_line(f: Finding, edition: str, paint: _Paint, key_path: str | None = None,
                 new: bool = False) -> str:
    """``file:line: CODE severity key.path: message (practices)``, one line per finding.

    A finding about a fact the file does not state at all (on the workload itself) names
    the missing key rather than the line of the workload's first key; the practice ids
    are left out when the message names them already. ``new`` marks a finding absent from
    the baseline (``--baseline``)."""
    missing_root = f.focus_label == "workload" and f.value is None and key_path
    if f.file and f.line and not missing_root:
        where = f"{one_line(f.file)}:{f.line}"
    else:
        where = one_line(f.file) or f"<{one_line(f.workload)}>"
    sev = paint(f.severity.value, f.severity.value)
    message = one_line(f.message)
    echo = re.search(r"\s*\(([^()]*)\)$", message)
    if echo and key_path and echo.group(1).split(" ")[0] and \
            key_path.endswith(echo.group(1).split(" ")[0]):
        message = message[:echo.start()]  # the key path says it already
    ids = practice_ids(f.practices, edition)
    suffix = "" if ids and all(i in message for i in ids) else f" ({', '.join(ids)})"
    shown = f" = {one_line(f.value)}" if f.value is not None and _plain_value(f) else ""
    key = f"{one_line(key_path)}{shown}: " if key_path else ""
    mark = paint("new", "bold") + " " if new else ""
    line = f"{where}: {mark}{f.policy} {sev} {key}{message}{suffix}"
    if f.waived:
        line += " " + paint(f"waived ({one_line(f.waived_by)}: {one_line(f.waiver_reason)})",
                            "dim")
    return line


def _plain_value(f: Finding) -> bool:
    """Whether the offending value reads as itself (not a node IRI the key path names)."""
    v = f.value or ""
    return not v.startswith(("urn:", "http://", "https://", "[blank")) and len(v) <= 60


def _counts(pairs: list[tuple[str, int, str]], paint: _Paint) -> str:
    return ", ".join(paint(f"{n} {label}", style) if n else f"{n} {label}"
                     for label, n, style in pairs)


def summary_lines(w: WorkloadReport, report: Report, paint: _Paint,
                  actions: list[Action]) -> list[str]:
    """The summary above the plan: at most 20 lines whatever the workload."""
    from engine.lens.ontology import PHASE_ORDER, PILLAR_ORDER, load_lens
    from engine.validate.plan import baseline_delta, evidence_order

    lens = load_lens()
    ov = w.overview()
    pillars = {p.slug: p.label for p in lens.pillars}
    phases = {p.slug: p.label for p in lens.phases}
    rc = ov.questions
    total_q = sum(rc.values())
    lines = [paint(f"{one_line(w.workload)}: {one_line(w.name)}", "bold")
             + (f" ({one_line(w.file)})" if w.file else "")]
    lines.append(
        "  risk: " + _counts([("high", rc["HIGH"], "HIGH"), ("medium", rc["MEDIUM"], "MEDIUM")],
                             paint)
        + f" of {total_q} questions ({rc['NONE']} none, {rc['UNANSWERED']} unanswered, "
        f"{rc['NOT_APPLICABLE']} not applicable)")
    lines.append(f"  {'risky questions by pillar':<34}high medium   "
                 f"{'by lifecycle phase':<30}high medium")
    for pl, ph in zip(PILLAR_ORDER, PHASE_ORDER, strict=False):
        a, b = ov.by_pillar.get(pl, {}), ov.by_phase.get(ph, {})
        lines.append(f"    {pillars.get(pl, pl)[:30]:<30}{a.get('HIGH', 0):>6}{a.get('MEDIUM', 0):>7}"
                     f"     {phases.get(ph, ph)[:28]:<28}{b.get('HIGH', 0):>6}"
                     f"{b.get('MEDIUM', 0):>7}")
    lines.append("  evidence: " + _counts(
        [(status_label(s), ov.evidence.get(s.value, 0), s.value) for s in evidence_order()],
        paint) + " practices")
    counts = w.counts()
    open_n = counts["high"] + counts["medium"] + counts["low"]
    lines.append("  findings: " + _counts(
        [(s.value, counts[s.value], s.value) for s in SEVERITY_ORDER], paint)
        + f", {counts['waived']} waived; {plural(open_n, 'open finding')} in "
        + plural(len(actions), "action"))
    delta = baseline_delta(report, w.workload)
    if delta is not None:
        lines.append("  " + delta.text())
    return lines


def action_lines(a: Action, paint: _Paint, edition: str, fixes: Mapping[int, Fix], *,
                 full: bool, is_new: Callable[[Finding], bool] | None = None) -> list[str]:
    """An action: title, what it closes and where, its YAML, then its findings."""
    risk = paint(a.risk, a.risk)
    lines = [f"  {a.rank:>2}. [{risk}] {one_line(a.title)}"]
    closes = []
    if a.questions_closed:
        closes.append("clears " + plural(len(a.questions_closed), "question") + " ("
                      + ", ".join(a.questions_closed) + ")")
    if a.practices_closed:
        closes.append("closes " + ", ".join(practice_ids(a.practices_closed, edition)))
    else:
        closes.append("helps " + ", ".join(practice_ids(a.practices, edition)))
    lines.append("      " + "; ".join(closes) + _action_place(a))
    body = a.snippet.rstrip("\n").split("\n")
    cut = body if full else body[:SNIPPET_TOP]
    lines += ["      | " + s[:len(s) - len(s.lstrip(" "))] + one_line(s) for s in cut]
    if len(cut) < len(body):
        lines.append(f"      | … {plural(len(body) - len(cut), 'more line')} "
                     "(--all shows them)")
    found = sorted_findings(a.findings)
    shown = found if full else found[:FINDINGS_TOP]
    lines += ["      " + finding_line(f, edition, paint, fixes[id(f)].key_path,
                             new=is_new is not None and is_new(f)) for f in shown]
    if len(shown) < len(found):
        lines.append(f"      … and {plural(len(found) - len(shown), 'more finding')} "
                     "(--all shows them)")
    return lines


def _action_place(a: Action) -> str:
    """Where the change goes: the imported resource, the line of the block to change, or
    (for keys the file does not have yet) the file they are added to."""
    if a.resource:
        return f"; in {one_line(a.fixes[0].where)}"
    located = next((fx for fx in a.fixes if fx.file and fx.line), None)
    if located is not None:
        return f"; at {one_line(located.file)}:{located.line}"
    return f"; new keys in {one_line(a.fixes[0].file)}" if a.fixes[0].file else ""


def workload_block(w: WorkloadReport, report: Report, edition: str, paint: _Paint,
                   policies: Mapping[str, Any] | None, full: bool,
                   is_new: Callable[[Finding], bool] | None = None) -> list[str]:
    """Summary, plan of actions, reviews, notes and waived findings of one workload; with
    ``is_new`` (a report compared with a baseline) findings absent from it are marked ``new``."""
    from engine.validate.plan import fixes as fixes_of

    actions = w.actions(policies)
    fixes = fixes_of(w, policies)
    lines = summary_lines(w, report, paint, actions)
    if actions:
        shown = actions if full else actions[:PLAN_TOP]
        lines.append("")
        lines.append(f"  improvement plan: {plural(len(actions), 'action')}"
                     + ("" if len(shown) == len(actions) else f", top {len(shown)}") + ":")
        for a in shown:
            lines += action_lines(a, paint, edition, fixes, full=full, is_new=is_new)
        rest = actions[len(shown):]
        if rest:
            lines.append(f"  … and {plural(len(rest), 'more action')} "
                         f"({plural(sum(len(a.findings) for a in rest), 'finding')}; "
                         f"{sum(1 for a in rest if a.risk == 'high')} high risk); "
                         "--all shows every action and finding")
    lines += _reviews(w, paint)
    for note in w.notes:
        lines.append(f"  note: {one_line(note)}")
    waived = [f for f in sorted_findings(w.findings) if f.waived]
    if waived:
        lines.append("  waived:")
        lines += ["    " + finding_line(f, edition, paint, fixes[id(f)].key_path)
                  for f in waived]
    return lines


def _reviews(w: WorkloadReport, paint: _Paint) -> list[str]:
    """Custom lens reviews: counts per lens, then each high or medium risk question."""
    if not w.reviews:
        return []
    from engine.validate.report import REVIEW_REPORT_RISK as REPORT_RISK
    from engine.validate.report import review_counts_text as counts_text
    from engine.validate.report import review_risk_label as risk_label

    lines = ["  custom lens reviews:"]
    for r in w.reviews:
        lines.append(f"    {one_line(r.lens)} ({one_line(r.file)}): {counts_text(r)}")
        for q in r.risky:
            lines.append(f"      {one_line(q.id)} {paint(risk_label(q.risk), REPORT_RISK[q.risk])}:"
                         f" {one_line(q.title)}")
    return lines


def render(report: Report, *, edition: str | None = None, color: bool = False,
           policies: Mapping[str, Any] | None = None, full: bool = False) -> str:
    ed = resolve_edition(report, edition)
    paint = _Paint(color)
    lines: list[str] = []
    for error in report.errors:
        lines.append(paint("error", "high") + ": " + one_line(error))
    for w in report.workloads:
        if lines:
            lines.append("")
        lines += workload_block(w, report, ed, paint, policies, full,
                                getattr(report, "is_new", None))
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
