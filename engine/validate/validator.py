"""Validate workloads against policies and build reports.

The one entry point the CLI, the app and the portfolio runner share. Shapes and the class
hierarchy are always passed to the backend explicitly; nothing is read from the data
graph but data, and nothing reaches the network.

Why this file is long: the validator: policy selection, backend preparation and the report
assembly are one entry point.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from engine.errors import InputError
from engine.lens.ontology import class_hierarchy  # re-exported: callers import it from here too
from engine.model import STAGES, CheckKind, Evidence, PracticeStatus, QuestionRisk, Severity
from engine.policies.catalog import Catalog, Policy, builtin_catalog, load_catalog, shapes_graph
from engine.validate.report import (
    Finding,
    PracticeResult,
    Report,
    WorkloadReport,
    finding_from_fields,
    practice_status,
    question_risk,
)

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import BNode, Node, URIRef

    from engine.shacl.base import Prepared, RawResult
    from engine.workload import Workload


def _uriref() -> type[URIRef]:
    from rdflib import URIRef

    return URIRef


def _bnode() -> type[BNode]:
    from rdflib import BNode

    return BNode


class Tailoring(Protocol):
    """What a profile does to a run (implemented by :mod:`engine.governance.profiles`)."""

    @property
    def id(self) -> str: ...

    def select(self, catalog: Catalog) -> list[Policy]: ...

    def severity_for(self, policy: Policy) -> Severity: ...

    def not_applicable(self) -> dict[str, str]: ...  # 2025 practice id -> reason


class WaiverSet(Protocol):
    """Governance waivers (implemented by :mod:`engine.governance.waivers`)."""

    def match(self, finding: Finding, as_of: dt.date) -> tuple[str, str] | None: ...  # (id, reason)

    def notes(self, workload: str, as_of: dt.date) -> list[str]: ...  # e.g. expired waivers


def _subclasses(cls: Node) -> set[Node]:
    from rdflib import RDFS

    h = class_hierarchy()
    out, todo = {cls}, [cls]
    while todo:
        c = todo.pop()
        for sub in h.subjects(RDFS.subClassOf, c):
            if sub not in out:
                out.add(sub)
                todo.append(sub)
    return out


def target_nodes(shape: Node, shapes: Graph, data: Graph) -> set[Node]:
    """The focus nodes a shape's targets select in ``data`` (SHACL Core targets)."""
    from rdflib import RDF
    from rdflib.namespace import SH

    found: set[Node] = set()
    classes = set(shapes.objects(shape, SH.targetClass))
    if (shape, RDF.type, SH.NodeShape) in shapes and (shape, RDF.type, _RDFS_CLASS) in shapes:
        classes.add(shape)
    for cls in classes:
        for c in _subclasses(cls):
            found.update(data.subjects(RDF.type, c))
    found.update(shapes.objects(shape, SH.targetNode))
    for p in shapes.objects(shape, SH.targetSubjectsOf):
        found.update(data.subjects(p, None))  # type: ignore[arg-type]
    for p in shapes.objects(shape, SH.targetObjectsOf):
        found.update(data.objects(None, p))  # type: ignore[arg-type]
    if (shape, SH.target, None) in shapes:  # SPARQL-based target: assume it selects something
        found.add(shape)
    return found


_RDFS_CLASS = __import__("rdflib").RDFS.Class


@dataclass(frozen=True)
class TargetSpec:
    """What a shape's targets need from a data graph for :func:`target_nodes` to be
    non-empty, resolved once against the shapes graph and the class hierarchy."""

    always: bool  # sh:targetNode or sh:target: selects something in any data graph
    classes: frozenset[Node]  # target classes with all their subclasses
    predicates: frozenset[Node]  # sh:targetSubjectsOf / sh:targetObjectsOf

    @classmethod
    def of(cls, shape: Node, shapes: Graph) -> TargetSpec:
        from rdflib import RDF
        from rdflib.namespace import SH

        classes = set(shapes.objects(shape, SH.targetClass))
        if (shape, RDF.type, SH.NodeShape) in shapes and (shape, RDF.type, _RDFS_CLASS) in shapes:
            classes.add(shape)
        closed: set[Node] = set()
        for c in classes:
            closed |= _subclasses(c)
        preds = set(shapes.objects(shape, SH.targetSubjectsOf))
        preds |= set(shapes.objects(shape, SH.targetObjectsOf))
        always = ((shape, SH.targetNode, None) in shapes or (shape, SH.target, None) in shapes)
        return cls(always, frozenset(closed), frozenset(preds))


