"""Validation history: recorded runs, milestones, baselines and diffs (issue 8).

A run is one validation recorded with ``mlwa validate --record`` (or ``--milestone NAME``)
or ``mlwa portfolio --record``. It is kept twice:

* as a JSON document ``<root>/runs/<run-id>.json`` (``$MLWA_HISTORY``, else
  ``$XDG_DATA_HOME/mlwa/history``, else ``~/.local/share/mlwa/history``), written atomically
  (temporary file, fsync, rename, fsync of the folder): the source of truth;
* as RDF in the estate store (:mod:`engine.estate.store`), so ``mlwa query`` can ask across runs.
  When the estate cannot be opened (another process holds it) the JSON document is still
  written and the run says so in its notes.

The run id is a short hash of the run's time, engine, workload content hashes and finding
keys. A baseline is a run id, a unique id prefix, a milestone name, ``latest``, or a path to
a JSON report (``mlwa validate --format json``) or run document.

Why this file is long: recorded runs, milestones, baselines and diffs share one run-document
format.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

from engine.errors import InputError, Location
from engine.validate.report import Finding, Report

RUN_SCHEMA = "mlwa/run"
RUN_SCHEMA_VERSION = "1"
_RUN_ID_RE = re.compile(r"^[0-9a-f]{4,64}$")

FindingKey = tuple[str, str, str, str | None, str | None, str | None, str]


class _IdAndFile(Protocol):
    @property
    def workload(self) -> str: ...

    @property
    def file(self) -> str | None: ...


PORTFOLIO_REMEDY = "give one of them another id, or use --format text or json without --record"


def shared_ids(summaries: Iterable[_IdAndFile], remedy: str = PORTFOLIO_REMEDY) -> str | None:
    """One line naming the files when two different files give the same workload id, or None.

    ``summaries``: anything with ``workload`` and ``file`` (summaries, workload reports). The
    estate and the summary keep such workloads apart (a workload there is its id and its
    file); a full report and the history key workloads by id, so they refuse instead."""
    files: dict[str, list[str]] = {}
    for s in summaries:
        shown = s.file or "<input>"
        seen = files.setdefault(s.workload, [])
        if shown not in seen:
            seen.append(shown)
    shared = [(wid, fs) for wid, fs in files.items() if len(fs) > 1]
    if not shared:
        return None
    wid, fs = shared[0]
    also = f" and {len(fs) - 2} more" if len(fs) > 2 else ""
    others = len(shared) - 1
    return (f"workload id {wid!r} is given by two files, {fs[0]} and {fs[1]}{also}; a report and "
            f"the history name workloads by id: {remedy}"
            + (f" ({others} more id{'s are' if others > 1 else ' is'} shared)" if others else ""))


def default_root() -> Path:
    """``$MLWA_HISTORY``, else ``$XDG_DATA_HOME/mlwa/history``, else ``~/.local/share/mlwa/history``."""
    from engine.paths import user_data_dir

    return user_data_dir("history", "MLWA_HISTORY")


class HistoryError(InputError):
    """A run cannot be found or read (exit code 2)."""


# ------------------------------------------------------------------------------ files

def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    try:
        dfd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


# ------------------------------------------------------------------------------ run documents

def finding_key(f: Finding) -> FindingKey:
    return f.key()


def json_finding_key(d: dict[str, Any]) -> FindingKey:
    """The key of a finding in its JSON form (report JSON or run document)."""
    return (str(d.get("workload", "")), str(d.get("policy", "")),
            str(d.get("focusLabel", d.get("focus_label", ""))), d.get("path"), d.get("value"),
            d.get("component"), str(d.get("message", "")))


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def make_run_id(timestamp: str, engine: str, hashes: Iterable[str], keys: Iterable[FindingKey]) -> str:
    h = hashlib.sha256()
    h.update(f"{timestamp}\n{engine}\n".encode())
    for x in sorted(hashes):
        h.update(x.encode() + b"\n")
    for k in sorted(keys, key=lambda k: tuple(x or "" for x in k)):
        h.update(json.dumps(k).encode() + b"\n")
    return h.hexdigest()[:12]


def run_document(report: Report, *, run_id: str, timestamp: str,
                 milestone: str | None = None) -> dict[str, Any]:
    from engine import __version__

    workloads = []
    for w in report.workloads:
        workloads.append({"workload": w.workload, "name": w.name, "file": w.file,
                          "contentHash": w.content_hash, "counts": w.counts(),
                          "questions": {q: r.value for q, r in w.questions.items()}})
    return {
        "schema": RUN_SCHEMA, "version": RUN_SCHEMA_VERSION, "id": run_id,
        "timestamp": timestamp, "milestone": milestone, "tool": __version__,
        "engine": report.engine, "lensEdition": report.edition, "asOf": report.as_of,
        "packs": dict(report.packs), "policies": report.policies,
        "workloads": workloads,
        "findings": [f.to_json() for f in report.findings],
        "errors": list(report.errors), "notes": list(report.notes),
    }


def check_milestone(name: str, root: Path | None = None) -> None:
    """Refuse a malformed milestone name, or one that already names a run."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", name) or _RUN_ID_RE.fullmatch(name):
        raise InputError(f"milestone {name!r}: use letters, digits, '.', '_' or '-' (up to 64), "
                         "and not something that looks like a run id")
    clash = [r for r in iter_runs(root) if r.get("milestone") == name]
    if clash:
        raise InputError(f"milestone {name!r} already names run {clash[0]['id']}")


