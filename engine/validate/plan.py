"""The improvement plan: a short list of *actions*, each one change to the workload
description that closes one or more findings, ordered so that the first actions remove
the most risk.

Every finding gets a :class:`Fix`: the exact place to change (the YAML key path, such as
``endpoints[forecast-api].encryption.kms_key``, or an infrastructure resource and its
file and line when the fact was imported from infrastructure code) and a minimal YAML
snippet to paste. Fixes on the same component (or, for facts of the workload itself, in
the same top-level section) form one :class:`Action`, which names the practices and the
Well-Architected questions it closes and its risk.

Order of actions: higher risk first (a high-risk practice makes its question high risk),
then the number of risky questions the action closes, then the number of practices it
closes, then lifecycle phase, then the place it changes.

The key paths come from the workload format's declarations (:mod:`engine.workload.spec`),
so they follow the format as it grows; the value a snippet proposes comes from the
policy's own shape when the shape states it (``sh:hasValue``, ``sh:in``), else from the
field's type; anything a person must decide is written ``TODO`` (which the schema
refuses, so a pasted snippet cannot pass unnoticed).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from engine.model import PracticeStatus, QuestionRisk, Severity

if TYPE_CHECKING:
    from engine.validate.report import Finding, WorkloadReport
    from engine.workload.spec import Field

#: A step of a key path: ("key", key) or ("item", name key, name).
Step = tuple[str, ...]
#: A value to write: the steps to it, the YAML value ("" for a bare item) and a comment.
Leaf = tuple[tuple[Step, ...], str, str]

# Derived predicates (not written in the file) -> the key a person changes instead.
_DERIVED_KEYS = {"hardwareClass": "instanceType", "instanceFamily": "instanceType",
                 "ageDays": "attestedOn", "tagKey": "tag"}
# Derived wildcard flags: the role's statements or managed policies are what to change.
_WILDCARD = ("hasWildcardAction", "hasWildcardResource")


@dataclass(frozen=True)
class Fix:
    """Where to change the description to resolve one finding, and what to write."""

    key_path: str  # e.g. "data_stores[churn-data].encryption.kms_key"
    snippet: str  # minimal YAML, nested from the top of the file
    anchor: str  # the component or section whose change this is part of
    file: str | None = None
    line: int | None = None
    #: the infrastructure resource the fact was imported from ("AWS::S3::Bucket Raw"),
    #: when the workload was imported from infrastructure code; then file and line
    #: point into that template
    resource: str | None = None
    leaves: tuple[Leaf, ...] = ()  # what the snippet writes, to merge fixes into one

    @property
    def where(self) -> str:
        """The place as a person looks for it: resource and line, or the key path."""
        if self.resource:
            at = f"{self.file}:{self.line}" if self.file and self.line else (self.file or "")
            return f"{self.resource} ({at})" if at else self.resource
        return self.key_path

    def to_json(self) -> dict[str, Any]:
        return {"keyPath": self.key_path, "snippet": self.snippet, "anchor": self.anchor,
                "resource": self.resource,
                "location": {"file": self.file, "line": self.line}}


@dataclass(frozen=True)
class Action:
    """One change that fixes a group of findings."""

    rank: int
    workload: str
    anchor: str
    title: str
    risk: str  # high | medium | low: the highest severity among its findings
    fixes: tuple[Fix, ...]  # one per distinct key path, in file order
    snippet: str
    practices: tuple[str, ...]  # every practice its findings bear on (2025 ids)
    practices_closed: tuple[str, ...]  # practices with no open finding left after it
    questions: tuple[str, ...]
    questions_closed: tuple[str, ...]  # high or medium risk questions it clears
    policies: tuple[str, ...]
    phase: str
    pillars: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def key_paths(self) -> tuple[str, ...]:
        return tuple(f.key_path for f in self.fixes)

    @property
    def resource(self) -> str | None:
        return next((f.resource for f in self.fixes if f.resource), None)

    def to_json(self) -> dict[str, Any]:
        first = next((f for f in self.fixes if f.line), self.fixes[0])
        return {"rank": self.rank, "workload": self.workload, "anchor": self.anchor,
                "title": self.title, "risk": self.risk,
                "keyPaths": list(self.key_paths), "snippet": self.snippet,
                "location": {"file": first.file, "line": first.line,
                             "resource": self.resource},
                "practices": list(self.practices),
                "practicesClosed": list(self.practices_closed),
                "questions": list(self.questions),
                "questionsClosed": list(self.questions_closed),
                "policies": list(self.policies), "phase": self.phase,
                "pillars": list(self.pillars), "findings": len(self.findings)}


# ------------------------------------------------------------------ key paths from the spec

@cache
def _fields(kind: str | None) -> tuple[Field, ...]:
    from engine.workload.spec import KIND_BY_ID, WORKLOAD_FIELDS

    return WORKLOAD_FIELDS if kind is None else KIND_BY_ID[kind].fields


def _walk(fields: Iterable[Field], prefix: tuple[str, ...] = ()
          ) -> Iterable[tuple[tuple[str, ...], Field]]:
    for f in fields:
        if f.type == "group":
            yield from _walk(f.fields, (*prefix, f.key))
        else:
            yield (*prefix, f.key), f


@cache
def _by_key(kind: str | None) -> dict[str, tuple[tuple[str, ...], Field]]:
    """Items fields of a kind by key (the IRI segment), with their path through groups."""
    return {f.key: (path, f) for path, f in _walk(_fields(kind)) if f.type == "items"}


@cache
def _by_predicate(kind: str | None) -> dict[str, tuple[tuple[str, ...], Field]]:
    out: dict[str, tuple[tuple[str, ...], Field]] = {}
    for path, f in _walk(_fields(kind)):
        out.setdefault(f.predicate, (path, f))
    return out


def _node_steps(label: str) -> tuple[list[Step], str | None]:
    """The steps to a node from its focus label (``model_registries/churn-xgb/versions/7``)
    and the node's kind; the root (``workload``) has no steps."""
    from engine.workload.spec import KIND_BY_ID

    steps: list[Step] = []
    kind: str | None = None
    if label in ("", "workload"):
        return steps, None
    parts = label.split("/")
    for i in range(0, len(parts) - 1, 2):
        key, name = parts[i], parts[i + 1]
        hit = _by_key(kind).get(key)
        if hit is None or hit[1].kind is None:
            return [("key", p) for p in parts], None
        path, f = hit
        assert f.kind is not None
        steps += [("key", k) for k in path]
        sub = KIND_BY_ID[f.kind]
        if f.many:
            steps.append(("item", sub.name_key, name))
        kind = f.kind
    return steps, kind