class DataIndex:
    """The parts of one data graph that decide whether a target selects anything: the
    classes its nodes are typed with and which of the asked predicates it uses."""

    def __init__(self, data: Graph, predicates: Iterable[Node]) -> None:
        from rdflib import RDF, Graph

        pending = getattr(data.store, "pending_triples", None)
        triples = (pending() if pending is not None and type(data).triples is Graph.triples
                   else None)
        if triples is None:
            self.types = set(data.objects(None, RDF.type))
            self.predicates = {p for p in predicates if (None, p, None) in data}
            return
        # a lifted workload rdflib has not indexed (engine.workload.lift.LiftedStore): read
        # its triples as they are rather than have rdflib index them for two questions
        rdf_type = {RDF.type}
        self.types = {o for _, p, o in triples if p in rdf_type}
        used = {p for _, p, _ in triples}
        self.predicates = {p for p in predicates if p in used}

    def selects(self, spec: TargetSpec) -> bool:
        """``bool(target_nodes(shape, shapes, data))`` for the shape ``spec`` describes."""
        return (spec.always or not self.types.isdisjoint(spec.classes)
                or not self.predicates.isdisjoint(spec.predicates))


def render_path(shapes: Graph, path: Node | None) -> str | None:
    """A SHACL property path in SPARQL-like notation with compact IRIs."""
    if path is None:
        return None
    from rdflib import BNode, URIRef
    from rdflib.collection import Collection
    from rdflib.namespace import SH

    def compact(u: Node) -> str:
        try:
            return shapes.namespace_manager.normalizeUri(u)  # type: ignore[arg-type]
        except Exception:
            return f"<{u}>"

    if isinstance(path, URIRef):
        return compact(path)
    if isinstance(path, BNode):
        if (path, None, None) not in shapes:
            return None
        first = shapes.value(path, __import__("rdflib").RDF.first)
        if first is not None:
            return "/".join(render_path(shapes, p) or "?" for p in Collection(shapes, path))
        for pred, fmt in ((SH.inversePath, "^{}"), (SH.zeroOrMorePath, "{}*"),
                          (SH.oneOrMorePath, "{}+"), (SH.zeroOrOnePath, "{}?")):
            inner = shapes.value(path, pred)
            if inner is not None:
                return fmt.format(render_path(shapes, inner))
        alt = shapes.value(path, SH.alternativePath)
        if alt is not None:
            return "(" + "|".join(render_path(shapes, p) or "?" for p in Collection(shapes, alt)) + ")"
    return str(path)


def _local(iri: Any) -> str:
    s = str(iri)
    return s.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _key_order(k: tuple[Any, ...]) -> tuple[Any, ...]:
    """Findings in a total order, by their keys (see Validator._finding_key): by line,
    policy, node, path and value, then the fields two rules of one policy may differ in
    (message, component, column), so that a report never depends on the order a set or an
    engine yields them."""
    code, focus, label, path, value, message, _file, line, column, component = k
    return (line or 0, code, label, path or "", value or "", message, component or "",
            column or 0, focus)


class Tally(NamedTuple):
    """A workload's findings counted: what a portfolio keeps of each report."""

    high: int
    medium: int
    low: int
    waived: int
    high_risk_questions: tuple[str, ...]  # sorted
    policies: Counter[str]  # open findings per policy code

    @classmethod
    def of(cls, w: WorkloadReport) -> Tally:
        c = w.counts()
        hrq = tuple(sorted(q for q, r in w.questions.items() if r is QuestionRisk.HIGH))
        return cls(c["high"], c["medium"], c["low"], c["waived"], hrq,
                   Counter(f.policy for f in w.findings if f.waived_by is None))


_UNSEEN: Any = object()  # a dictionary default no value can equal