def record_run(report: Report, milestone: str | None = None, *, root: Path | None = None,
               estate: str | Path | None = None, use_estate: bool = True) -> str:
    """Record ``report`` as a run (JSON document, then the estate store); return its id."""
    clash = shared_ids(report.workloads, "give one of them another id")
    if clash is not None:
        raise InputError(clash)
    root = root or default_root()
    if report.errors or not report.workloads:
        # a run that failed on input is never a point of comparison, and never takes a
        # milestone name (`mlwa diff` would count every finding of the last run as fixed)
        raise HistoryError(f"not recorded: the validation had {len(report.errors)} input "
                           f"error{'s' if len(report.errors) != 1 else ''}; fix them and run again")
    if milestone is not None:
        check_milestone(milestone, root)
    timestamp = _now()
    findings = report.findings
    run_id = make_run_id(timestamp, report.engine, (w.content_hash for w in report.workloads),
                         (f.key() for f in findings))
    doc = run_document(report, run_id=run_id, timestamp=timestamp, milestone=milestone)
    if use_estate:
        try:
            record_in_estate(report, run_id=run_id, timestamp=timestamp, milestone=milestone,
                             store=estate)
        except InputError as exc:
            doc["notes"].append(f"not recorded in the estate store: {exc}")
    data = json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8")
    atomic_write(root / "runs" / f"{run_id}.json", data)
    return run_id


def record_in_estate(report: Report, *, run_id: str, timestamp: str, milestone: str | None,
                     store: str | Path | None = None, graphs: dict[str, str] | None = None) -> None:
    from engine.estate.store import RunHeader, open_estate, record_reports

    estate = open_estate(store)
    try:
        estate.ensure_lens()
        if graphs is None:
            graphs = _reload_graphs(report, estate)
        header = RunHeader(run_id, timestamp, report.engine, report.edition, report.as_of,
                           dict(report.packs), milestone)
        record_reports(estate, header, report.workloads, graphs)
    finally:
        estate.close()


