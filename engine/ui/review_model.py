"""The Review page's model: lens questions answered by the description and by the architect.

No Streamlit here, so the rules are tested on their own. A question's choices are its best
practices (plus "None of these"), as in the ML Lens exported as a Well-Architected Tool
custom lens (:mod:`engine.interop.walens`), and its risk comes from that lens's own risk
rules (:func:`engine.interop.customlens.evaluate_risk`):

- a practice the validation already shows (verified, attested, waived, not applicable)
  counts as chosen; a violated one can never be chosen by hand (the description says
  otherwise: fix it, or waive it);
- the architect chooses the practices that only an attestation can show (their attestation
  policy fails for want of one: :data:`ASK`), with the evidence, or "None of these", or
  marks the whole question not applicable with a reason. A choice without evidence does
  not count, exactly as the attestation policies do not count a bare claim; a practice
  only configuration can show (not assessed) is described in the workload, not answered;
- a question nobody answered keeps the validation's own risk.

Answers become attestations (``implemented`` for a chosen practice, ``not-implemented``
for the rest when "None of these" is chosen, ``not-applicable`` with the reason), which
a workload file carries under ``attestations:``; validating with them feeds the same report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from engine.errors import InputError

if TYPE_CHECKING:
    from engine.interop.customlens import ImportedLens
    from engine.lens.ontology import Lens
    from engine.validate.report import WorkloadReport

#: practice outcomes that count as a chosen answer without asking
SHOWN = frozenset({"verified", "attested", "waived", "not_applicable", "declared"})
#: the Well-Architected Tool's risk names -> the report's question risks
TOOL_RISK = {"HIGH_RISK": "HIGH", "MEDIUM_RISK": "MEDIUM", "NO_RISK": "NONE",
             "UNANSWERED": "UNANSWERED", "NOT_APPLICABLE": "NOT_APPLICABLE"}
RISKS = ("HIGH", "MEDIUM", "NONE", "UNANSWERED", "NOT_APPLICABLE")


@dataclass
class Answer:
    """What the architect said about one question."""

    choices: list[str] = field(default_factory=list)  # 2025 practice ids chosen by hand
    none: bool = False  # "None of these"
    not_applicable: bool = False
    reason: str = ""  # why not applicable
    note: str = ""

    @property
    def given(self) -> bool:
        return bool(self.choices or self.none or self.not_applicable)


def ml_lens_as_custom_lens(lens: Lens) -> ImportedLens:
    """The ML Lens as the tool's custom lens (choices and risk rules), read back by the
    same reader that checks imported lenses."""
    from engine.interop.walens import export_lens_document, parse_lens_dict

    return parse_lens_dict(export_lens_document(lens), source="mlwa ML Lens")


def choice_id(practice: str) -> str:
    return practice.replace("-", "_")


#: a practice violated only because nobody attested it: the architect's answer settles it
ASK = "needs_answer"


def _attestation_only(wr: WorkloadReport) -> set[str]:
    """Practices whose open findings all come from attestation policies (no attestation)."""
    from engine.model import CheckKind

    kinds: dict[str, set[CheckKind]] = {}
    for f in wr.open_findings:
        for p in f.practices:
            kinds.setdefault(p, set()).add(f.kind)
    return {p for p, ks in kinds.items() if ks == {CheckKind.ATTESTATION}}


def shown_practices(question: str, lens: Lens, wr: WorkloadReport) -> dict[str, str]:
    """2025 practice id -> outcome, for every practice of ``question``; a practice violated
    only for want of an attestation is :data:`ASK`."""
    ask = _attestation_only(wr)
    out = {}
    for p in lens.practices:
        if p.question == question:
            res = wr.practices.get(p.id2025)
            status = res.status.value if res is not None else "not_assessed"
            out[p.id2025] = ASK if status == "violated" and p.id2025 in ask else status
    return out


def question_risk(question: str, lens: Lens, custom: ImportedLens, wr: WorkloadReport,
                  answer: Answer | None) -> str:
    """The question's risk after the architect's answer (the report's when unanswered)."""
    automated = wr.questions.get(question)
    if answer is None or not answer.given:
        return automated.value if automated is not None else "UNANSWERED"
    if answer.not_applicable:
        return "NOT_APPLICABLE"
    from engine.interop.customlens import evaluate_risk

    q = custom.question_by_id[question]
    outcomes = shown_practices(question, lens, wr)
    if answer.none:
        chosen = {f"{question}_no"}
    else:
        counted = set(counted_choices(answer, outcomes))
        if not counted:  # nothing the answer can settle (no evidence): the report's risk stands
            return automated.value if automated is not None else "UNANSWERED"
        # What the report will say once the answers come back as attestations: the same rule
        # the validator applies, over the outcomes with the settled practices attested.
        from engine.model import PracticeStatus
        from engine.validate.report import question_risk as report_risk

        items = []
        for p in lens.practices:
            if p.question == question:
                res = wr.practices.get(p.id2025)
                status = res.status if res is not None else PracticeStatus.NOT_ASSESSED
                items.append((p.risk, PracticeStatus.ATTESTED if p.id2025 in counted else status))
        return report_risk(items).value
    return TOOL_RISK.get(evaluate_risk(q, sorted(chosen)), "UNANSWERED")


def counted_choices(answer: Answer, outcomes: dict[str, str]) -> list[str]:
    """The hand-chosen practices an attestation can settle, when evidence is given."""
    if not answer.note.strip():
        return []
    return [p for p in answer.choices if outcomes.get(p) == ASK]


def risk_counts(risks: dict[str, str]) -> dict[str, int]:
    counts = dict.fromkeys(RISKS, 0)
    for r in risks.values():
        counts[r] = counts.get(r, 0) + 1
    return counts


def attestations(answers: dict[str, Answer], lens: Lens, wr: WorkloadReport, *, owner: str,
                 when: dt.date) -> list[dict[str, Any]]:
    """Attestation entries (the workload format's ``attestations:``) for the answers."""
    out: list[dict[str, Any]] = []
    for qid, answer in sorted(answers.items()):
        if not answer.given:
            continue
        outcomes = shown_practices(qid, lens, wr)
        for pid, status in sorted(outcomes.items()):
            entry: dict[str, Any] | None = None
            if answer.not_applicable:
                entry = {"status": "not-applicable", "note": answer.reason.strip() or
                         "not applicable to this workload"}
            elif pid in counted_choices(answer, outcomes):
                entry = {"status": "implemented"}
            elif answer.none and status == ASK:
                entry = {"status": "not-implemented"}
            if entry is None:
                continue
            item: dict[str, Any] = {"practice": pid, **entry, "owner": owner,
                                    "date": when.isoformat()}
            if answer.note.strip():
                item["evidence"] = answer.note.strip()
            out.append(item)
    return out


def attestations_yaml(items: list[dict[str, Any]], workload: str) -> str:
    import yaml

    body = yaml.safe_dump({"attestations": items}, sort_keys=False, allow_unicode=True)
    return (f"# Answers given on the mlwa Review page for workload {workload}.\n"
            "# Add these entries to the workload file's attestations: list.\n" + body)


def with_attestations(text: str, filename: str, items: list[dict[str, Any]]) -> str:
    """The workload text (YAML or JSON) with ``items`` added to its attestations; an
    earlier attestation of the same practice is replaced."""
    import yaml

    if filename.lower().endswith((".ttl", ".jsonld")):
        raise InputError(f"{filename}: answers can be added to YAML or JSON workloads only; "
                         "download them and add the attestations by hand")
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"{filename}: cannot be read as YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise InputError(f"{filename}: the workload is not a mapping")
    mine = {i["practice"] for i in items}
    kept = [a for a in doc.get("attestations") or []
            if not (isinstance(a, dict) and a.get("practice") in mine)]
    doc["attestations"] = kept + items
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
