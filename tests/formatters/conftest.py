"""A realistic two-workload report, built by hand (no policy pack needed).

Eight policies of the built-in style; outcomes per policy are decided here and turned into
practice statuses and question risks with the real rules of :mod:`engine.validate.report`, over
all 105 practices and 35 questions of the bundled lens. The second workload carries
hostile text (markup, pipes, backticks, an ANSI escape) as a workload file could.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from engine.lens.ontology import load_lens
from engine.model import CheckKind, PracticeStatus, QuestionRisk, Severity
from engine.validate.report import (
    Finding,
    PracticeResult,
    Report,
    WorkloadReport,
    practice_status,
    question_risk,
)
from engine.validate.reviews import QuestionReview, ReviewResult

HOSTILE = "<script>alert(1)</script>"


@dataclass(frozen=True)
class SamplePolicy:
    code: str
    title: str
    severity: Severity
    kind: CheckKind
    practices: tuple[str, ...]
    rationale: str
    remediation: str


POLICIES = {p.code: p for p in (
    SamplePolicy("WA-SEC-001", "Data stores are encrypted at rest", Severity.HIGH,
                 CheckKind.AUTOMATED, ("MLSEC02-BP01",),
                 "Training data often holds personal or confidential records; unencrypted "
                 "stores expose them to anyone who reaches the storage layer.",
                 "Set encrypted_at_rest: true and name a KMS key for every data store."),
    SamplePolicy("WA-SEC-004", "Training jobs run without internet access", Severity.HIGH,
                 CheckKind.AUTOMATED, ("MLSEC04-BP01",),
                 "A training container with internet access can exfiltrate data or pull "
                 "unvetted code.",
                 "Run training in a VPC without a NAT route and set network_isolation: true."),
    SamplePolicy("WA-OPS-002", "Datasets are versioned", Severity.MEDIUM, CheckKind.AUTOMATED,
                 ("MLOPS03-BP02", "MLSEC03-BP04"),
                 "Without dataset versions no model can be reproduced or audited.",
                 "Enable versioning on the dataset's store or register it in a data catalog."),
    SamplePolicy("WA-REL-003", "Endpoints scale automatically", Severity.MEDIUM,
                 CheckKind.AUTOMATED, ("MLREL05-BP01",),
                 "A fixed-size endpoint fails under load peaks and wastes money off-peak.",
                 "Give the endpoint an autoscaling block with min and max instance counts."),
    SamplePolicy("WA-PERF-005", "Data drift is monitored", Severity.LOW, CheckKind.AUTOMATED,
                 ("MLPERF06-BP03",),
                 "Input distributions shift; unmonitored drift silently degrades predictions.",
                 "Add a monitoring.data_drift schedule with a baseline dataset."),
    SamplePolicy("WA-COST-004", "Resources carry cost-allocation tags", Severity.LOW,
                 CheckKind.AUTOMATED, ("MLCOST04-BP12",),
                 "Untagged spend cannot be attributed to a team or a model.",
                 "Tag every resource with owner and cost-center."),
    SamplePolicy("WA-OPS-010", "Explainability level is agreed with stakeholders",
                 Severity.MEDIUM, CheckKind.ATTESTATION, ("MLOPS01-BP02",),
                 "The required level of explainability constrains the choice of algorithm.",
                 "Record an attestation with the agreed level and a link to the decision."),
    SamplePolicy("WA-SUS-002", "Region is chosen with sustainability in mind", Severity.MEDIUM,
                 CheckKind.AUTOMATED, ("MLSUS02-BP02",),
                 "Regions differ in the carbon intensity of their electricity.",
                 "Declare the deployment region and the reason for choosing it."),
)}


def finding(workload: str, code: str, focus_label: str, message: str, *, file: str | None,
            line: int | None, column: int | None = None, path: str | None = None,
            value: str | None = None, waiver: tuple[str, str] | None = None) -> Finding:
    pol = POLICIES[code]
    lens = load_lens()
    lead = lens.practice(pol.practices[0])
    focus = "https://w3id.org/mlwa/workload/" + workload
    if focus_label != "workload":
        focus += "/" + focus_label
    return Finding(policy=code, title=pol.title, severity=pol.severity, kind=pol.kind,
                   practices=pol.practices, pillar=lead.pillar, phase=lead.phase("2025"),
                   focus=focus, focus_label=focus_label, path=path, value=value,
                   message=message, file=file, line=line, column=column,
                   remediation=pol.remediation, workload=workload,
                   waived_by=waiver[0] if waiver else None,
                   waiver_reason=waiver[1] if waiver else None,
                   component="MinCountConstraintComponent" if value is None
                   else "HasValueConstraintComponent")


def workload_report(workload: str, name: str, file: str | None, findings: list[Finding],
                    outcomes: dict[str, str], not_applicable: dict[str, str],
                    notes: list[str]) -> WorkloadReport:
    """Practice statuses and question risks exactly as the validator derives them."""
    lens = load_lens()
    per: dict[str, list[str]] = defaultdict(list)
    for pol in POLICIES.values():
        for pid in pol.practices:
            per[pid].append(pol.code)
    practices: dict[str, PracticeResult] = {}
    for p in lens.practices:
        codes = tuple(sorted(per.get(p.id2025, ())))
        if p.id2025 in not_applicable:
            practices[p.id2025] = PracticeResult(p.id2025, PracticeStatus.NOT_APPLICABLE, codes,
                                                 not_applicable[p.id2025])
            continue
        status = practice_status(outcomes[c] for c in codes)
        reason = "" if codes else "no selected policy implements this practice"
        if status is PracticeStatus.NOT_ASSESSED and codes:
            reason = "the workload has nothing these policies check"
        practices[p.id2025] = PracticeResult(p.id2025, status, codes, reason)
    per_q: dict[str, list[tuple[str, PracticeStatus]]] = defaultdict(list)
    for p in lens.practices:
        per_q[p.question].append((p.risk, practices[p.id2025].status))
    questions: dict[str, QuestionRisk] = {q.id: question_risk(per_q.get(q.id, []))
                                          for q in lens.questions}
    return WorkloadReport(workload=workload, name=name, file=file,
                          content_hash="sha256:" + workload.encode().hex().ljust(64, "0")[:64],
                          findings=findings, practices=practices, questions=questions,
                          notes=notes)


def build_report() -> Report:
    fraud_file = "examples/fraud-detection.yaml"
    fraud = workload_report(
        "fraud-detection", "Card fraud detection", fraud_file,
        [
            finding("fraud-detection", "WA-SEC-001", "data_stores/raw-transactions",
                    "Data store raw-transactions is not encrypted at rest", file=fraud_file,
                    line=14, column=7, path="mlwa:encryptedAtRest", value="false"),
            finding("fraud-detection", "WA-OPS-002", "datasets/chargebacks",
                    "Dataset chargebacks has no version", file=fraud_file, line=18, column=5,
                    path="mlwa:versioned", value="false",
                    waiver=("WVR-007", "Chargeback feed is immutable; the data platform team "
                                       "versions it upstream")),
            finding("fraud-detection", "WA-SEC-001", "data_stores/features",
                    "Data store features is not encrypted at rest", file=fraud_file, line=22,
                    column=5, path="mlwa:encryptedAtRest", value="false"),
            finding("fraud-detection", "WA-REL-003", "endpoints/scoring",
                    "Endpoint scoring has no autoscaling policy", file=fraud_file, line=40,
                    column=5, path="mlwa:autoscaling"),
            finding("fraud-detection", "WA-COST-004", "workload",
                    "Workload has no cost-center tag", file=fraud_file, line=None,
                    path="mlwa:costCenter"),
        ],
        {"WA-SEC-001": "fail", "WA-SEC-004": "verified", "WA-OPS-002": "waived",
         "WA-REL-003": "fail", "WA-PERF-005": "verified", "WA-COST-004": "fail",
         "WA-OPS-010": "attested", "WA-SUS-002": "vacuous"},
        {"MLCOST03-BP01": "Labels come from chargeback outcomes; nothing is labelled by hand"},
        ["waiver WVR-002 expired on 2025-05-01; its findings are reported again"])
    churn_file = "examples/churn forecast.yaml"
    churn = workload_report(
        "churn-forecast", f"Churn forecast {HOSTILE}", churn_file,
        [
            finding("churn-forecast", "WA-SEC-004", "training_jobs/weekly-retrain",
                    "Training job weekly-retrain has internet access", file=churn_file,
                    line=9, column=3, path="mlwa:networkIsolation", value="false"),
            finding("churn-forecast", "WA-OPS-002", "datasets/crm-export",
                    "Dataset crm-export has no version", file=churn_file, line=12,
                    path="mlwa:versioned", value="false"),
            finding("churn-forecast", "WA-PERF-005", "endpoints/churn-api",
                    "Endpoint churn-api has no data drift monitor", file=churn_file, line=31,
                    path="mlwa:dataDriftMonitor"),
            finding("churn-forecast", "WA-COST-004", "tags/owner",
                    f"Tag owner has value '{HOSTILE}' | `rm -rf` is not a team id\x1b[2J",
                    file=None, line=None, path="mlwa:owner", value=HOSTILE),
        ],
        {"WA-SEC-001": "verified", "WA-SEC-004": "fail", "WA-OPS-002": "fail",
         "WA-REL-003": "verified", "WA-PERF-005": "fail", "WA-COST-004": "fail",
         "WA-OPS-010": "vacuous", "WA-SUS-002": "verified"},
        {}, [])
    fraud.reviews = [ReviewResult("Serverless Applications Lens", "lenses/serverless.json", (
        QuestionReview("OPS_1", "How do you understand the health of your application?",
                       "Operational Excellence", ("OPS_1_a",), "HIGH_RISK"),
        QuestionReview("OPS_2", "How do you approach deployments?", "Operational Excellence",
                       ("OPS_2_a", "OPS_2_b"), "MEDIUM_RISK"),
        QuestionReview("SEC_1", "How do you control access to your APIs?", "Security",
                       ("SEC_1_a", "SEC_1_b", "SEC_1_c"), "NO_RISK"),
        QuestionReview("SEC_2", "How do you manage your function's boundaries?", "Security",
                       (), "UNANSWERED"),
    ))]
    churn.reviews = [ReviewResult(f"Team lens {HOSTILE}", "lenses/team `lens`.json", (
        QuestionReview("Q_1", "Is the | pipe `escaped`?\x1b[2J", f"Pillar {HOSTILE}",
                       ("Q_1_no",), "HIGH_RISK"),
    ))]
    return Report(workloads=[fraud, churn], engine="fast", packs={"ml-lens": "1.2.0"},
                  policies=len(POLICIES), as_of="2025-06-30",
                  errors=["examples/broken.yaml:3: workload has no id"],
                  notes=["policy WA-SUS-002 is in preview"])


@pytest.fixture(scope="session")
def report() -> Report:
    return build_report()


@pytest.fixture(scope="session")
def policies() -> dict[str, SamplePolicy]:
    return POLICIES


SNAPSHOTS = Path(__file__).parent / "snapshots"


def check_snapshot(name: str, actual: str) -> None:
    """Compare with ``snapshots/<name>``; ``MLWA_UPDATE_SNAPSHOTS=1`` rewrites it."""
    path = SNAPSHOTS / name
    if os.environ.get("MLWA_UPDATE_SNAPSHOTS") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="\n")
        return
    assert path.exists(), f"no snapshot {path}; run with MLWA_UPDATE_SNAPSHOTS=1 to create it"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from its snapshot; if the change is intended, " \
                               "rerun with MLWA_UPDATE_SNAPSHOTS=1 and review the diff"


@pytest.fixture
def clean_report(report: Report) -> Report:
    """The fraud workload with every finding gone and its practices verified."""
    w = report.workloads[0]
    practices = {pid: replace(r, status=PracticeStatus.VERIFIED)
                 if r.status in (PracticeStatus.VIOLATED, PracticeStatus.WAIVED) else r
                 for pid, r in w.practices.items()}
    clean = replace(w, findings=[], practices=practices, notes=[])
    return replace(report, workloads=[clean], errors=[], notes=[])


@pytest.fixture
def everything_violated(report: Report) -> Report:
    """Every practice violated: a plan of 105 items."""
    w = report.workloads[0]
    practices = {pid: replace(r, status=PracticeStatus.VIOLATED) for pid, r in w.practices.items()}
    return replace(report, workloads=[replace(w, practices=practices)])