@dataclass
class Validator:
    """Policies prepared once for a backend; validates any number of workloads."""

    policies: list[Policy]
    engine: str = "reference"
    edition: str = "2025"
    as_of: dt.date = field(default_factory=dt.date.today)
    profile: Tailoring | None = None
    waivers: WaiverSet | None = None

    def __post_init__(self) -> None:
        if self.edition not in ("2023", "2025"):
            raise InputError(f"unknown edition {self.edition!r}; choose 2023 or 2025")
        na = self.profile.not_applicable() if self.profile else {}
        self._not_applicable = dict(na)
        self.policies = [p for p in self.policies
                         if not (p.practices and all(x in na for x in p.practices))]
        self._by_code = {p.code: p for p in self.policies}
        self._severity = {p.code: (self.profile.severity_for(p) if self.profile else p.severity)
                          for p in self.policies}
        self.shapes, self._owner, self.prepared, self._targets = _prepared_bundle(
            self.policies, self.engine)
        self._lens = __import__("engine.lens.ontology", fromlist=["load_lens"]).load_lens()
        self._target_predicates = frozenset().union(*(t.predicates
                                                      for t in self._targets.values()))
        # what a policy that holds is called, and which classes and predicates select it
        self._verdicts = [(p.code, _held(p)) for p in self.policies]
        # silence: a policy assessed from a later stage does not hold before it (deferred)
        self._from_stage = {p.code: STAGES.index(p.assessed_from) for p in self.policies
                            if p.assessed_from}
        self._needs = {p.code: p.needs_text for p in self.policies}
        # a structural pass is verified only when the workload has the cross-references
        # the policy follows; without them the pass rests on flags alone (declared)
        self._links = {p.code: structural_links(p) for p in self.policies
                       if _held(p) == "verified"}
        self._index_predicates = self._target_predicates.union(*self._links.values())
        self._always = [code for code, t in self._targets.items() if t.always]
        self._by_class: dict[Node, list[str]] = defaultdict(list)
        self._by_predicate: dict[Node, list[str]] = defaultdict(list)
        for code, t in self._targets.items():
            for c in t.classes:
                self._by_class[c].append(code)
            for p in t.predicates:
                self._by_predicate[p].append(code)
        # What every finding of a policy shares, worked out once: reports of a portfolio
        # repeat the same few hundred (policy, path) pairs thousands of times.
        self._policy_facts: dict[str, tuple[str, str]] = {}
        for pol in self.policies:
            first = self._lens.practice(pol.practices[0]) if pol.practices else None
            self._policy_facts[pol.code] = ((first.pillar, first.phase(self.edition)) if first
                                            else ("", ""))
        self._paths: dict[Node | None, str | None] = {}
        self._code_facts: dict[str, dict[str, Any]] = {}
        self._rollups: dict[tuple[str, ...], tuple[dict[str, PracticeResult],
                                                   dict[str, QuestionRisk]]] = {}
        self._components: dict[Node, str] = {}
        self._code_of: dict[Node, str] = {}  # see _owner_of
        self._uri_type, self._bnode_type = _uriref(), _bnode()
        self._practice_codes: list[tuple[Any, tuple[str, ...]]] = []
        per: dict[str, list[str]] = defaultdict(list)
        for pol in self.policies:
            for pid in pol.practices:
                per[pid].append(pol.code)
        self._practice_codes = [(p, tuple(sorted(per.get(p.id2025, ()))))
                                for p in self._lens.practices]

    # ------------------------------------------------------------------ per workload
    def validate(self, workload: Workload) -> WorkloadReport:
        raw = self.prepared.validate(workload.graph)
        return self.report_for(workload, raw)

    def validate_many(self, workloads: Sequence[Workload]) -> list[WorkloadReport]:
        raws = self.prepared.validate_many([w.graph for w in workloads])
        return [self.report_for(w, r) for w, r in zip(workloads, raws, strict=True)]

    def report_for(self, wl: Workload, raw: Iterable[RawResult]) -> WorkloadReport:
        labels: dict[Node, str] = {}
        # distinct keys are distinct findings (see _finding_key): de-duplicated and ordered
        # as plain tuples, then made findings
        keys = sorted({self._finding_key(wl, r, labels) for r in raw}, key=_key_order)
        findings = [self._finding(wl, k) for k in keys]
        notes: list[str] = []
        if self.waivers is not None:
            findings = [self._apply_waiver(f) for f in findings]
            notes.extend(self.waivers.notes(wl.id, self.as_of))
        declared_na = not_applicable_in(wl)
        if declared_na:  # the workload file says these practices do not apply: no findings
            kept = [f for f in findings
                    if not (f.practices and all(p in declared_na for p in f.practices))]
            if len(kept) != len(findings):
                notes.append(f"{len(findings) - len(kept)} findings left out: their practices "
                             "are attested not applicable in the workload file")
            findings = kept
        failing = {f.policy for f in findings if f.waived_by is None}
        waived = {f.policy for f in findings if f.waived_by is not None} - failing
        practices, questions = self._rollup(self._outcomes(wl, failing, waived), declared_na)
        unsupported = getattr(self.prepared, "unsupported", [])
        if unsupported:
            notes.append(f"{len(unsupported)} shapes were validated by the reference engine "
                         "(the fast engine does not support them)")
        return WorkloadReport(workload=wl.id, name=wl.name, file=wl.filename,
                              content_hash=wl.content_hash, findings=findings,
                              practices=dict(practices), questions=dict(questions),
                              edition=self.edition, notes=notes)

    def tally_many(self, workloads: Sequence[Workload]) -> list[Tally]:
        """What a portfolio summary needs of each workload, without building its report:
        equal to :meth:`Tally.of` the workload's :meth:`validate` report (tested), at a
        fraction of the cost (no finding objects, no sorting)."""
        raws = self.prepared.validate_many([w.graph for w in workloads])
        return [self.tally(w, r) for w, r in zip(workloads, raws, strict=True)]

    def tally(self, wl: Workload, raw: Iterable[RawResult]) -> Tally:
        if self.waivers is not None:  # waivers match whole findings: the report decides
            return Tally.of(self.report_for(wl, raw))
        # A finding is its key plus what its policy fixes (see _finding): distinct keys are
        # distinct findings. The key's label and location are functions of the focus node
        # and the path, so counting distinct (code, focus, rendered path, value, message,
        # component) counts the same findings without working them out, as long as no two
        # focus nodes print alike (then the full keys are counted).
        keys = self._tally_keys(raw)
        foci = {k[1] for k in keys}
        if len(foci) != len({str(f) for f in foci}):
            labels: dict[Node, str] = {}
            keys = {self._finding_key(wl, r, labels) for r in raw}
        severity = self._severity
        per_policy: Counter[str] = Counter(k[0] for k in keys)
        counts: Counter[str] = Counter()
        for code, n in per_policy.items():
            counts[severity[code].value] += n
        declared_na = not_applicable_in(wl)
        if declared_na:  # findings of not-applicable practices drop out: the report decides
            return Tally.of(self.report_for(wl, raw))
        _, questions = self._rollup(self._outcomes(wl, set(per_policy), set()))
        high = tuple(sorted(q for q, r in questions.items() if r is QuestionRisk.HIGH))
        return Tally(counts.get("high", 0), counts.get("medium", 0), counts.get("low", 0), 0,
                     high, per_policy)

    def _resolved(self, shape: Node, component: Node, path: Node | None
                  ) -> tuple[str, str, str | None]:
        """A result's policy code, component name and rendered path (each worked out once)."""
        code = self._code_of.get(shape) or self._owner_of(shape)
        name = self._components.get(component)
        if name is None:
            name = self._components[component] = _local(component)
        shown = self._paths.get(path, _UNSEEN)
        if shown is _UNSEEN:
            shown = self._paths[path] = render_path(self.shapes, path)
        return code, name, shown

    def _owner_of(self, shape: Node) -> str:
        """The code of the policy that owns ``shape``, remembered under the backend's own
        node object: the next lookup with that object matches by identity, without rdflib's
        Python-level ``__eq__`` (the policy table holds equal nodes, not the same ones)."""
        code = self._owner.get(shape)
        if code is None:
            raise RuntimeError(f"result from shape {shape} that no policy owns")
        self._code_of[shape] = code
        return code

    def _tally_keys(self, raw: Iterable[RawResult]) -> set[tuple[Any, ...]]:
        """(code, focus, rendered path, value text, message, component) of each result: what
        tells findings apart once the label and location (functions of focus and path) are
        left out."""
        out: set[tuple[Any, ...]] = set()
        add = out.add
        resolved = self._resolved
        bnode = self._bnode_type
        for focus, r_path, value, shape, r_component, _, messages, _ in raw:
            code, component, path = resolved(shape, r_component, r_path)
            add((code, focus, path,
                 None if value is None else "[blank node]" if isinstance(value, bnode)
                 else str(value),
                 messages[0] if messages else f"{component} constraint not met", component))
        return out

    def _rollup(self, outcomes: dict[str, str], declared_na: dict[str, str] | None = None
                ) -> tuple[dict[str, PracticeResult], dict[str, QuestionRisk]]:
        """Practices and questions for ``outcomes`` and the practices the workload file
        declares not applicable (shared: callers copy before changing).

        The roll-up is a function of these alone, and workloads of an estate share a few
        outcome patterns: computed once per pattern."""
        key = (tuple(outcomes.values()), tuple(sorted((declared_na or {}).items())))
        rollup = self._rollups.get(key)
        if rollup is None:
            practices = self._practices(outcomes, declared_na or {})
            rollup = (practices, self._questions(practices))
            if len(self._rollups) >= 4096:
                self._rollups.clear()
            self._rollups[key] = rollup
        return rollup

    def _apply_waiver(self, f: Finding) -> Finding:
        from dataclasses import replace

        assert self.waivers is not None
        hit = self.waivers.match(f, self.as_of)
        return replace(f, waived_by=hit[0], waiver_reason=hit[1]) if hit else f

    def _finding(self, wl: Workload, key: tuple[Any, ...]) -> Finding:
        """The finding with ``key`` (see _finding_key) in ``wl``."""
        code, focus, label, path, value, message, file, line, column, component = key
        facts = self._code_facts.get(code)
        if facts is None:
            facts = self._facts_of(code)
        return finding_from_fields({
            **facts,
            "focus": focus, "focus_label": label, "path": path, "value": value,
            "message": message, "file": file, "line": line, "column": column, "workload": wl.id,
            "waived_by": None, "waiver_reason": None, "component": component})

    def _finding_key(self, wl: Workload, r: RawResult, labels: dict[Node, str] | None = None
                     ) -> tuple[str, str, str, str | None, str | None, str, str | None,
                                int | None, int | None, str]:
        """The fields of ``r``'s finding that its policy does not fix, after its policy code:
        (code, focus, focus label, path, value, message, file, line, column, component)."""
        focus, r_path, value, shape, r_component, _, messages, _ = r
        code, component, path = self._resolved(shape, r_component, r_path)
        loc = None
        if isinstance(r_path, self._uri_type):
            loc = wl.property_locations.get((focus, r_path))
        if loc is None:
            loc = wl.locations.get(focus) or wl.locations.get(wl.root)
        return (code, str(focus), self._label(wl, focus, labels), path,
                (None if value is None else "[blank node]"
                 if isinstance(value, self._bnode_type) else str(value)),
                messages[0] if messages else f"{component} constraint not met",
                loc.file if loc else wl.filename, loc.line if loc else None,
                loc.column if loc else None, component)

    def _facts_of(self, code: str) -> dict[str, Any]:
        """What every finding of policy ``code`` shares: its title, severity and so on (a
        portfolio repeats the same few hundred policies a million times)."""
        pol = self._by_code[code]
        pillar, phase = self._policy_facts[code]
        facts = self._code_facts[code] = {
            "policy": code, "title": pol.title, "severity": self._severity[code],
            "kind": pol.kind, "practices": pol.practices, "pillar": pillar, "phase": phase,
            "remediation": pol.remediation}
        return facts

    @staticmethod
    def _label(wl: Workload, focus: Node, labels: dict[Node, str] | None) -> str:
        if labels is None:
            return focus_label(wl, focus)
        label = labels.get(focus)
        if label is None:
            label = labels[focus] = focus_label(wl, focus)
        return label

    def _outcomes(self, wl: Workload, failing: set[str], waived: set[str]) -> dict[str, str]:
        """Per policy: fail | waived | deferred | verified | declared | attested | vacuous
        (``failing``: policies with an open finding; ``waived``: the others with a waived
        one; ``deferred``: holds only because the workload has not reached the stage the
        policy is assessed from)."""
        out = {}
        selected: set[str] | None = None
        stage = -1
        if self._from_stage:
            written = lifecycle_stage(wl)
            # unstated or retired: what applies only to a live stage is not assessed
            stage = (STAGES.index(written)
                     if written in STAGES and written != "retired" else -1)
        from_stage = self._from_stage
        for code, held in self._verdicts:
            if code in failing:
                out[code] = "fail"
            elif code in waived:
                out[code] = "waived"
            elif from_stage.get(code, -1) > stage:
                out[code] = "deferred"
            else:
                if selected is None:
                    selected, used = self._selecting(wl)
                if code not in selected:
                    out[code] = "vacuous"
                elif held == "verified" and used.isdisjoint(self._links[code]):
                    out[code] = "declared"
                else:
                    out[code] = held
        return out

    def _selecting(self, wl: Workload) -> tuple[set[str], set[Node]]:
        """The policies whose targets select something in ``wl`` (``DataIndex.selects`` of
        each, worked out from the workload's classes and predicates in one pass), and which
        target and cross-reference predicates the workload uses."""
        index = DataIndex(wl.graph, self._index_predicates)
        out = set(self._always)
        by_class, by_predicate = self._by_class, self._by_predicate
        for c in index.types:
            codes = by_class.get(c)
            if codes:
                out.update(codes)
        for p in index.predicates:
            out.update(by_predicate.get(p, ()))
        return out, index.predicates

    def _practices(self, outcomes: dict[str, str], declared_na: dict[str, str]
                   ) -> dict[str, PracticeResult]:
        out = {}
        for p, codes in self._practice_codes:
            if p.id2025 in self._not_applicable:
                out[p.id2025] = PracticeResult(p.id2025, PracticeStatus.NOT_APPLICABLE, codes,
                                               self._not_applicable[p.id2025])
                continue
            if p.id2025 in declared_na:
                out[p.id2025] = PracticeResult(p.id2025, PracticeStatus.NOT_APPLICABLE, codes,
                                               declared_na[p.id2025])
                continue
            status = practice_status(outcomes[c] for c in codes)
            out[p.id2025] = PracticeResult(p.id2025, status, codes,
                                           self._reason(status, codes, outcomes))
        return out

    def _reason(self, status: PracticeStatus, codes: tuple[str, ...],
                outcomes: dict[str, str]) -> str:
        """Why a practice has ``status`` when the status alone does not say it."""
        if not codes:
            return "no selected policy implements this practice"
        if status is PracticeStatus.DECLARED:
            return ("only self-declared flags or free text say so "
                    f"({', '.join(c for c in codes if outcomes[c] == 'declared')})")
        if status is not PracticeStatus.NOT_ASSESSED:
            return ""
        deferred = [c for c in codes if outcomes[c] == "deferred"]
        if deferred:
            stages = sorted({STAGES[self._from_stage[c]] for c in deferred},
                            key=STAGES.index)
            return (f"assessed once the workload's lifecycle_stage is {' or '.join(stages)} "
                    f"({', '.join(deferred)})")
        needs = [f"{c} needs {self._needs[c]}" for c in codes if c in self._needs]
        return ("the workload has nothing these policies check"
                + (f": {'; '.join(needs)}" if needs else ""))

    def _questions(self, practices: dict[str, PracticeResult]) -> dict[str, QuestionRisk]:
        per_q: dict[str, list[tuple[str, PracticeStatus]]] = defaultdict(list)
        for p in self._lens.practices:
            per_q[p.question].append((p.risk, practices[p.id2025].status))
        return {q.id: question_risk(per_q.get(q.id, [])) for q in self._lens.questions}


