"""Typed results: findings, per-practice outcomes, Well-Architected risk per question, the
pillar × phase matrix and an improvement plan. Every formatter and the app read these.

The JSON form (``Report.to_json``) is the documented, versioned contract (docs/json.md).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.model import CheckKind, PracticeStatus, QuestionRisk, Severity, frozen_from_fields

if TYPE_CHECKING:
    from engine.validate.plan import Action, Overview

REPORT_SCHEMA_VERSION = "1.2"  # 1.1: WorkloadReport.reviews; 1.2: declared, evidence, fix, actions


@dataclass(frozen=True)
class Finding:
    policy: str
    title: str
    severity: Severity
    kind: CheckKind
    practices: tuple[str, ...]  # 2025 ids
    pillar: str
    phase: str
    focus: str  # IRI of the focus node
    focus_label: str  # e.g. "data_stores/raw-transactions" or "workload"
    path: str | None  # compact path, e.g. "mlwa:encryptedAtRest"
    value: str | None
    message: str
    file: str | None
    line: int | None
    column: int | None
    remediation: str
    workload: str  # workload id
    waived_by: str | None = None  # waiver id when a valid waiver covers it
    waiver_reason: str | None = None
    component: str | None = None  # SHACL constraint component (local name)

    @property
    def waived(self) -> bool:
        return self.waived_by is not None

    @property
    def location(self) -> str:
        if self.file is None:
            return "<workload>"
        return f"{self.file}:{self.line}" if self.line else self.file

    def key(self) -> tuple[str, str, str, str | None, str | None, str | None, str]:
        """Identity of a finding across runs (for baselines, diffs, SARIF fingerprints and
        OSCAL observation ids): where it is (workload, node, path, value), which policy, and
        which of the policy's constraints: the SHACL component and the message. One policy
        may hold several constraints on the same node and path (WA-OPS-012 asks for a CI and
        a CD pipeline, both on ``mlwa:hasPipeline``); without the last two they would share
        one identity, and fixing one would look like fixing neither."""
        return (self.workload, self.policy, self.focus_label, self.path, self.value,
                self.component, self.message)

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy, "title": self.title, "severity": self.severity.value,
            "kind": self.kind.value, "practices": list(self.practices), "pillar": self.pillar,
            "phase": self.phase, "workload": self.workload, "focus": self.focus,
            "focusLabel": self.focus_label, "path": self.path, "value": self.value,
            "message": self.message,
            "location": {"file": self.file, "line": self.line, "column": self.column},
            "remediation": self.remediation, "component": self.component,
            "waived": self.waived, "waiver": self.waived_by, "waiverReason": self.waiver_reason,
        }


def finding_from_fields(values: dict[str, Any]) -> Finding:
    """``Finding(**values)`` for a dict that names every field (see ``frozen_from_fields``)."""
    return frozen_from_fields(Finding, values)


@dataclass(frozen=True)
class PracticeResult:
    practice: str  # 2025 id
    status: PracticeStatus
    policies: tuple[str, ...]
    reason: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"practice": self.practice, "status": self.status.value,
                "policies": list(self.policies), "reason": self.reason}


@dataclass(frozen=True)
class PlanItem:
    rank: int
    practice: str
    title: str
    risk: str
    pillar: str
    phase: str
    policies: tuple[str, ...]
    findings: int
    remediation: str

    def to_json(self) -> dict[str, Any]:
        return {"rank": self.rank, "practice": self.practice, "title": self.title,
                "risk": self.risk, "pillar": self.pillar, "phase": self.phase,
                "policies": list(self.policies), "findings": self.findings,
                "remediation": self.remediation}


@dataclass
class WorkloadReport:
    workload: str  # id
    name: str
    file: str | None
    content_hash: str
    findings: list[Finding]
    practices: dict[str, PracticeResult]
    questions: dict[str, QuestionRisk]
    edition: str = "2025"
    notes: list[str] = field(default_factory=list)  # e.g. expired waivers, gate routing
    # custom-lens reviews the workload carries (engine.validate.reviews), beside the SHACL findings
    reviews: list[ReviewResult] = field(default_factory=list)

    # ------------------------------------------------------------------ derived views
    @property
    def open_findings(self) -> list[Finding]:
        return [f for f in self.findings if not f.waived]

    @property
    def waived_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.waived]

    def counts(self) -> dict[str, int]:
        # one pass: portfolios summarise every report (10,000s of them) in the parent
        c = Counter(f.severity for f in self.findings if f.waived_by is None)
        out = {s.value: c.get(s, 0) for s in (Severity.HIGH, Severity.MEDIUM, Severity.LOW)}
        out["waived"] = len(self.findings) - sum(c.values())
        return out

    def status_counts(self) -> dict[str, int]:
        c = Counter(r.status.value for r in self.practices.values())
        return {s.value: c.get(s.value, 0) for s in PracticeStatus}

    def risk_counts(self) -> dict[str, int]:
        c = Counter(r.value for r in self.questions.values())
        return {r.value: c.get(r.value, 0) for r in QuestionRisk}

    def matrix(self, edition: str | None = None) -> dict[str, dict[str, dict[str, int]]]:
        """Pillar × phase: practice status counts per cell."""
        from engine.lens.ontology import PHASE_ORDER, PILLAR_ORDER, load_lens

        lens = load_lens()
        ed = edition or self.edition
        out = {pl: {ph: {s.value: 0 for s in PracticeStatus} for ph in PHASE_ORDER}
               for pl in PILLAR_ORDER}
        for pid, res in self.practices.items():
            p = lens.practice(pid)
            out[p.pillar][p.phase(ed)][res.status.value] += 1
        return out

    def plan(self) -> list[PlanItem]:
        """Violated practices, ordered by risk, then lifecycle phase, then id."""
        from engine.lens.ontology import PHASE_ORDER, load_lens

        lens = load_lens()
        by_practice: dict[str, list[Finding]] = defaultdict(list)
        for f in self.open_findings:
            for pid in f.practices:
                by_practice[pid].append(f)
        items = []
        risk_rank = {"high": 0, "medium": 1, "not-stated": 2}
        for pid, res in self.practices.items():
            if res.status is not PracticeStatus.VIOLATED:
                continue
            p = lens.practice(pid)
            fs = by_practice.get(pid, [])
            remediations = list(dict.fromkeys(f.remediation for f in fs))
            items.append((risk_rank.get(p.risk, 3), PHASE_ORDER.index(p.phase(self.edition)), pid,
                          p, fs, " ".join(remediations)))
        items.sort(key=lambda t: (t[0], t[1], t[2]))
        return [PlanItem(i + 1, pid, p.title(self.edition), p.risk, p.pillar, p.phase(self.edition),
                         tuple(sorted({f.policy for f in fs})), len(fs), rem)
                for i, (_, _, pid, p, fs, rem) in enumerate(items)]

    def actions(self, policies: Mapping[str, Any] | None = None) -> list[Action]:
        """The improvement plan as ranked actions, each one change (engine.validate.plan)."""
        from engine.validate.plan import build_actions

        return build_actions(self, policies)

    def overview(self) -> Overview:
        """Risky questions per pillar and phase and evidence levels (engine.validate.plan)."""
        from engine.validate.plan import overview

        return overview(self)

    def to_json(self, policies: Mapping[str, Any] | None = None) -> dict[str, Any]:
        from engine.validate.plan import fix_for

        pol = policies or {}
        return {
            "workload": self.workload, "name": self.name, "file": self.file,
            "contentHash": self.content_hash, "edition": self.edition,
            "summary": {"findings": self.counts(), "practices": self.status_counts(),
                        "questions": self.risk_counts(), **self.overview().to_json()},
            "findings": [{**f.to_json(), "fix": fix_for(f, pol.get(f.policy)).to_json()}
                         for f in self.findings],
            "practices": [r.to_json() for r in self.practices.values()],
            "questions": {q: r.value for q, r in self.questions.items()},
            "matrix": self.matrix(),
            "plan": [i.to_json() for i in self.plan()],
            "actions": [a.to_json() for a in self.actions(policies)],
            "notes": list(self.notes),
            "reviews": [r.to_json() for r in self.reviews],
        }


@dataclass
class Report:
    workloads: list[WorkloadReport]
    engine: str
    packs: dict[str, str]  # id -> version
    policies: int
    as_of: str
    edition: str = "2025"
    errors: list[str] = field(default_factory=list)  # input errors of files that did not load
    notes: list[str] = field(default_factory=list)
    # code -> catalogue entry of every selected policy (title, rationale, remediation, ...);
    # lets formatters describe rules that produced no finding. Not part of the JSON form.
    policy_index: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def findings(self) -> list[Finding]:
        return [f for w in self.workloads for f in w.findings]

    def worst(self) -> Severity | None:
        open_ = [f.severity for w in self.workloads for f in w.open_findings]
        return max(open_, key=lambda s: s.rank) if open_ else None

    def fails(self, threshold: str) -> bool:
        """True when an unwaived finding is at or above ``threshold`` (high|medium|low|none)."""
        if threshold == "none":
            return False
        limit = Severity(threshold).rank
        return any(f.severity.rank >= limit for w in self.workloads for f in w.open_findings)

    def to_json(self) -> dict[str, Any]:
        from engine import __version__
        from engine.validate.plan import baseline_delta

        return {
            "schema": "https://w3id.org/mlwa/report",
            "version": REPORT_SCHEMA_VERSION,
            "tool": {"name": "mlwa", "version": __version__},
            "engine": self.engine, "edition": self.edition, "asOf": self.as_of,
            "packs": self.packs, "policies": self.policies,
            "workloads": [w.to_json(self.policy_index) for w in self.workloads],
            "errors": list(self.errors), "notes": list(self.notes),
            "baseline": delta.to_json() if (delta := baseline_delta(self)) else None,
        }


# ------------------------------------------------------------------------------ rules

#: A policy's outcome on a workload, strongest first, and the practice status it gives.
#: ``deferred``: a policy assessed from a later lifecycle stage holds only because the
#: workload is not there yet; it keeps the practice "not assessed" whatever its other
#: policies say, so that changing the stage never turns a gap into a pass.
OUTCOME_ORDER: tuple[tuple[str, PracticeStatus], ...] = (
    ("fail", PracticeStatus.VIOLATED), ("waived", PracticeStatus.WAIVED),
    ("deferred", PracticeStatus.NOT_ASSESSED), ("verified", PracticeStatus.VERIFIED),
    ("attested", PracticeStatus.ATTESTED), ("declared", PracticeStatus.DECLARED))


def practice_status(statuses: Iterable[str]) -> PracticeStatus:
    """Combine the outcomes of a practice's policies (see docs/report.md)."""
    s = set(statuses)
    for outcome, status in OUTCOME_ORDER:
        if outcome in s:
            return status
    return PracticeStatus.NOT_ASSESSED


