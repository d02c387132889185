"""OSCAL: the lens and its policies as a catalog, a tailoring as a profile, a validation run
as assessment results.

* Catalog: one group per pillar, one control per best practice (id ``mlops01-bp01``), with a
  statement and guidance in mlwa's words, one ``assessment-method`` part per policy that
  checks the practice, and properties for risk, phase and the ids of both editions.
* Profile: imports the catalog and includes all controls or a given list.
* Assessment results: one result per workload; an observation per finding (with the
  workload file location), a finding per assessed practice whose target status is
  ``satisfied`` or ``not-satisfied``.

Identifiers are UUID version 5 derived from content, and every date comes from the input
(the report's ``as_of``; the lens edition date for the catalog), so the same input always
gives the same bytes. :func:`validate_oscal` checks a document against compliance-trestle's
models (imported lazily; nothing is fetched from the network).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import urllib.parse
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import InputError

if TYPE_CHECKING:
    from engine.lens.ontology import Lens, Practice
    from engine.policies.catalog import Policy
    from engine.validate.report import Finding, Report, WorkloadReport

# The OSCAL version the documents claim: the one compliance-trestle (5.x, the validator
# behind `--no-check`'s default check and `trestle validate`) models. A test keeps the two equal.
OSCAL_VERSION = "1.2.1"
NS = "https://w3id.org/mlwa/ontology"
UUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/mlwa/oscal")
# The 2025 edition of the ML Lens was published in November 2025; the catalog's
# last-modified date is tied to it (not to the clock) so exports are reproducible.
LENS_EDITION_DATE = "2025-11-01T00:00:00+00:00"
DEFAULT_CATALOG_HREF = "mlwa-ml-lens-catalog.json"
KINDS = ("catalog", "profile", "assessment-results")


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, "\x1f".join(parts)))


def _digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def control_id(practice_id_2025: str) -> str:
    """``MLOPS01-BP01`` -> ``mlops01-bp01`` (OSCAL ids are tokens; lower case by custom)."""
    return practice_id_2025.lower()


def _prop(name: str, value: str, *, ns: bool = True) -> dict[str, str]:
    out = {"name": name, "value": value}
    if ns:
        out["ns"] = NS
    return out


def _metadata(title: str, last_modified: str, remarks: str | None = None) -> dict[str, Any]:
    from engine import __version__

    meta: dict[str, Any] = {"title": title, "last-modified": last_modified,
                            "version": __version__, "oscal-version": OSCAL_VERSION}
    if remarks:
        meta["remarks"] = remarks
    return meta


def _policies_by_practice(policies: Iterable[Policy]) -> dict[str, list[Policy]]:
    out: dict[str, list[Policy]] = {}
    for pol in sorted(policies, key=lambda p: p.code):
        for pid in pol.practices:
            out.setdefault(pid, []).append(pol)
    return out


def _builtin_policies() -> list[Policy]:
    from engine.policies.catalog import builtin_catalog

    return list(builtin_catalog().policies.values())


# ------------------------------------------------------------------------------ catalog

def _control(p: Practice, lens: Lens, policies: list[Policy]) -> dict[str, Any]:
    cid = control_id(p.id2025)
    q = lens.question_by_id.get(p.question)
    phase = lens.phase_by_slug[p.phase2025].label if p.phase2025 in lens.phase_by_slug else p.phase2025
    pillar = lens.pillar_by_slug[p.pillar].label if p.pillar in lens.pillar_by_slug else p.pillar
    props = [_prop("label", p.id2025, ns=False), _prop("id-2025", p.id2025),
             _prop("id-2023", p.id2023), _prop("risk", p.risk), _prop("pillar", p.pillar),
             _prop("phase", p.phase2025), _prop("phase-2023", p.phase2023),
             _prop("question", p.question)]
    if p.title2023 != p.title2025:
        props.append(_prop("title-2023", p.title2023))
    risk_text = {"high": "a high risk", "medium": "a medium risk"}.get(p.risk, "a risk of unstated level")
    checks = ", ".join(pol.code for pol in policies) or "no mlwa policy yet"
    guidance = (f"{pillar} pillar, {phase.lower()} phase"
                + (f", question {q.id} ({q.title})" if q else "")
                + f". Leaving this practice out is {risk_text}. Checked by: {checks}.")
    parts: list[dict[str, Any]] = [
        {"id": f"{cid}_smt", "name": "statement", "prose": p.description},
        {"id": f"{cid}_gdn", "name": "guidance", "prose": guidance},
    ]
    for pol in policies:
        parts.append({
            "id": f"{cid}_chk-{pol.code.lower()}", "name": "assessment-method",
            "title": f"{pol.code}: {pol.title}",
            "props": [_prop("policy", pol.code), _prop("severity", pol.severity.value),
                      _prop("check-kind", pol.kind.value), _prop("pack", pol.pack)],
            "prose": f"{pol.rationale}\n\nRemediation: {pol.remediation}",
        })
    return {
        "id": cid, "class": "best-practice", "title": p.title2025, "props": props,
        "links": [{"href": p.source2025, "rel": "reference", "text": "ML Lens, 2025 edition"},
                  {"href": p.source2023, "rel": "reference", "text": "ML Lens, 2023 edition"}],
        "parts": parts,
    }


def export_catalog(policies: Iterable[Policy] | None = None, lens: Lens | None = None
                   ) -> dict[str, Any]:
    """The ML Lens (2025 edition) and the policies that check it as an OSCAL catalog."""
    from engine.lens.ontology import load_lens

    lens = lens or load_lens()
    by_practice = _policies_by_practice(_builtin_policies() if policies is None else policies)
    groups = []
    for pl in lens.pillars:
        controls = [_control(p, lens, by_practice.get(p.id2025, []))
                    for p in lens.practices if p.pillar == pl.slug]
        group: dict[str, Any] = {"id": pl.slug, "class": "pillar", "title": pl.label,
                                 "props": [_prop("tool-pillar-id", pl.tool_id)],
                                 "controls": controls}
        if pl.description:
            group["parts"] = [{"id": f"{pl.slug}_ovw", "name": "overview",
                               "prose": pl.description}]
        groups.append(group)
    body: dict[str, Any] = {
        "metadata": _metadata(
            "AWS Well-Architected Machine Learning Lens (2025 edition): mlwa catalog",
            LENS_EDITION_DATE,
            "Controls are the lens's best practices; statements and guidance are mlwa's own "
            "summaries, and each assessment-method part is an mlwa policy that checks the "
            "practice. Links lead to the lens's public pages."),
        "groups": groups,
    }
    body = {"uuid": _uuid("catalog", _digest(body)), **body}
    return {"catalog": body}


# ------------------------------------------------------------------------------ profile

def export_profile(control_ids: Sequence[str] | None = None, title: str | None = None, *,
                   catalog_href: str = DEFAULT_CATALOG_HREF, lens: Lens | None = None
                   ) -> dict[str, Any]:
    """A profile importing the catalog: every control, or the given practice ids (either
    edition, or control ids such as ``mlops01-bp01``)."""
    from engine.lens.ontology import load_lens

    lens = lens or load_lens()
    imp: dict[str, Any] = {"href": catalog_href}
    if control_ids:
        ids = []
        for raw in control_ids:
            ids.append(control_id(lens.practice(raw).id2025))
        imp["include-controls"] = [{"with-ids": sorted(dict.fromkeys(ids))}]
    else:
        imp["include-all"] = {}
    body: dict[str, Any] = {
        "metadata": _metadata(title or ("mlwa tailoring: all ML Lens practices" if not control_ids
                                        else f"mlwa tailoring: {len(imp['include-controls'][0]['with-ids'])} "
                                             "ML Lens practices"), LENS_EDITION_DATE),
        "imports": [imp],
        "merge": {"as-is": True},
    }
    body = {"uuid": _uuid("profile", _digest(body)), **body}
    return {"profile": body}


# ------------------------------------------------------------------------------ results

def _timestamp(as_of: str) -> str:
    """The report's ``as_of`` (a date or a date-time) as an OSCAL date-time with a zone."""
    try:
        if "T" in as_of:
            moment = dt.datetime.fromisoformat(as_of)
        else:
            moment = dt.datetime.combine(dt.date.fromisoformat(as_of), dt.time())
    except ValueError:
        raise InputError(f"report date {as_of!r} is not an ISO date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.isoformat()


_SATISFIED = {"verified": "satisfied", "declared": "satisfied", "attested": "satisfied",
              "waived": "satisfied",
              "not_applicable": "satisfied", "violated": "not-satisfied"}


def relative_href(file: str, base_dir: str | Path | None = None) -> str:
    """A workload file as a relative URI reference: relative to ``base_dir`` (the folder the
    OSCAL document is written to; default the working folder), else to the working folder,
    else its bare name. Never an absolute path, so no home directory leaks into a document
    that is shared."""
    p = Path(file)
    cwd = Path.cwd()
    if not p.is_absolute():
        p = cwd / p
    for base in (Path(base_dir).resolve() if base_dir is not None else cwd, cwd):
        try:
            rel = os.path.relpath(p.resolve(), base.resolve())
        except ValueError:  # another drive
            continue
        if not rel.startswith(".."):
            return urllib.parse.quote(Path(rel).as_posix())
    return urllib.parse.quote(p.name)


def _observation(f: Finding, wl: WorkloadReport, when: str, run: str,
                 base_dir: str | Path | None) -> dict[str, Any]:
    href = relative_href(f.file, base_dir) if f.file else None
    shown = urllib.parse.unquote(href) if href else None
    where = (f"{shown}:{f.line}" if f.line else shown) if shown else f.location
    props = [_prop("policy", f.policy), _prop("severity", f.severity.value),
             _prop("check-kind", f.kind.value), _prop("focus", f.focus_label or "workload")]
    if f.path:
        props.append(_prop("path", f.path))
    if f.waived_by:
        props.append(_prop("waiver", f.waived_by))
    evidence: dict[str, Any] = {"description": f"{where}: {f.message}"}
    if href:
        evidence["href"] = href
    if f.line:
        evidence["props"] = [_prop("line", str(f.line))]
    obs = {
        "uuid": _uuid(run, "observation", *map(str, f.key())),
        "title": f"{f.policy}: {f.title}",
        "description": f.message,
        "props": props,
        "methods": ["TEST" if f.kind.value == "automated" else "EXAMINE"],
        "types": ["finding"],
        "relevant-evidence": [evidence],
        "collected": when,
    }
    if f.remediation:
        obs["remarks"] = f"Remediation: {f.remediation}"
    return obs


def _result(wl: WorkloadReport, report: Report, when: str,
            base_dir: str | Path | None = None) -> dict[str, Any]:
    from engine.lens.ontology import load_lens

    lens = load_lens()
    run = _uuid("run", wl.workload, wl.content_hash, report.as_of, report.engine)
    observations = [_observation(f, wl, when, run, base_dir) for f in wl.findings]
    obs_by_practice: dict[str, list[str]] = {}
    for f, o in zip(wl.findings, observations, strict=True):
        for pid in f.practices:
            obs_by_practice.setdefault(pid, []).append(o["uuid"])
    findings = []
    for pid, res in sorted(wl.practices.items()):
        state = _SATISFIED.get(res.status.value)
        if state is None:  # not assessed: no claim either way
            continue
        p = lens.practice(pid)
        cid = control_id(p.id2025)
        finding: dict[str, Any] = {
            "uuid": _uuid(run, "finding", pid),
            "title": f"{p.id2025}: {p.title2025}",
            "description": (f"{wl.name}: practice {p.id2025} is {res.status.value.replace('_', ' ')}"
                            + (f" ({res.reason})" if res.reason else "") + "."),
            "props": [_prop("practice-status", res.status.value), _prop("risk", p.risk)]
            + [_prop("policy", code) for code in res.policies],
            "target": {"type": "statement-id", "target-id": f"{cid}_smt",
                       "status": {"state": state}},
        }
        related = obs_by_practice.get(pid)
        if related:
            finding["related-observations"] = [{"observation-uuid": u} for u in related]
        findings.append(finding)
    result: dict[str, Any] = {
        "uuid": run,
        "title": f"mlwa validation of {wl.name}",
        "description": (f"Workload {wl.workload} "
                        f"({urllib.parse.unquote(relative_href(wl.file, base_dir)) if wl.file else 'no file'})"
                        " checked against "
                        f"{report.policies} policies with the {report.engine} engine, "
                        f"{wl.edition} edition of the ML Lens."),
        "start": when,
        "props": [_prop("workload", wl.workload), _prop("content-hash", wl.content_hash)],
        "reviewed-controls": {"control-selections": [{"include-all": {}}]},
    }
    if observations:
        result["observations"] = observations
    if findings:
        result["findings"] = findings
    return result


def _plan_resource(report: Report, catalog_href: str) -> dict[str, Any]:
    """The assessment plan the results follow, as a back-matter resource: what was checked
    (the packs and policies), how (the engine, the lens edition, the date) and against
    which controls (the catalog). ``import-ap`` points at it, so a tool following the
    reference finds it in the same document."""
    packs = ", ".join(f"{k} {v}" for k, v in sorted(report.packs.items())) or "none"
    return {
        "uuid": _uuid("assessment-plan", report.as_of, report.engine, report.edition,
                      _digest(sorted(report.packs.items())), str(report.policies)),
        "title": "mlwa assessment plan",
        "description": (f"Each workload description is validated against {report.policies} "
                        f"mlwa policies (packs: {packs}) with the {report.engine} SHACL "
                        f"engine, as of {report.as_of}; findings are mapped to the practices "
                        f"of the {report.edition} edition of the Machine Learning Lens, the "
                        "controls of the mlwa catalog. Automated policies are tests of the "
                        "description; attestation policies examine attested evidence."),
        "props": [_prop("engine", report.engine), _prop("lens-edition", report.edition),
                  _prop("as-of", report.as_of), _prop("policies", str(report.policies))]
        + [_prop("pack", f"{k}@{v}") for k, v in sorted(report.packs.items())],
        "rlinks": [{"href": catalog_href}],
    }


def export_results(report: Report, *, plan_href: str | None = None,
                   base_dir: str | Path | None = None,
                   catalog_href: str = DEFAULT_CATALOG_HREF) -> dict[str, Any]:
    """A validation :class:`~engine.validate.report.Report` as OSCAL assessment results.

    ``import-ap`` is ``plan_href`` when given, else a reference to a minimal assessment
    plan carried in the document's back matter. Evidence links are relative to
    ``base_dir`` (where the document is written; default the working folder)."""
    when = _timestamp(report.as_of)
    results = [_result(wl, report, when, base_dir) for wl in report.workloads]
    if not results:
        raise InputError("the report has no workload to export")
    plan = _plan_resource(report, catalog_href)
    body: dict[str, Any] = {
        "metadata": _metadata(f"mlwa assessment results ({report.as_of})", when),
        "import-ap": {"href": plan_href or f"#{plan['uuid']}"},
        "results": results,
        "back-matter": {"resources": [plan]},
    }
    body = {"uuid": _uuid("assessment-results", _digest(body)), **body}
    return {"assessment-results": body}


# ------------------------------------------------------------------------------ validation

def validate_oscal(document: dict[str, Any]) -> Any:
    """Parse ``{"catalog"|"profile"|"assessment-results": ...}`` with compliance-trestle's
    models; return the model or raise :class:`InputError` with the first problems."""
    if len(document) != 1 or next(iter(document)) not in KINDS:
        raise InputError(f"an OSCAL document has one top-level key of {', '.join(KINDS)}")
    kind, body = next(iter(document.items()))
    try:
        if kind == "catalog":
            from trestle.oscal.catalog import Catalog as Model
        elif kind == "profile":
            from trestle.oscal.profile import Profile as Model  # type: ignore[assignment]
        else:
            from trestle.oscal.assessment_results import (  # type: ignore[assignment]
                AssessmentResults as Model,
            )
    except ImportError:
        raise InputError("OSCAL validation needs compliance-trestle: pip install "
                         "'mlwa[oscal]'") from None
    from pydantic import ValidationError

    try:
        return Model.model_validate(body)
    except ValidationError as exc:
        lines = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5]]
        raise InputError(f"not a valid OSCAL {kind}: " + "; ".join(lines)) from None


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