def _held(p: Policy) -> str:
    """What a policy that holds on a workload is called: attested, verified or declared."""
    if p.kind is CheckKind.ATTESTATION:
        return "attested"
    return "verified" if p.evidence is Evidence.STRUCTURE else "declared"


#: Links that place or gate a component (its environment, account, the workload's metric
#: list, the model an endpoint serves) rather than corroborate a practice
_WEAK_LINKS = frozenset({"environment", "account", "hasEvaluationMetric", "servesModel",
                         "hasComponent", "hasAttestation"})


@cache
def _cross_reference_predicates() -> frozenset[str]:
    """Local names of the format's predicates that link one described node to another."""
    from engine.workload.spec import KINDS, WORKLOAD_FIELDS, Field

    out: set[str] = set()

    def walk(fields: tuple[Field, ...]) -> None:
        for f in fields:
            if f.type in ("ref", "items"):
                out.add(f.predicate)
            elif f.type == "group":
                walk(f.fields)

    for kind in KINDS:
        walk(kind.fields)
        if kind.link:
            out.discard(kind.link)
    walk(WORKLOAD_FIELDS)
    return frozenset(out - _WEAK_LINKS - {k.link for k in KINDS if k.link})


def structural_links(p: Policy) -> frozenset[Node]:
    """The cross-reference predicates ``p``'s shapes follow (paths and SPARQL text)."""
    import re

    from engine.vocab import MLWA

    names = _cross_reference_predicates()
    prefix = str(MLWA)
    found: set[str] = set()
    for triple in p.graph:
        for term in triple:
            text = str(term)
            if text.startswith(prefix):
                found.add(text[len(prefix):])
            elif "mlwa:" in text:
                found.update(re.findall(r"mlwa:(\w+)", text))
    return frozenset(MLWA[n] for n in found & names)


