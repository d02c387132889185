"""Small shared enums and value types of the policy engine."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any, TypeVar

_T = TypeVar("_T")

#: A policy code: our own prefix, an area and a number (``WA-SEC-001``, ``ACME-DATA-0042``).
CODE_RE = re.compile(r"^[A-Z][A-Z0-9]*-[A-Z0-9]+-\d{3,4}$")


def frozen_from_fields(cls: type[_T], values: dict[str, Any]) -> _T:
    """``cls(**values)`` for a frozen dataclass without ``__slots__`` and a dict naming every
    field, without the one ``object.__setattr__`` per field its ``__init__`` pays (2.8 → 0.3
    µs for a finding; a portfolio of 10,000 small workloads makes about a million findings
    and as many raw results). The dict becomes the instance's own."""
    obj = object.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    return obj


class Severity(StrEnum):
    """How serious a finding is. Ordered: high > medium > low."""

    HIGH = "high"  # sh:Violation; the practice's risk is High
    MEDIUM = "medium"  # sh:Warning; Medium (or unstated) risk
    LOW = "low"  # sh:Info

    @property
    def rank(self) -> int:
        return {"high": 3, "medium": 2, "low": 1}[self.value]

    @classmethod
    def from_shacl(cls, iri: str) -> Severity:
        return {"Violation": cls.HIGH, "Warning": cls.MEDIUM, "Info": cls.LOW}.get(
            str(iri).rsplit("#", 1)[-1], cls.HIGH)

    @property
    def shacl(self) -> str:
        name = {"high": "Violation", "medium": "Warning", "low": "Info"}[self.value]
        return f"http://www.w3.org/ns/shacl#{name}"

    @classmethod
    def for_risk(cls, risk: str) -> Severity:
        return cls.HIGH if risk == "high" else cls.MEDIUM


class PolicyStatus(StrEnum):
    STABLE = "stable"
    PREVIEW = "preview"
    DEPRECATED = "deprecated"


class CheckKind(StrEnum):
    AUTOMATED = "automated"
    ATTESTATION = "attestation"


class PracticeStatus(StrEnum):
    """The outcome for one practice on one workload: how it is known (the evidence level).

    Iterate the enum for every level in report order (formatters' summaries do)."""

    VERIFIED = "verified"  # cross-linked structure in the description shows it
    DECLARED = "declared"  # only a self-declared flag or free text says so
    ATTESTED = "attested"  # a person attested it, recently, with evidence
    VIOLATED = "violated"
    WAIVED = "waived"  # every finding is covered by a valid waiver
    NOT_APPLICABLE = "not_applicable"  # a profile or the workload file says so, with a reason
    NOT_ASSESSED = "not_assessed"  # nothing to look at (the reason says why)

    @property
    def holds(self) -> bool:
        """The practice is in place by some evidence (verified, declared or attested)."""
        return self in (PracticeStatus.VERIFIED, PracticeStatus.DECLARED,
                        PracticeStatus.ATTESTED)


class Evidence(StrEnum):
    """What an automated policy's pass rests on (its ``mlwa:evidence``)."""

    STRUCTURE = "structure"  # cross-references between components of the description
    DECLARATION = "declaration"  # a self-declared flag or free text only


#: Lifecycle stages in order; a policy ``assessed_from`` a stage is not assessed before it.
STAGES = ("idea", "experimentation", "development", "pilot", "production", "retired")


class QuestionRisk(StrEnum):
    """The Well-Architected Tool's risk of a question."""

    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    NONE = "NONE"
    UNANSWERED = "UNANSWERED"
    NOT_APPLICABLE = "NOT_APPLICABLE"