def _reload_graphs(report: Report, estate: Any) -> dict[str, str]:
    """Workload graphs for the estate, read again from their files when the file is
    unchanged (same content hash) and the estate does not hold that version yet."""
    from engine.estate.store import graph_ntriples, source_key, workload_graph_iri
    from engine.workload import load_workload

    out: dict[str, str] = {}
    for w in report.workloads:
        key = source_key(w.file)
        iri = workload_graph_iri(w.workload, w.content_hash, key)
        if not w.file or estate.has_graph(iri):
            continue
        try:
            wl = load_workload(Path(w.file))
        except InputError:
            continue
        if wl.content_hash == w.content_hash:
            out[iri] = graph_ntriples(wl.graph, wl.id, key)
    return out


# ------------------------------------------------------------------------------ reading runs

MAX_RUN_BYTES = 256 * 1024 * 1024


def _read_json(path: Path) -> dict[str, Any]:
    from engine.safefile import read_text

    try:
        data = json.loads(read_text(path, MAX_RUN_BYTES, what="run or report",
                                    error=HistoryError))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise HistoryError(f"cannot read this run or report: {exc}", Location(str(path))) from None
    if not isinstance(data, dict):
        raise HistoryError("not a run document or JSON report", Location(str(path)))
    return data


def iter_runs(root: Path | None = None) -> Iterator[dict[str, Any]]:
    """Every readable run document, oldest first."""
    folder = (root or default_root()) / "runs"
    if not folder.is_dir():
        return
    docs = []
    for p in folder.glob("*.json"):
        try:
            doc = _read_json(p)
        except HistoryError:
            continue  # a damaged file never hides the others; `show` names it
        if doc.get("schema") == RUN_SCHEMA:
            docs.append(doc)
    docs.sort(key=lambda d: (str(d.get("timestamp", "")), str(d.get("id", ""))))
    yield from docs


def load_run(ref: str, root: Path | None = None, *, store: str | Path | None = None,
             use_estate: bool = True) -> dict[str, Any]:
    """A run by id, unique id prefix, milestone name or ``latest``; or a JSON file path.
    A full run id the history folder does not hold is looked up in the estate store
    (``store``; None is the default one): ``mlwa portfolio`` stores its runs there."""
    path = Path(ref)
    if path.suffix == ".json" or os.sep in ref:
        if not path.is_file():
            raise HistoryError("no such file", Location(ref))
        return normalise(_read_json(path), str(path))
    root = root or default_root()
    exact = root / "runs" / f"{ref}.json"
    if _RUN_ID_RE.fullmatch(ref) and exact.is_file():
        return _read_json(exact)
    runs = list(iter_runs(root))
    if ref == "latest":
        if not runs:
            raise HistoryError(f"no recorded runs in {root}")
        return runs[-1]
    by_milestone = [r for r in runs if r.get("milestone") == ref]
    if by_milestone:
        return by_milestone[-1]
    prefix = [r for r in runs if str(r.get("id", "")).startswith(ref)] if _RUN_ID_RE.fullmatch(ref) else []
    if len(prefix) == 1:
        return prefix[0]
    if len(prefix) > 1:
        raise HistoryError(f"run {ref!r} is ambiguous: " + ", ".join(r["id"] for r in prefix[:5]))
    if _RUN_ID_RE.fullmatch(ref) and len(ref) == 12 and use_estate:
        # one run identity: a portfolio run stored in the estate without --record
        doc = estate_run_document(ref, store)
        if doc is not None:
            return doc
    raise HistoryError(f"no run, milestone or file {ref!r} (history in {root})")