def question_risk(practices: Iterable[tuple[str, PracticeStatus]]) -> QuestionRisk:
    """The Well-Architected Tool's risk for one question, from its practices' outcomes.

    HIGH: a High-risk practice is violated. MEDIUM: another practice is violated.
    NOT_APPLICABLE: every practice is not applicable. UNANSWERED: nothing violated, but some
    practice was not assessed. NONE: every practice verified, attested, waived or not
    applicable.
    """
    items = list(practices)
    if any(st is PracticeStatus.VIOLATED and risk == "high" for risk, st in items):
        return QuestionRisk.HIGH
    if any(st is PracticeStatus.VIOLATED for _, st in items):
        return QuestionRisk.MEDIUM
    if items and all(st is PracticeStatus.NOT_APPLICABLE for _, st in items):
        return QuestionRisk.NOT_APPLICABLE
    if not items or any(st is PracticeStatus.NOT_ASSESSED for _, st in items):
        return QuestionRisk.UNANSWERED
    return QuestionRisk.NONE


# ---------------------------------------------------------------------- custom-lens reviews
# What engine.validate.reviews computes for a workload's ``reviews:``; kept with the rest of the report
# model so formatters read it without importing the reviewer (and the lens reader under it).

#: A question no answer reaches (the same string as ``engine.interop.customlens.UNANSWERED``).
REVIEW_UNANSWERED = "UNANSWERED"
REVIEW_RISK_ORDER = ("HIGH_RISK", "MEDIUM_RISK", "NO_RISK", REVIEW_UNANSWERED)


