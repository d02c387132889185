"""What several formats share: edition-aware practice labels, a stable finding order, the
rule (policy) catalogue of a report, fingerprints and the status/risk vocabularies."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from engine.errors import UsageError
from engine.model import PracticeStatus, QuestionRisk, Severity
from engine.validate.report import Finding, Report, WorkloadReport

LENS_HOST = "https://docs.aws.amazon.com/"

# Display order and wording of the practice statuses (docs/report.md).
STATUS_ORDER: tuple[PracticeStatus, ...] = (
    PracticeStatus.VERIFIED, PracticeStatus.DECLARED, PracticeStatus.ATTESTED,
    PracticeStatus.VIOLATED, PracticeStatus.WAIVED, PracticeStatus.NOT_APPLICABLE,
    PracticeStatus.NOT_ASSESSED)
RISK_ORDER: tuple[QuestionRisk, ...] = (
    QuestionRisk.HIGH, QuestionRisk.MEDIUM, QuestionRisk.NONE, QuestionRisk.UNANSWERED,
    QuestionRisk.NOT_APPLICABLE)
SEVERITY_ORDER: tuple[Severity, ...] = (Severity.HIGH, Severity.MEDIUM, Severity.LOW)


def status_label(status: PracticeStatus | str) -> str:
    """``not_applicable`` -> ``not applicable``."""
    value = status.value if isinstance(status, PracticeStatus) else status
    return value.replace("_", " ")


def risk_label(risk: QuestionRisk | str) -> str:
    """The Well-Architected Tool's wording: ``NOT_APPLICABLE`` -> ``not applicable``."""
    value = risk.value if isinstance(risk, QuestionRisk) else risk
    return value.replace("_", " ").lower()


def resolve_edition(report: Report, edition: str | None) -> str:
    ed = edition or report.edition
    if ed not in ("2023", "2025"):
        raise UsageError(f"unknown lens edition {ed!r}; choose 2023 or 2025")
    return ed


@dataclass(frozen=True)
class PracticeLabel:
    id: str  # in the chosen edition
    title: str
    url: str  # public lens page, "" if unknown
    pillar: str
    phase: str
    risk: str


def practice_label(pid: str, edition: str) -> PracticeLabel:
    """The practice's id, title and lens page in ``edition``; the id itself when the lens
    does not know it (reports from another lens version must still render)."""
    from engine.lens.ontology import load_lens

    p = load_lens().find(pid)
    if p is None:
        return PracticeLabel(pid, "", "", "", "", "")
    url = p.source2023 if edition == "2023" else p.source2025
    return PracticeLabel(p.id(edition), p.title(edition), url if is_lens_url(url) else "",
                         p.pillar, p.phase(edition), p.risk)


def practice_ids(pids: Iterable[str], edition: str) -> list[str]:
    return [practice_label(p, edition).id for p in pids]


def is_lens_url(url: str) -> bool:
    return url.startswith(LENS_HOST)


def finding_sort_key(f: Finding) -> tuple[Any, ...]:
    return (f.workload, f.file or "", f.line or 0, f.column or 0, f.policy, f.focus_label,
            f.path or "", f.value or "", f.message)


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=finding_sort_key)


def report_findings(report: Report) -> list[Finding]:
    """All findings: workloads in report order, each workload's findings sorted."""
    return [f for w in report.workloads for f in sorted_findings(w.findings)]


def fingerprint(f: Finding) -> str:
    """A stable hash of :meth:`Finding.key` (same finding, same hash, across runs)."""
    data = json.dumps(list(f.key()), ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str | None) -> str:
    """Control characters (newlines, ANSI escapes from a workload file) become one space."""
    return _CONTROL.sub(" ", text or "").strip()


# ------------------------------------------------------------------------------ rules

@dataclass(frozen=True)
class Rule:
    """A policy as the report knows it, with catalogue text where available."""

    code: str
    title: str
    severity: Severity
    kind: str
    practices: tuple[str, ...]  # 2025 ids
    pillar: str
    phase: str  # in the report's edition
    rationale: str
    remediation: str


def rules(report: Report, policies: Mapping[str, Any] | None = None,
          edition: str = "2025") -> list[Rule]:
    """Every policy that produced a finding or that a practice result names, sorted by
    code. Text comes from ``policies`` (catalogue entries) when given, else from the first
    finding of the policy, else from the practices it implements."""
    from engine.lens.ontology import load_lens

    lens = load_lens()
    first: dict[str, Finding] = {}
    for found in sorted_findings(report.findings):
        first.setdefault(found.policy, found)
    implements: dict[str, set[str]] = {}
    for w in report.workloads:
        for res in w.practices.values():
            for code in res.policies:
                implements.setdefault(code, set()).add(res.practice)
    out = []
    for code in sorted(set(first) | set(implements)):
        f = first.get(code)
        pol = (policies or {}).get(code)
        practices = tuple(getattr(pol, "practices", ()) or (f.practices if f else ())
                          or sorted(implements.get(code, ())))
        known = [lens.find(p) for p in practices]
        lead = next((p for p in known if p is not None), None)
        severity = getattr(pol, "severity", None) or (f.severity if f else None) or \
            Severity.for_risk(lead.risk if lead else "")
        kind = getattr(pol, "kind", None) or (f.kind if f else None)
        title = getattr(pol, "title", "") or (f.title if f else "") or \
            (f"Implements {lead.id(edition)}: {lead.title(edition)}" if lead else code)
        out.append(Rule(
            code=code, title=title, severity=Severity(severity),
            kind=str(getattr(kind, "value", kind or "automated")),
            practices=practices,
            pillar=(lead.pillar if lead else "") or (f.pillar if f else ""),
            phase=(lead.phase(edition) if lead else "") or (f.phase if f else ""),
            rationale=getattr(pol, "rationale", "") or "",
            remediation=getattr(pol, "remediation", "") or (f.remediation if f else "")))
    return out


def workload_policies(w: WorkloadReport) -> list[str]:
    """Policies that ran on (or reported on) one workload, sorted."""
    codes = {c for r in w.practices.values() for c in r.policies}
    codes.update(f.policy for f in w.findings)
    return sorted(codes)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"