def render_path(steps: Sequence[Step]) -> str:
    out = ""
    for step in steps:
        if step[0] == "item":
            out += f"[{step[2]}]"
        else:
            out += ("." if out else "") + step[1]
    return out or "(document)"


_PLAIN = re.compile(r"^[A-Za-z0-9_./@+-][A-Za-z0-9_./@+:-]*$")
_RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "~"}


def yaml_scalar(text: str) -> str:
    """A YAML scalar that reads back as the string ``text``."""
    if _PLAIN.match(text) and text.lower() not in _RESERVED and not text.endswith(":") \
            and not re.fullmatch(r"[-+]?[0-9._]+(e[-+]?[0-9]+)?", text, re.IGNORECASE):
        return text
    import json

    return json.dumps(text, ensure_ascii=False)


# ------------------------------------------------------------------ values from the policy

@lru_cache(maxsize=4096)
def _shape_values(policy: Any, predicate: str) -> tuple[str, ...]:
    """Values the policy's own shape accepts on ``predicate`` (``sh:hasValue``, the
    members of ``sh:in``), looking through nested shapes; () when it states none."""
    from rdflib import RDF, Literal, Namespace, URIRef
    from rdflib.collection import Collection

    graph = getattr(policy, "graph", None)
    shape = getattr(policy, "shape", None)
    if graph is None or shape is None:
        return ()
    sh = Namespace("http://www.w3.org/ns/shacl#")
    target = URIRef("https://w3id.org/mlwa/ontology#" + predicate)
    found: list[str] = []
    seen: set[Any] = set()
    todo = [shape]
    negated: set[Any] = set()  # what sits under sh:not states what is wrong, not wanted
    while todo and len(seen) < 500:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for _, p, o in graph.triples((node, None, None)):
            if p == sh["not"]:
                negated.add(o)
            if p in (sh.property, sh["not"], sh["and"], sh["or"], sh.node, sh.qualifiedValueShape):
                if (o, RDF.first, None) in graph:
                    todo += list(Collection(graph, o))
                else:
                    todo.append(o)
        if node in negated or (node, sh.path, target) not in graph:
            continue
        for v in graph.objects(node, sh.hasValue):
            found.append(str(v).lower() if isinstance(v, Literal) and
                         isinstance(v.value, bool) else str(v))
        for lst in graph.objects(node, sh["in"]):
            found += [str(v).lower() if isinstance(v, Literal) and isinstance(v.value, bool)
                      else str(v) for v in Collection(graph, lst)]
    return tuple(dict.fromkeys(found))