def _triples_about(wl: Workload, predicates: frozenset[Node]) -> list[tuple[Node, Node, Node]]:
    """The workload's triples with one of ``predicates``, read without making rdflib index
    a lifted graph that has not been indexed yet (a portfolio tally never needs it)."""
    from rdflib import Graph

    pending = getattr(wl.graph.store, "pending_triples", None)
    triples = (pending() if pending is not None and type(wl.graph).triples is Graph.triples
               else None)
    if triples is None:
        return [t for p in predicates for t in wl.graph.triples((None, p, None))]
    return [t for t in triples if t[1] in predicates]


@cache
def _attestation_predicates() -> frozenset[Node]:
    from engine.vocab import MLWA

    return frozenset({MLWA.attestationStatus, MLWA.attestsPractice, MLWA.evidence,
                      MLWA.note, MLWA.attestedBy})


def lifecycle_stage(wl: Workload) -> str | None:
    from engine.vocab import MLWA

    for s, _, o in _triples_about(wl, frozenset({MLWA.lifecycleStage})):
        if s == wl.root:
            return str(o)
    return None


def not_applicable_in(wl: Workload) -> dict[str, str]:
    """Practices the workload file attests ``status: not-applicable`` (2025 id -> reason)."""
    from engine.vocab import MLWA

    facts: dict[Node, dict[Node, str]] = defaultdict(dict)
    for s, p, o in _triples_about(wl, _attestation_predicates()):
        facts[s][p] = str(o)
    out: dict[str, str] = {}
    for f in facts.values():
        practice = f.get(MLWA.attestsPractice)
        if practice is None or f.get(MLWA.attestationStatus) != "not-applicable":
            continue
        why = f.get(MLWA.evidence) or f.get(MLWA.note)
        who = f.get(MLWA.attestedBy)
        out[practice.rsplit("/", 1)[-1]] = (
            "the workload file attests it is not applicable"
            + (f" ({who})" if who is not None else "") + (f": {why}" if why is not None else ""))
    return out