def estate_run_document(run_id: str, store: str | Path | None = None) -> dict[str, Any] | None:
    """The run ``run_id`` as the estate store holds it (``mlwa portfolio`` without
    ``--record``), in the form of a run document; None when the estate has no such run or
    cannot be opened. The estate keeps only the high-risk questions of each workload, so
    the document says ``questionsComplete: false`` and diffs compare those alone."""
    from engine.estate.store import EstateError, open_estate, run_graph_iri, run_iri

    try:
        estate = open_estate(store, read_only=True)
    except EstateError:
        return None
    m = "https://w3id.org/mlwa/ontology#"
    try:
        head = estate.query(f"SELECT ?t ?e ?ed ?asof ?ms WHERE {{ <{run_iri(run_id)}> "
                            f"<{m}startedAt> ?t ; <{m}engine> ?e ; <{m}lensEdition> ?ed ; "
                            f"<{m}asOf> ?asof . OPTIONAL {{ <{run_iri(run_id)}> <{m}milestone> ?ms }} }}"
                            ).plain_rows()
        if not head:
            return None
        graph = run_graph_iri(run_id)
        wls = estate.query(f"SELECT ?r ?id ?hash ?q WHERE {{ GRAPH <{graph}> {{ ?r a <{m}WorkloadResult> ;"
                           f" <{m}workloadId> ?id ; <{m}contentHash> ?hash . OPTIONAL {{ ?r "
                           f"<{m}highRiskQuestion> ?q }} }} }}").plain_rows()
        fs = estate.query(f"SELECT ?id ?code ?sev ?label ?path ?value ?comp ?msg ?waived WHERE {{ "
                          f"GRAPH <{graph}> {{ ?f a <{m}Finding> ; <{m}workload> ?w ; "
                          f"<{m}policyCode> ?code ; <{m}findingSeverity> ?sev ; <{m}message> ?msg ;"
                          f" <{m}waived> ?waived . ?r a <{m}WorkloadResult> ; <{m}workload> ?w ; "
                          f"<{m}workloadId> ?id . OPTIONAL {{ ?f <{m}focusLabel> ?label }} "
                          f"OPTIONAL {{ ?f <{m}path> ?path }} OPTIONAL {{ ?f <{m}value> ?value }} "
                          f"OPTIONAL {{ ?f <{m}constraintComponent> ?comp }} }} }}").plain_rows()
    finally:
        estate.close()
    started, engine, edition, as_of, milestone = head[0]
    workloads: dict[str, dict[str, Any]] = {}
    for _, wid, content_hash, q in wls:
        w = workloads.setdefault(str(wid), {"workload": wid, "name": wid, "file": None,
                                            "contentHash": content_hash, "questions": {}})
        if q:
            w["questions"][str(q).rsplit("/", 1)[-1]] = "HIGH"
    findings: list[dict[str, Any]] = [
        {"workload": wid, "policy": code, "severity": sev, "focusLabel": label or "",
         "path": path, "value": value, "component": comp, "message": msg,
         "waived": waived == "true", "location": {}}
        for wid, code, sev, label, path, value, comp, msg, waived in fs]
    for w in workloads.values():
        sev = Counter(f["severity"] for f in findings
                      if f["workload"] == w["workload"] and not f["waived"])
        w["counts"] = {"high": sev["high"], "medium": sev["medium"], "low": sev["low"]}
    return {"schema": RUN_SCHEMA, "version": RUN_SCHEMA_VERSION, "id": run_id,
            "timestamp": started, "milestone": milestone, "engine": engine,
            "lensEdition": edition, "asOf": as_of, "packs": {},
            "workloads": sorted(workloads.values(), key=lambda w: str(w["workload"])),
            "findings": findings, "errors": [], "questionsComplete": False,
            "notes": ["read from the estate store (a portfolio run without --record)"]}


def normalise(doc: dict[str, Any], source: str) -> dict[str, Any]:
    """A run document from a run document or a JSON report (``mlwa validate --format json``)."""
    if doc.get("schema") == RUN_SCHEMA:
        return doc
    if "workloads" not in doc or not isinstance(doc["workloads"], list):
        raise HistoryError("neither a run document nor a JSON report", Location(source))
    workloads: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for w in doc["workloads"]:
        if not isinstance(w, dict):
            continue
        workloads.append({"workload": w.get("workload"), "name": w.get("name"),
                          "file": w.get("file"), "contentHash": w.get("contentHash"),
                          "counts": (w.get("summary") or {}).get("findings", {}),
                          "questions": w.get("questions") or {}})
        findings.extend(f for f in w.get("findings") or [] if isinstance(f, dict))
    return {"schema": RUN_SCHEMA, "version": RUN_SCHEMA_VERSION, "id": source,
            "timestamp": None, "milestone": None, "engine": doc.get("engine"),
            "lensEdition": doc.get("edition"), "asOf": doc.get("asOf"),
            "packs": doc.get("packs") or {}, "workloads": workloads, "findings": findings,
            "errors": doc.get("errors") or [], "notes": doc.get("notes") or []}