def _value_for(f: Field, finding: Finding, policy: Any, predicate: str) -> tuple[str, str]:
    """(YAML value, comment) the snippet writes for field ``f``."""
    wanted = _shape_values(policy, predicate) if policy is not None else ()
    doc = f.doc.rstrip(".")
    if f.type == "boolean":
        if {"true", "false"} <= set(wanted):  # the policy only asks that it be stated
            return "TODO", f"{doc}: true or false"
        if wanted:
            return wanted[0], doc
        if finding.value in ("true", "false"):
            return ("false" if finding.value == "true" else "true"), doc
        return "true", doc
    if len(wanted) > 1:
        return ("[TODO]" if f.many else "TODO"), "one of: " + ", ".join(wanted)
    if wanted and not wanted[0].startswith(("http://", "https://", "urn:")):
        value = yaml_scalar(wanted[0])
        return (f"[{value}]" if f.many else value), doc
    if f.type == "enum":
        choices = ", ".join(f.values)
        return "TODO", f"one of: {choices}"
    now = f"; now {finding.value}" if finding.value and not finding.value.startswith(
        ("urn:", "[blank")) else ""
    if f.many:
        return "[TODO]", doc + now
    return "TODO", doc + now


def _item_stub(kind_id: str, name: str | None) -> list[tuple[str, str, str]]:
    """(key, value, comment) of the required keys of a new item of ``kind_id``."""
    from engine.workload.spec import KIND_BY_ID

    kind = KIND_BY_ID[kind_id]
    out = []
    for path, f in _walk(kind.fields):
        if len(path) != 1 or not (f.required or f.key == kind.name_key):
            continue
        if f.key == kind.name_key and name:
            out.append((f.key, yaml_scalar(name), ""))
        elif kind_id == "attestations" and f.key == "status":
            out.append((f.key, "implemented", ""))
        else:
            out.append((f.key, "TODO", f.doc.rstrip(".")))
    if kind_id == "attestations":
        out.insert(2, ("evidence", "TODO", "a link to the record that shows it"))
    return out