def _prepared_bundle(policies: list[Policy], engine: str
                     ) -> tuple[Graph, dict[Node, str], Prepared, dict[str, TargetSpec]]:
    """The merged shapes, their owners, the backend's prepared form and each policy's targets.

    Built-in policies only: read back from the on-disk cache (engine.cache) when an earlier
    process prepared the same files for the same engine. Custom policies are evaluated in a
    sandboxed child (engine.policies.custom) and are always prepared afresh."""
    from engine.policies.custom import is_trusted, prepare_policies

    def build() -> tuple[Graph, dict[Node, str], Prepared, dict[str, TargetSpec]]:
        shapes, owner = shapes_graph(policies)
        prepared = prepare_policies(policies, shapes, engine, ontology=class_hierarchy())
        # Vacuity: each policy's targets resolved once, so a workload needs one index
        targets = {p.code: TargetSpec.of(p.shape, shapes) for p in policies}
        return shapes, owner, prepared, targets

    if not policies or not all(p.digest and is_trusted(p) for p in policies):
        return build()
    from engine.cache import cached

    key = (engine, tuple((p.code, p.pack, p.digest) for p in policies))
    return cached("prepared", key, build, valid=_prepared_shape)


def _prepared_shape(value: Any) -> bool:
    """A cache entry for :func:`prepare` is the 4-tuple it builds, with the right types."""
    from rdflib import Graph

    return (isinstance(value, tuple) and len(value) == 4 and isinstance(value[0], Graph)
            and isinstance(value[1], dict) and isinstance(value[3], dict))