def list_runs(root: Path | None = None, *, workload: str | None = None) -> list[dict[str, Any]]:
    """Run summaries (newest first), optionally only runs that include ``workload``."""
    out = []
    for doc in iter_runs(root):
        ids = [w.get("workload") for w in doc.get("workloads", [])]
        if workload is not None and workload not in ids:
            continue
        fs = doc.get("findings", [])
        if workload is not None:
            fs = [f for f in fs if f.get("workload") == workload]
        sev = Counter(f.get("severity") for f in fs if not f.get("waived"))
        out.append({"id": doc["id"], "timestamp": doc.get("timestamp"),
                    "milestone": doc.get("milestone"), "engine": doc.get("engine"),
                    "lensEdition": doc.get("lensEdition"), "workloads": ids,
                    "findings": {"high": sev["high"], "medium": sev["medium"], "low": sev["low"]}})
    out.reverse()
    return out


# ------------------------------------------------------------------------------ baselines

@dataclass
class BaselinedReport(Report):
    """A report compared with a baseline run.

    Findings whose :meth:`Finding.key` is in the baseline stay in the report (formatters show
    them) but, with ``new_only``, :meth:`fails` ignores them: only new findings can fail CI.
    """

    baseline: str = ""
    baseline_keys: frozenset[FindingKey] = field(default_factory=frozenset)
    new_only: bool = False

    def is_new(self, f: Finding) -> bool:
        return f.key() not in self.baseline_keys

    @property
    def new_findings(self) -> list[Finding]:
        return [f for f in self.findings if self.is_new(f)]

    @property
    def baseline_findings(self) -> list[Finding]:
        return [f for f in self.findings if not self.is_new(f)]

    def worst(self) -> Any:
        if not self.new_only:
            return super().worst()
        open_ = [f.severity for f in self.new_findings if not f.waived]
        return max(open_, key=lambda s: s.rank) if open_ else None

    def fails(self, threshold: str) -> bool:
        if not self.new_only:
            return super().fails(threshold)
        if threshold == "none":
            return False
        from engine.model import Severity

        limit = Severity(threshold).rank
        return any(f.severity.rank >= limit for f in self.new_findings if not f.waived)


def apply_baseline(report: Report, baseline: str, new_only: bool = False, *,
                   root: Path | None = None) -> BaselinedReport:
    """Compare ``report`` with ``baseline`` (run id, milestone, ``latest`` or JSON file).

    Returns a :class:`BaselinedReport` (same interface as :class:`Report`); with
    ``new_only`` its ``fails()`` counts only findings absent from the baseline. A note
    says how many findings are new, known and fixed.
    """
    doc = load_run(baseline, root)
    keys = frozenset(json_finding_key(f) for f in doc.get("findings", []))
    base = {f.name: getattr(report, f.name) for f in fields(Report)}
    base["notes"] = list(report.notes)
    out = BaselinedReport(**base, baseline=str(doc.get("id")), baseline_keys=keys,
                          new_only=new_only)
    current = {f.key() for f in report.findings}
    checked = {w.workload for w in report.workloads}
    fixed = {k for k in keys if k[0] in checked} - current
    new = len(out.new_findings)
    known = len(out.baseline_findings)
    tail = " (not counted for --fail-on)" if new_only else ""
    out.notes.append(f"baseline {out.baseline}: {new} new finding{'s' if new != 1 else ''}, "
                     f"{known} also in the baseline{tail}, {len(fixed)} fixed since")
    return out


