"""SARIF 2.1.0 for code-scanning tools (GitHub, Azure DevOps, IDE viewers).

One run; one rule per policy the report knows (rule id = policy code); one result per
finding, located in the workload file relative to ``%SRCROOT%``. Waived findings stay in
the log with an external suppression, as SARIF intends, so a viewer can show them as
dismissed. ``partialFingerprints`` hash :meth:`Finding.key`, so a finding keeps its
identity when lines move.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from engine.formatters._common import (
    Rule,
    fingerprint,
    practice_label,
    report_findings,
    resolve_edition,
    rules,
)
from engine.model import PracticeStatus, Severity
from engine.validate.report import Finding, Report, WorkloadReport

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://w3id.org/mlwa"
FINGERPRINT_KEY = "mlwaFindingKey/v2"  # v2: the key names the constraint (component, message)
LEVEL = {Severity.HIGH: "error", Severity.MEDIUM: "warning", Severity.LOW: "note"}
SECURITY_SEVERITY = {Severity.HIGH: "8.0", Severity.MEDIUM: "5.0", Severity.LOW: "2.0"}


def rule_name(title: str, code: str) -> str:
    """A PascalCase identifier from the title, as SARIF viewers expect of ``name``."""
    words = re.findall(r"[A-Za-z0-9]+", title)
    return "".join(w[:1].upper() + w[1:] for w in words) or code.replace("-", "")


def artifact_uri(file: str) -> tuple[str, str | None]:
    """(uri, uriBaseId): relative paths as given, under %SRCROOT%; absolute ones as file
    URIs with no base."""
    if PureWindowsPath(file).drive or file.startswith("/"):
        path = PureWindowsPath(file).as_posix() if PureWindowsPath(file).drive else file
        return "file://" + ("" if path.startswith("/") else "/") + quote(path, safe="/:"), None
    posix = file.replace("\\", "/")
    return quote(str(PurePosixPath(posix)), safe="/"), "%SRCROOT%"


def _rule(rule: Rule, edition: str) -> dict[str, Any]:
    labels = [practice_label(p, edition) for p in rule.practices]
    help_text = "\n\n".join(t for t in (rule.rationale, f"Remediation: {rule.remediation}"
                                        if rule.remediation else "") if t)
    links = ", ".join(f"[{p.id}]({p.url})" if p.url else p.id for p in labels)
    help_md = "\n\n".join(t for t in (
        rule.rationale, f"**Remediation:** {rule.remediation}" if rule.remediation else "",
        f"**Well-Architected ML Lens:** {links}" if links else "") if t)
    out: dict[str, Any] = {
        "id": rule.code,
        "name": rule_name(rule.title, rule.code),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale or rule.title},
        "help": {"text": help_text or rule.title, "markdown": help_md or rule.title},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {
            "practices": [p.id for p in labels],
            "pillar": rule.pillar,
            "phase": rule.phase,
            "kind": rule.kind,
            "tags": sorted({"well-architected", "machine-learning", rule.pillar, rule.phase,
                            *(["security"] if rule.pillar == "security" else [])} - {""}),
            "security-severity": SECURITY_SEVERITY[rule.severity],
        },
    }
    first_url = next((p.url for p in labels if p.url), "")
    if first_url:
        out["helpUri"] = first_url
    return out


def _result(f: Finding, index: int, workload_file: str | None, edition: str,
            policy: Any = None) -> dict[str, Any]:
    from engine.validate.plan import fix_for

    fix = fix_for(f, policy)
    out: dict[str, Any] = {
        "ruleId": f.policy,
        "ruleIndex": index,
        "level": LEVEL[f.severity],
        "message": {"text": f.message or f.title},
    }
    file = f.file or workload_file
    if file:
        uri, base = artifact_uri(file)
        artifact: dict[str, Any] = {"uri": uri}
        if base:
            artifact["uriBaseId"] = base
        region: dict[str, Any] = {"startLine": max(f.line or 1, 1)}
        if f.column and f.line:
            region["startColumn"] = max(f.column, 1)
        out["locations"] = [{
            "physicalLocation": {"artifactLocation": artifact, "region": region},
            "logicalLocations": [{"name": f.focus_label,
                                  "fullyQualifiedName": f"{f.workload}/{f.focus_label}",
                                  "kind": "object"}],
        }]
    out["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint(f)}
    if f.waived:
        out["suppressions"] = [{"kind": "external", "status": "accepted",
                                "justification": f.waiver_reason or "",
                                "properties": {"waiver": f.waived_by}}]
    out["properties"] = {
        "workload": f.workload, "severity": f.severity.value, "kind": f.kind.value,
        "practices": [practice_label(p, edition).id for p in f.practices],
        "focus": f.focus, "path": f.path, "value": f.value,
        # where and what to change; not a SARIF `fixes` entry, which must be a literal
        # text replacement, while the YAML goes into a block the file may not have yet
        "fix": {"keyPath": fix.key_path, "snippet": fix.snippet, "resource": fix.resource},
    }
    return out


def _practices_by_status(w: WorkloadReport) -> dict[str, list[str]]:
    """Practice ids per evidence level (every level present, ids in lens order)."""
    out: dict[str, list[str]] = {s.value: [] for s in PracticeStatus}
    for pid, r in w.practices.items():
        out[r.status.value].append(pid)
    return out


def to_sarif(report: Report, *, edition: str | None = None,
             policies: Mapping[str, Any] | None = None) -> dict[str, Any]:
    from engine import __version__

    ed = resolve_edition(report, edition)
    rule_list = rules(report, policies, ed)
    index = {r.code: i for i, r in enumerate(rule_list)}
    files = {w.workload: w.file for w in report.workloads}
    pol = policies or {}
    results = [_result(f, index[f.policy], files.get(f.workload), ed, pol.get(f.policy))
               for f in report_findings(report)]
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "mlwa", "version": __version__, "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": [_rule(r, ed) for r in rule_list],
        }},
        "originalUriBaseIds": {"%SRCROOT%": {
            "description": {"text": "The directory the workload paths are relative to."}}},
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {"edition": ed, "engine": report.engine, "asOf": report.as_of,
                       "packs": report.packs, "policies": report.policies,
                       "errors": list(report.errors), "notes": list(report.notes),
                       # evidence level of every practice per workload (docs/report.md)
                       "practices": {w.workload: _practices_by_status(w)
                                     for w in report.workloads}},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, *, edition: str | None = None, color: bool = False,
           policies: Mapping[str, Any] | None = None, full: bool = False) -> str:
    return json.dumps(to_sarif(report, edition=edition, policies=policies), indent=2,
                      ensure_ascii=False) + "\n"