def focus_label(wl: Workload, focus: Node) -> str:
    from engine.vocab import workload_node_iri

    if focus == wl.root:
        return "workload"
    prefix = workload_node_iri(wl.id) + "/"
    text = str(focus)
    if text.startswith(prefix):
        from urllib.parse import unquote

        return unquote(text[len(prefix):])
    return text


# ------------------------------------------------------------------------------ convenience

def select_policies(catalog: Catalog, profile: Tailoring | None, codes: Sequence[str] = ()
                    ) -> list[Policy]:
    """The policies a run uses: the profile's selection (or the whole catalogue), narrowed
    to ``codes`` when given. `mlwa validate` and `mlwa portfolio` workers both call it."""
    policies = profile.select(catalog) if profile else catalog.select(codes=codes)
    if profile and codes:
        wanted = {c.upper() for c in codes}
        policies = [p for p in policies if p.code in wanted]
    return list(policies)


def validate_paths(files: Sequence[str | Path], *, packs: Sequence[Path] = (),
                   codes: Sequence[str] = (), engine: str = "reference", edition: str = "2025",
                   as_of: dt.date | None = None, profile: Tailoring | None = None,
                   waivers: WaiverSet | None = None, max_bytes: int | None = None,
                   keep_going: bool = False, workloads: Sequence[Workload] = ()) -> Report:
    """Load and validate files (and ``workloads`` already loaded, e.g. imported from
    infrastructure code). Input errors raise unless ``keep_going`` (then they are listed)."""
    from engine.workload import DEFAULT_MAX_BYTES, load_workload

    as_of = as_of or dt.date.today()
    catalog = builtin_catalog() if not packs else load_catalog(packs)
    policies = select_policies(catalog, profile, codes)
    validator = Validator(policies, engine=engine, edition=edition, as_of=as_of, profile=profile,
                          waivers=waivers)
    reports, errors = [], []
    for f in files:
        try:
            wl = load_workload(Path(f), max_bytes=max_bytes or DEFAULT_MAX_BYTES, as_of=as_of)
            # custom-lens reviews: lens files are looked up beside the workload file only
            reviews = []
            if wl.reviews:  # the custom-lens reader is imported only when there is one
                from engine.validate.reviews import evaluate_reviews

                reviews = evaluate_reviews(wl, Path(f).parent)
        except InputError as exc:
            if not keep_going:
                raise
            errors.extend(exc.lines())
            continue
        report = validator.validate(wl)
        report.reviews = reviews
        report.notes.extend(wl.notes)
        reports.append(_note_provenance(wl, report))
    for wl in workloads:
        report = validator.validate(wl)
        report.notes.extend(wl.notes)
        reports.append(_note_provenance(wl, report))
    return Report(workloads=reports, engine=engine,
                  packs={p.id: p.version for p in catalog.packs}, policies=len(validator.policies),
                  as_of=as_of.isoformat(), edition=edition, errors=errors,
                  policy_index={p.code: p for p in validator.policies})