# ------------------------------------------------------------------------------ diff

@dataclass
class RunDiff:
    run_a: str
    run_b: str
    new: list[dict[str, Any]]
    fixed: list[dict[str, Any]]
    unchanged: list[dict[str, Any]]
    question_changes: list[dict[str, Any]]  # workload, question, pillar, before, after
    pillar_changes: dict[str, dict[str, dict[str, int]]]  # pillar -> before/after -> risk counts
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {"runA": self.run_a, "runB": self.run_b,
                "summary": {"new": len(self.new), "fixed": len(self.fixed),
                            "unchanged": len(self.unchanged),
                            "questionChanges": len(self.question_changes)},
                "new": self.new, "fixed": self.fixed, "unchanged": self.unchanged,
                "questionChanges": self.question_changes, "pillars": self.pillar_changes,
                "notes": self.notes}


_RISK_RANK = {"HIGH": 3, "MEDIUM": 2, "UNANSWERED": 1, "NONE": 0, "NOT_APPLICABLE": 0,
              "NOT_HIGH": 1}


def _question_pillars() -> dict[str, str]:
    try:
        from engine.lens.ontology import load_lens

        return {q.id: q.pillar for q in load_lens().questions}
    except Exception:  # the diff still works without the lens; pillars come from ids
        return {}


def _pillar_of(qid: str, pillars: dict[str, str]) -> str:
    if qid in pillars:
        return pillars[qid]
    return qid.rstrip("0123456789") or "unknown"


def diff_runs(a: dict[str, Any], b: dict[str, Any]) -> RunDiff:
    """New, fixed and unchanged findings from ``a`` to ``b``; risk changes per question and
    pillar (only for workloads present in both)."""

    def index(doc: dict[str, Any]) -> dict[FindingKey, dict[str, Any]]:
        out: dict[FindingKey, dict[str, Any]] = {}
        for f in doc.get("findings", []):
            out.setdefault(json_finding_key(f), f)
        return out

    for doc in (a, b):
        if not doc.get("workloads"):
            raise HistoryError(f"run {doc.get('id')} validated no workload (it failed on input: "
                               f"{'; '.join(map(str, doc.get('errors') or [])) or 'no details'}); "
                               "there is nothing to compare")
    ia, ib = index(a), index(b)
    wa = {w["workload"]: w for w in a.get("workloads", [])}
    wb = {w["workload"]: w for w in b.get("workloads", [])}
    both = set(wa) & set(wb)
    partial = a.get("questionsComplete") is False or b.get("questionsComplete") is False
    notes = (["a run read from the estate store keeps only high-risk questions: question "
              "changes compare HIGH against not HIGH"] if partial else [])

    def order(k: FindingKey) -> tuple[str, ...]:
        return tuple(x or "" for x in k)

    new = [_brief(ib[k]) for k in sorted(set(ib) - set(ia), key=order)]
    fixed = [_brief(ia[k]) for k in sorted(set(ia) - set(ib), key=order) if k[0] in wb]
    unchanged = [_brief(ib[k]) for k in sorted(set(ia) & set(ib), key=order)]
    pillars = _question_pillars()
    changes: list[dict[str, Any]] = []
    per_pillar: dict[str, dict[str, Counter[str]]] = {}
    for wid in sorted(both):
        qa, qb = wa[wid].get("questions", {}), wb[wid].get("questions", {})
        for q in sorted(set(qa) | set(qb)):
            before, after = str(qa.get(q, "UNANSWERED")).upper(), str(qb.get(q, "UNANSWERED")).upper()
            if partial:
                before, after = (x if x == "HIGH" else "NOT_HIGH" for x in (before, after))
            pl = _pillar_of(q, pillars)
            cell = per_pillar.setdefault(pl, {"before": Counter(), "after": Counter()})
            cell["before"][before] += 1
            cell["after"][after] += 1
            if before != after:
                trend = ("worse" if _RISK_RANK.get(after, 0) > _RISK_RANK.get(before, 0)
                         else "better")
                changes.append({"workload": wid, "question": q, "pillar": pl,
                                "before": before, "after": after, "trend": trend})
    pillar_changes = {pl: {"before": dict(c["before"]), "after": dict(c["after"])}
                      for pl, c in sorted(per_pillar.items())}
    return RunDiff(str(a.get("id")), str(b.get("id")), new, fixed, unchanged, changes,
                   pillar_changes, notes)