@dataclass(frozen=True)
class QuestionReview:
    """One question of a reviewed lens: what was chosen and the risk the rules give."""

    id: str
    title: str
    pillar: str  # pillar name
    selected: tuple[str, ...]  # choice ids, as written
    risk: str  # HIGH_RISK | MEDIUM_RISK | NO_RISK | UNANSWERED

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "pillar": self.pillar,
                "selected": list(self.selected), "risk": self.risk}


@dataclass(frozen=True)
class ReviewResult:
    """A custom lens reviewed for one workload."""

    lens: str  # the lens's name
    file: str  # the lens path as the workload writes it
    questions: tuple[QuestionReview, ...]  # every question of the lens, in lens order

    def risk_counts(self) -> dict[str, int]:
        c = Counter(q.risk for q in self.questions)
        return {r: c.get(r, 0) for r in REVIEW_RISK_ORDER}

    @property
    def risky(self) -> list[QuestionReview]:
        return [q for q in self.questions if q.risk in ("HIGH_RISK", "MEDIUM_RISK")]

    def to_json(self) -> dict[str, Any]:
        return {"lens": self.lens, "file": self.file, "summary": self.risk_counts(),
                "questions": [q.to_json() for q in self.questions]}


_REVIEW_LABELS = {"HIGH_RISK": "high risk", "MEDIUM_RISK": "medium risk",
                  "NO_RISK": "no risk", REVIEW_UNANSWERED: "unanswered"}
#: The report's own question risks, for styling a custom-lens risk like them.
REVIEW_REPORT_RISK = {"HIGH_RISK": "HIGH", "MEDIUM_RISK": "MEDIUM", "NO_RISK": "NONE",
                      REVIEW_UNANSWERED: "UNANSWERED"}


def review_risk_label(risk: str) -> str:
    """``HIGH_RISK`` -> ``high risk``, for people."""
    return _REVIEW_LABELS.get(risk, risk.lower().replace("_", " "))


def review_counts_text(result: ReviewResult) -> str:
    """``1 high risk, 0 medium risk, 2 no risk, 3 unanswered``."""
    c = result.risk_counts()
    return ", ".join(f"{c[r]} {review_risk_label(r)}" for r in REVIEW_RISK_ORDER)