def fix_for(finding: Finding, policy: Any = None) -> Fix:
    """The fix of one finding: key path, snippet and location."""
    from urllib.parse import unquote

    from engine.workload.spec import KIND_BY_ID

    steps, kind = _node_steps(finding.focus_label)
    anchor_steps = list(steps)
    pred = ""
    if finding.path and not any(c in finding.path for c in "( /^|*+?"):
        pred = finding.path.rsplit(":", 1)[-1].rsplit("#", 1)[-1]
    pred = _DERIVED_KEYS.get(pred, pred)
    comment = finding.message
    leaves: list[Leaf] = []
    value_node = finding.value or ""
    prefix = finding.focus + "/"
    if value_node.startswith(prefix):
        # the value is a child node (a statement of a role): point at the child itself
        rest = unquote(value_node[len(prefix):])
        child = rest if finding.focus_label == "workload" else f"{finding.focus_label}/{rest}"
        steps, kind = _node_steps(child)
        pred = ""
    elif pred in _WILDCARD:
        pred = "hasStatement"
    hit = _by_predicate(kind).get(pred) if pred else None
    if hit is not None:
        path, f = hit
        steps = [*steps, *(("key", k) for k in path)]
        if f.type == "items" and f.kind is not None:
            sub = KIND_BY_ID[f.kind]
            name = finding.practices[0] if f.kind == "attestations" and finding.practices \
                else None
            if f.many:
                steps.append(("item", sub.name_key, name or "TODO"))
            comment = f"attest {name}: {finding.title}" if name else sub.doc
            leaves.append((tuple(steps), "", comment))
            for key, value, doc in _item_stub(f.kind, name):
                if key != sub.name_key:
                    leaves.append(((*steps, ("key", key)), value, doc))
        elif f.type in ("tags", "answers"):
            leaves.append((tuple(steps), "{TODO: TODO}", f.doc))
        else:
            value, comment = _value_for(f, finding, policy, f.predicate)
            leaves.append((tuple(steps), value, comment))
    elif pred and pred not in _WILDCARD:
        # a property the workload format does not declare (a custom pack's vocabulary):
        # name it as the format would
        steps = [*steps, ("key", re.sub(r"(?<!^)([A-Z])", r"_\1", pred).lower())]
        leaves.append((tuple(steps), "TODO", comment))
    if not leaves:
        leaves.append((tuple(steps), "", comment))
    if not anchor_steps:  # the workload itself: group by its top-level section or entry
        anchor_steps = steps[:2] if len(steps) >= 2 and steps[1][0] == "item" else steps[:1]
    # a fact the file does not state at all has no line of its own (the workload's first
    # line would mislead): the key path says where it goes
    line = None if finding.focus_label == "workload" and finding.value is None \
        else finding.line
    return Fix(key_path=render_path(steps), snippet=snippet_text(leaves),
               anchor=render_path(anchor_steps), file=finding.file, line=line,
               resource=getattr(finding, "resource", None), leaves=tuple(leaves))


# ------------------------------------------------------------------ snippets

def snippet_text(leaves: Iterable[Leaf]) -> str:
    """Minimal YAML that writes each leaf at its path, shared parents written once."""
    tree: dict[Step, Any] = {}
    for steps, value, comment in leaves:
        node = tree
        for step in steps or (("key", "(document)"),):
            node = node.setdefault(step, {})
        node.setdefault(("leaf",), (value, comment))
    lines: list[str] = []
    _emit(tree, 0, lines)
    return "\n".join(lines) + "\n"


def _comment(text: str) -> str:
    flat = " ".join(text.split())
    # the first sentence of a field's documentation is enough
    flat = re.split(r"\.\s+(?=[A-Z])", flat, maxsplit=1)[0]
    flat = flat.rstrip(".")
    if len(flat) > 100:
        flat = flat[:99] + "…"
    return f"  # {flat}" if flat else ""


