"""The ML Lens as a Well-Architected Tool custom lens, and custom lenses in the graph.

:func:`export_lens_json` writes the 2025 edition of the ML Lens in the tool's custom-lens
format: six pillars, the 35 questions, one choice per best practice plus a "None of these"
choice, and risk rules derived from each practice's risk level. The result is checked with
the same reader that imports lenses (:mod:`engine.interop.customlens`), so an export that
broke a limit would fail loudly rather than be refused later by the tool.

Import, RDF conversion and review functions are re-exported from
:mod:`engine.interop.customlens`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from engine.errors import InputError, Location
from engine.interop.customlens import (
    LIMITS,
    RISKS,
    SCHEMA_VERSION,
    UNANSWERED,
    Choice,
    Content,
    ImportedLens,
    LensPillar,
    LensQuestion,
    RiskRule,
    evaluate_risk,
    export_custom_lens,
    graph_to_lens,
    import_lens_json,
    lens_to_graph,
    normalise,
    parse_lens_dict,
    review,
    slugify,
)

if TYPE_CHECKING:
    from engine.lens.ontology import Lens, Practice, Question

ML_LENS_NAME = "Machine Learning Lens (2025 edition, mlwa)"
ML_LENS_SLUG = "ml-lens-2025"
ML_LENS_DESCRIPTION = (
    "The best practices of the AWS Well-Architected Machine Learning Lens (November 2025 "
    "edition), one question per pillar and ML lifecycle phase, exported by mlwa. Each choice "
    "is one best practice; leaving out a High-risk practice makes the question a high risk, "
    "leaving out any other a medium risk. Descriptions and improvement plans are mlwa's "
    "summaries; the links lead to the lens's own pages."
)
NONE_TITLE = "None of these"


def choice_id(practice_id_2025: str) -> str:
    """The choice id of a practice: ``MLOPS01-BP01`` -> ``MLOPS01_BP01`` (the tool allows
    letters, digits and underscores only)."""
    return practice_id_2025.replace("-", "_")


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _plan_text(p: Practice, lens: Lens) -> str:
    phase = lens.phase_by_slug[p.phase2025].label if p.phase2025 in lens.phase_by_slug else \
        p.phase2025
    risk = {"high": "a high risk", "medium": "a medium risk"}.get(p.risk, "a risk")
    text = (f"Put this practice in place during the {phase.lower()} phase; leaving it out "
            f"is {risk} for this question. Record what shows it in the workload description "
            f"and check it with `mlwa validate` (practice {p.id2025}, {p.id2023} in the 2023 "
            f"edition). The linked page gives the lens's own guidance.")
    return _truncate(text, LIMITS.display_text)


def risk_rules(practices: list[Practice]) -> list[dict[str, str]]:
    """Rules for one question: NO_RISK when every practice is chosen; MEDIUM_RISK when every
    High-risk practice is chosen; HIGH_RISK otherwise (MEDIUM_RISK if none is High-risk).
    First match wins, ``default`` last."""
    all_ids = [choice_id(p.id2025) for p in practices]
    high = [choice_id(p.id2025) for p in practices if p.risk == "high"]
    rules = [{"condition": " && ".join(all_ids), "risk": "NO_RISK"}]
    if high and len(high) < len(all_ids):
        rules.append({"condition": " && ".join(high), "risk": "MEDIUM_RISK"})
    rules.append({"condition": "default", "risk": "HIGH_RISK" if high else "MEDIUM_RISK"})
    return rules


def _question_json(q: Question, practices: list[Practice], lens: Lens) -> dict[str, Any]:
    choices: list[dict[str, Any]] = []
    for p in practices:
        choices.append({
            "id": choice_id(p.id2025),
            "title": _truncate(p.title2025, LIMITS.choice_title),
            "helpfulResource": {"displayText": _truncate(p.description, LIMITS.display_text),
                                "url": p.source2025},
            "improvementPlan": {"displayText": _plan_text(p, lens), "url": p.source2025},
        })
    choices.append({
        "id": f"{q.id}_no",
        "title": NONE_TITLE,
        "helpfulResource": {"displayText": "Select this when the workload follows none of the "
                                           "practices above."},
        "improvementPlan": {"displayText": "Start with the High-risk practices of this "
                                           "question; each choice above links to its page."},
    })
    return {
        "id": q.id,
        "title": _truncate(q.title, LIMITS.question_title),
        "description": _truncate(q.summary, LIMITS.question_description),
        "choices": choices,
        "riskRules": risk_rules(practices),
    }


def export_lens_document(lens: Lens | None = None) -> dict[str, Any]:
    """The ML Lens (2025 edition) as a custom-lens document, checked against every limit."""
    from engine.lens.ontology import load_lens

    lens = lens or load_lens()
    by_question: dict[str, list[Practice]] = {}
    for p in lens.practices:
        by_question.setdefault(p.question, []).append(p)
    pillars = []
    for pl in lens.pillars:
        questions = [q for q in lens.questions if q.pillar == pl.slug]
        pillars.append({
            "id": pl.tool_id,
            "name": pl.label,
            "questions": [_question_json(q, sorted(by_question.get(q.id, []),
                                                   key=lambda p: p.id2025), lens)
                          for q in questions],
        })
    doc = {"schemaVersion": SCHEMA_VERSION, "name": ML_LENS_NAME,
           "description": ML_LENS_DESCRIPTION, "pillars": pillars}
    check_document(doc)
    return doc


def check_document(doc: dict[str, Any]) -> ImportedLens:
    """Check a document we are about to write; raise :class:`InputError` on any limit.

    Warnings count as errors here: our own export has no excuse for them.
    """
    imported = parse_lens_dict(doc, source="<ML Lens export>", slug=ML_LENS_SLUG)
    for q in imported.questions:
        if not q.choices or not q.choices[-1].none_of_these:
            raise InputError(f"question {q.id} has no 'None of these' choice",
                             Location("<ML Lens export>"))
        if q.risk_rules[-1].condition != "default":
            raise InputError(f"question {q.id}: the last risk rule must be 'default'",
                             Location("<ML Lens export>"))
    if imported.warnings:
        raise InputError(f"the ML Lens export breaks the format: {imported.warnings[0]}",
                         Location("<ML Lens export>"))
    text = json.dumps(doc, indent=2, ensure_ascii=False)
    if len(text.encode("utf-8")) > LIMITS.file_bytes:
        raise InputError(f"the ML Lens export is {len(text.encode('utf-8'))} bytes; the limit "
                         f"is {LIMITS.file_bytes}", Location("<ML Lens export>"))
    return imported


def export_lens_json(lens: Lens | None = None) -> str:
    """The ML Lens (2025 edition) as Well-Architected Tool custom-lens JSON text."""
    return json.dumps(export_lens_document(lens), indent=2, ensure_ascii=False) + "\n"


__all__ = [
    "LIMITS", "ML_LENS_NAME", "RISKS", "SCHEMA_VERSION", "UNANSWERED", "Choice", "Content",
    "ImportedLens", "LensPillar", "LensQuestion", "RiskRule", "check_document", "choice_id",
    "evaluate_risk", "export_custom_lens", "export_lens_document", "export_lens_json",
    "graph_to_lens", "import_lens_json", "lens_to_graph", "normalise", "parse_lens_dict",
    "review", "risk_rules", "slugify",
]
