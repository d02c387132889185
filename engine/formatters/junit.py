"""JUnit XML for CI dashboards: one ``testsuite`` per workload, one ``testcase`` per
policy on that workload. A policy with open findings fails (``type`` = its worst
severity); one whose findings are all waived is skipped; the rest pass."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

from engine.formatters._common import (
    one_line,
    resolve_edition,
    rules,
    sorted_findings,
    workload_policies,
)
from engine.validate.report import Finding, Report

_XML_UNSAFE = {c: " " for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)}


def _xml_text(text: str) -> str:
    """XML 1.0 cannot carry most control characters, even escaped."""
    return text.translate(_XML_UNSAFE)


def _finding_text(f: Finding, policy: Any = None) -> str:
    from engine.validate.plan import fix_for

    where = f"{f.file}:{f.line}" if f.file and f.line else (f.file or f"<{f.workload}>")
    text = (f"{where}: {f.severity.value} {one_line(f.message)} "
            f"[fix: {one_line(fix_for(f, policy).key_path)}]")
    if f.waived:
        text += f" waived ({f.waived_by}: {one_line(f.waiver_reason)})"
    return _xml_text(text)


def to_xml(report: Report, *, edition: str | None = None,
           policies: Mapping[str, Any] | None = None) -> ET.Element:
    ed = resolve_edition(report, edition)
    titles = {r.code: r.title for r in rules(report, policies, ed)}
    pol = policies or {}
    root = ET.Element("testsuites", name="mlwa")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for w in report.workloads:
        suite = ET.SubElement(root, "testsuite", name=_xml_text(w.workload))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        props = ET.SubElement(suite, "properties")
        for name, value in (("workload.name", w.name), ("workload.file", w.file or ""),
                            ("edition", ed), ("engine", report.engine),
                            ("asOf", report.as_of)):
            ET.SubElement(props, "property", name=name, value=_xml_text(one_line(value)))
        by_policy: dict[str, list[Finding]] = {}
        for f in sorted_findings(w.findings):
            by_policy.setdefault(f.policy, []).append(f)
        for code in workload_policies(w):
            counts["tests"] += 1
            case = ET.SubElement(suite, "testcase", classname=_xml_text(w.workload),
                                 name=_xml_text(one_line(f"{code} {titles.get(code, '')}")),
                                 time="0")
            found = by_policy.get(code, [])
            open_ = [f for f in found if not f.waived]
            if open_:
                counts["failures"] += 1
                worst = max(open_, key=lambda f: f.severity.rank)
                fail = ET.SubElement(case, "failure", message=_xml_text(one_line(open_[0].message)),
                                     type=worst.severity.value)
                fail.text = "\n".join(_finding_text(f, pol.get(code)) for f in found)
            elif found:
                counts["skipped"] += 1
                waivers = sorted({f"{f.waived_by}: {one_line(f.waiver_reason)}" for f in found})
                skip = ET.SubElement(case, "skipped", message=_xml_text("waived (" + "; ".join(waivers) + ")"))
                skip.text = "\n".join(_finding_text(f, pol.get(code)) for f in found)
        for key, n in counts.items():
            suite.set(key, str(n))
            totals[key] += n
        suite.set("time", "0")
        if w.notes:
            out = ET.SubElement(suite, "system-out")
            out.text = _xml_text("\n".join(w.notes))
    for key, n in totals.items():
        root.set(key, str(n))
    return root


def render(report: Report, *, edition: str | None = None, color: bool = False,
           policies: Mapping[str, Any] | None = None, full: bool = False) -> str:
    root = to_xml(report, edition=edition, policies=policies)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