def _emit(tree: dict[Step, Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for step, sub in tree.items():
        if step == ("leaf",):
            continue
        value, comment = sub.get(("leaf",), ("", ""))
        children = {k: v for k, v in sub.items() if k != ("leaf",)}
        if step[0] == "item":
            lines.append(f"{pad}- {step[1]}: {yaml_scalar(step[2])}{_comment(comment)}")
            _emit(children, indent + 2, lines)
        elif value and not children:
            lines.append(f"{pad}{step[1]}: {value}{_comment(comment)}")
        else:
            lines.append(f"{pad}{step[1]}:{_comment(comment)}")
            _emit(children, indent + 2, lines)


# ------------------------------------------------------------------ actions

_RISK_RANK = {"high": 0, "medium": 1, "low": 2}


def fixes(w: WorkloadReport, policies: Mapping[str, Any] | None = None) -> dict[int, Fix]:
    """id(finding) -> its fix, for every finding of ``w`` (waived ones too)."""
    pol = policies or {}
    return {id(f): fix_for(f, pol.get(f.policy)) for f in w.findings}


def build_actions(w: WorkloadReport, policies: Mapping[str, Any] | None = None,
                  edition: str | None = None) -> list[Action]:
    """The workload's open findings grouped into ranked actions."""
    from engine.lens.ontology import PHASE_ORDER, load_lens

    lens = load_lens()
    ed = edition or w.edition
    pol = policies or {}
    open_ = [f for f in w.findings if f.waived_by is None]
    by_practice: dict[str, set[int]] = defaultdict(set)
    for f in open_:
        for pid in f.practices:
            by_practice[pid].add(id(f))
    question_of = {p.id2025: p.question for p in lens.practices}
    violated_in: dict[str, set[str]] = defaultdict(set)
    for pid, res in w.practices.items():
        if res.status is PracticeStatus.VIOLATED and pid in question_of:
            violated_in[question_of[pid]].add(pid)
    groups: dict[str, list[tuple[Finding, Fix]]] = defaultdict(list)
    for f in open_:
        fx = fix_for(f, pol.get(f.policy))
        groups[fx.anchor].append((f, fx))
    drafts = []
    for anchor, pairs in groups.items():
        found = tuple(f for f, _ in pairs)
        ids = {id(f) for f in found}
        practices = tuple(sorted({p for f in found for p in f.practices}))
        closed = tuple(p for p in practices if by_practice[p] <= ids)
        closed_set = set(closed)
        questions = tuple(sorted({question_of[p] for p in practices if p in question_of}))
        questions_closed = tuple(
            q for q in questions
            if w.questions.get(q) in (QuestionRisk.HIGH, QuestionRisk.MEDIUM)
            and violated_in[q] and violated_in[q] <= closed_set)
        risk = max((f.severity for f in found), key=lambda s: s.rank, default=Severity.LOW)
        phases = []
        for p in practices:
            prac = lens.find(p)
            if prac is not None and prac.phase(ed) in PHASE_ORDER:
                phases.append(PHASE_ORDER.index(prac.phase(ed)))
        phase_i = min(phases) if phases else len(PHASE_ORDER)
        distinct: dict[str, Fix] = {}
        for _, fx in sorted(pairs, key=lambda p: (p[0].line or 0, p[1].key_path)):
            distinct.setdefault(fx.key_path, fx)
        fx_list = tuple(distinct.values())
        snippet = snippet_text(leaf for fx in fx_list for leaf in fx.leaves)
        pillars = tuple(sorted({f.pillar for f in found if f.pillar}))
        first_line = min((f.line for f in found if f.line), default=0)
        drafts.append(((_RISK_RANK[risk.value], -len(questions_closed), -len(closed),
                        phase_i, first_line, anchor), anchor, found, fx_list, snippet, practices, closed,
                       questions, questions_closed, risk.value,
                       PHASE_ORDER[phase_i] if phase_i < len(PHASE_ORDER) else "", pillars))
    drafts.sort(key=lambda d: d[0])
    return [Action(rank=i + 1, workload=w.workload, anchor=anchor,
                   title=_title(anchor, fx_list, found), risk=risk, fixes=fx_list,
                   snippet=snippet, practices=practices, practices_closed=closed,
                   questions=questions, questions_closed=qclosed,
                   policies=tuple(sorted({f.policy for f in found})), phase=phase,
                   pillars=pillars, findings=found)
            for i, (_, anchor, found, fx_list, snippet, practices, closed, questions, qclosed,
                    risk, phase, pillars) in enumerate(drafts)]


def _title(anchor: str, fx_list: Sequence[Fix], found: Sequence[Finding]) -> str:
    if anchor.startswith("attestations[") and len(fx_list) == 1:
        return f"Attest {anchor[len('attestations['):-1]}: {found[0].title}"
    keys = [fx.key_path[len(anchor):].lstrip(".") or "the item itself" for fx in fx_list]
    verb = "Change" if any(f.value is not None for f in found) else "State"
    if len(keys) == 1:
        return f"{verb} {fx_list[0].key_path}"
    shown = ", ".join(keys[:4]) + (f" and {len(keys) - 4} more" if len(keys) > 4 else "")
    return f"{verb} {len(keys)} keys of {anchor}: {shown}"


# ------------------------------------------------------------------ the summary

RISKY = (QuestionRisk.HIGH, QuestionRisk.MEDIUM)


@dataclass(frozen=True)
class Overview:
    """What a reader sees first: risky questions per pillar and per lifecycle phase (the
    Well-Architected Tool's view) and how each practice's outcome is known."""

    by_pillar: dict[str, dict[str, int]]  # pillar slug -> {"HIGH": n, "MEDIUM": n}
    by_phase: dict[str, dict[str, int]]  # phase slug -> {"HIGH": n, "MEDIUM": n}
    evidence: dict[str, int]  # every practice outcome (PracticeStatus value) -> count
    questions: dict[str, int]  # every question risk -> count
    risky: tuple[tuple[str, str], ...]  # (question id, risk), high first, then by id

    def to_json(self) -> dict[str, Any]:
        return {"riskByPillar": self.by_pillar, "riskByPhase": self.by_phase,
                "riskyQuestions": [{"question": q, "risk": r} for q, r in self.risky]}


def evidence_order() -> tuple[PracticeStatus, ...]:
    """Every practice outcome, in reading order: violated first, then from the strongest
    evidence to none. New outcomes (added to the enum) appear in their enum order."""
    lead = ("violated", "verified", "declared", "attested", "waived", "not_applicable",
            "not_assessed")
    known = {s.value: s for s in PracticeStatus}
    head = [known[v] for v in lead if v in known]
    return (*head, *(s for s in PracticeStatus if s not in head))


def overview(w: WorkloadReport) -> Overview:
    from engine.lens.ontology import PHASE_ORDER, PILLAR_ORDER, load_lens

    lens = load_lens()
    by_pillar = {p: {r.value: 0 for r in RISKY} for p in PILLAR_ORDER}
    by_phase = {p: {r.value: 0 for r in RISKY} for p in PHASE_ORDER}
    meta = {q.id: q for q in lens.questions}
    for qid, risk in w.questions.items():
        q = meta.get(qid)
        if risk not in RISKY or q is None:
            continue
        by_pillar.setdefault(q.pillar, {r.value: 0 for r in RISKY})[risk.value] += 1
        by_phase.setdefault(q.phase, {r.value: 0 for r in RISKY})[risk.value] += 1
    counts: dict[str, int] = {s.value: 0 for s in evidence_order()}
    for res in w.practices.values():
        counts[res.status.value] = counts.get(res.status.value, 0) + 1
    qcounts = {r.value: 0 for r in QuestionRisk}
    for risk in w.questions.values():
        qcounts[risk.value] = qcounts.get(risk.value, 0) + 1
    risky = tuple(sorted(((q, r.value) for q, r in w.questions.items() if r in RISKY),
                         key=lambda qr: (qr[1] != "HIGH", qr[0])))
    return Overview(by_pillar, by_phase, counts, qcounts, risky)


@dataclass(frozen=True)
class BaselineDelta:
    baseline: str
    new: int
    known: int
    fixed: int

    def text(self) -> str:
        return (f"since baseline {self.baseline}: {self.new} new, {self.fixed} fixed, "
                f"{self.known} unchanged")

    def to_json(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "new": self.new, "fixed": self.fixed,
                "unchanged": self.known}


def baseline_delta(report: Any, workload: str | None = None) -> BaselineDelta | None:
    """What changed since the baseline, when the report was compared with one (a
    ``BaselinedReport``); for one workload when ``workload`` is given."""
    keys = getattr(report, "baseline_keys", None)
    if keys is None or not getattr(report, "baseline", ""):
        return None
    ws = [w for w in report.workloads if workload is None or w.workload == workload]
    current = {f.key() for w in ws for f in w.findings}
    checked = {w.workload for w in ws}
    new = sum(1 for k in current if k not in keys)
    fixed = sum(1 for k in keys if k[0] in checked and k not in current)
    return BaselineDelta(str(report.baseline), new, len(current) - new, fixed)