def _note_provenance(wl: Workload, report: WorkloadReport) -> WorkloadReport:
    """Say how many components were read from infrastructure code (``provenance`` blocks
    written by ``mlwa workload import``): their facts are verified from the code, and
    findings on them point at the code's lines."""
    if "provenance" not in wl.source_text:
        return report
    from engine.vocab import MLWA

    tools = [str(o) for o in wl.graph.objects(None, MLWA.provenanceTool)]
    if tools:
        kinds = ", ".join(f"{tools.count(t)} {t}" for t in sorted(set(tools)))
        report.notes.append(f"{len(tools)} component(s) read from infrastructure code "
                            f"({kinds}): their facts are verified from the code and "
                            "findings on them point at its lines")
    return report


def validate_workload(wl: Workload, *, catalog: Catalog | None = None, engine: str = "reference",
                      edition: str = "2025", as_of: dt.date | None = None,
                      profile: Tailoring | None = None, waivers: WaiverSet | None = None) -> Report:
    """Validate one loaded workload (the app's entry point)."""
    catalog = catalog or builtin_catalog()
    as_of = as_of or dt.date.today()
    policies = profile.select(catalog) if profile else catalog.select()
    validator = Validator(policies, engine=engine, edition=edition, as_of=as_of, profile=profile,
                          waivers=waivers)
    report = validator.validate(wl)
    if wl.reviews:  # no trusted folder to find lens files in (see engine.validate.reviews)
        report.notes.append("custom-lens reviews were not evaluated: lens files are read "
                            "only from beside a workload file on disk (mlwa validate)")
    return Report(workloads=[report], engine=engine,
                  packs={p.id: p.version for p in catalog.packs}, policies=len(validator.policies),
                  as_of=as_of.isoformat(), edition=edition,
                  policy_index={p.code: p for p in validator.policies})


_ = QuestionRisk  # re-exported for callers that build reports by hand