def _brief(f: dict[str, Any]) -> dict[str, Any]:
    loc = f.get("location") or {}
    return {"workload": f.get("workload"), "policy": f.get("policy"),
            "severity": f.get("severity"), "focusLabel": f.get("focusLabel"),
            "path": f.get("path"), "value": f.get("value"), "component": f.get("component"),
            "message": f.get("message"), "file": loc.get("file"), "line": loc.get("line")}


def render_diff(d: RunDiff, fmt: str) -> str:
    if fmt == "json":
        return json.dumps({"schema": "mlwa/diff", "version": "1", "data": d.to_json()},
                          indent=1, ensure_ascii=False) + "\n"
    md = fmt == "markdown"
    lines: list[str] = []
    title = f"Diff {d.run_a} → {d.run_b}"
    lines.append(f"## {title}" if md else title)
    lines.append("")
    lines.append(f"{len(d.new)} new, {len(d.fixed)} fixed, {len(d.unchanged)} unchanged findings; "
                 f"{len(d.question_changes)} question risk changes")
    for name, items in (("New findings", d.new), ("Fixed findings", d.fixed)):
        lines.append("")
        lines.append(f"### {name}" if md else f"{name}:")
        if not items:
            lines.append("_none_" if md else "  none")
            continue
        if md:
            lines.append("| workload | policy | severity | where | message |")
            lines.append("|---|---|---|---|---|")
        for f in items:
            where = f"{f['focusLabel']}" + (f" {f['path']}" if f.get("path") else "")
            if md:
                cells = [f["workload"], f["policy"], f["severity"], where, f["message"]]
                lines.append("| " + " | ".join(_md(str(c)) for c in cells) + " |")
            else:
                lines.append(f"  {f['severity']:<6} {f['workload']} {f['policy']} {where}: {f['message']}")
    lines.append("")
    lines.append("### Question risk changes" if md else "Question risk changes:")
    if not d.question_changes:
        lines.append("_none_" if md else "  none")
    elif md:
        lines.append("| workload | question | pillar | before | after |")
        lines.append("|---|---|---|---|---|")
        lines.extend(f"| {_md(c['workload'])} | {c['question']} | {c['pillar']} | {c['before']} | "
                     f"{c['after']} |" for c in d.question_changes)
    else:
        lines.extend(f"  {c['workload']} {c['question']} ({c['pillar']}): {c['before']} → "
                     f"{c['after']} ({c['trend']})" for c in d.question_changes)
    lines.append("")
    lines.append("### High and medium risks per pillar" if md else "High/medium risks per pillar (before → after):")
    if md:
        lines.append("| pillar | high | medium |")
        lines.append("|---|---|---|")
    for pl, c in d.pillar_changes.items():
        hb, ha = c["before"].get("HIGH", 0), c["after"].get("HIGH", 0)
        mb, ma = c["before"].get("MEDIUM", 0), c["after"].get("MEDIUM", 0)
        if md:
            lines.append(f"| {pl} | {hb} → {ha} | {mb} → {ma} |")
        else:
            lines.append(f"  {pl:<24} high {hb} → {ha}   medium {mb} → {ma}")
    lines.extend(f"note: {n}" for n in d.notes)
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


__all__ = [
    "BaselinedReport",
    "HistoryError",
    "RunDiff",
    "apply_baseline",
    "atomic_write",
    "default_root",
    "diff_runs",
    "list_runs",
    "load_run",
    "record_run",
    "render_diff",
]
