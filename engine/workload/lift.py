"""Stage two: lift a structurally valid document to RDF, driven by the spec.

One pass over the document creates nodes and literal triples and records references;
references are resolved at the end, so a reference may point forwards. Every problem
found here (dangling or ambiguous reference, duplicate name, impossible date, unknown
practice id) is collected and raised together as one :class:`InputError`.

Why this file is long: one lifting pass over every kind of the format, from YAML to triples.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import quote

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.namespace import NamespaceManager
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

from engine.errors import ErrorList, Location
from engine.paths import ontology_file
from engine.vocab import MLWA, practice_iri, workload_node_iri
from engine.workload.answers import ReviewAnswer, ReviewRequest
from engine.workload.generate import ancestors
from engine.workload.safeyaml import Path_, Positions, pointer
from engine.workload.spec import (
    KIND_BY_ID,
    KINDS,
    PARENT_OF,
    WORKLOAD_FIELDS,
    Field,
    Kind,
    hardware_class,
)

COMPONENT_KINDS = {k.id for k in KINDS if "Component" in ancestors(k.cls)}
_SAFE = "-._~:@+"

# predicates by local name, built once
_P: dict[str, URIRef] = {}


def P(name: str) -> URIRef:
    p = _P.get(name)
    if p is None:
        p = _P[name] = URIRef(MLWA + name)
    return p


@cache
def practice_ids() -> tuple[dict[str, str], dict[str, str]]:
    """(any-edition id -> 2025 id, 2025 id -> title) from the bundled JSON."""
    with ontology_file("practice-ids.json").open(encoding="utf-8") as fh:
        doc = json.load(fh)
    return doc["ids"], doc["titles"]


class LazyLocations(Mapping[Any, Location]):
    """Node (or node and predicate) -> Location, built on first access.

    Lifting records only the document path of each entry; the Location object (with its
    readable path) is made when a finding asks for it, which keeps lifting fast."""

    def __init__(self, filename: str | None, positions: Positions, keys: bool) -> None:
        self._filename = filename
        self._positions = positions
        self._keys = keys
        self._paths: dict[Any, Path_] = {}
        self._made: dict[Any, Location] = {}

    def record(self, item: Any, path: Path_) -> None:
        self._paths.setdefault(item, path)

    @property
    def record_path(self) -> Callable[[Any, Path_], Any]:
        """:meth:`record` as a bound method of the table itself (one call less per use)."""
        return self._paths.setdefault

    def __contains__(self, item: object) -> bool:
        return item in self._paths

    def get(self, item: Any, default: Any = None) -> Any:
        """``Mapping.get`` without its ``KeyError`` round trip (most findings ask for a key
        that is not there: the property of a node the document does not write)."""
        loc = self._made.get(item)
        if loc is not None:
            return loc
        return self[item] if item in self._paths else default

    def __getitem__(self, item: Any) -> Location:
        loc = self._made.get(item)
        if loc is None:
            path = self._paths[item]
            pos = self._positions.key(path) if self._keys else self._positions.value(path)
            loc = self._made[item] = Location(self._filename, pos[0], pos[1], pointer(path))
        return loc

    def __iter__(self) -> Iterator[Any]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


_TRUE = Literal(True)
_FALSE = Literal(False)
_CACHE: dict[tuple[str, Any], Literal] = {}


# ---------------------------------------------------------------- building terms quickly

_LITERAL_SLOTS = ("_language", "_datatype", "_value", "_ill_typed")


def _plain_literal_maker() -> Callable[[str], Literal]:
    """``Literal(text)`` for a str without datatype or language, without rdflib's
    conversions: about 20 times faster, same object. Used only where a probe shows this
    rdflib builds plain literals exactly so (else ``Literal`` itself)."""
    if tuple(getattr(Literal, "__slots__", ())) != _LITERAL_SLOTS:
        return Literal
    new = str.__new__

    def plain(text: str) -> Literal:
        lit = new(Literal, text)
        lit._language = None
        lit._datatype = None
        lit._value = text
        lit._ill_typed = None
        return lit

    for probe in ("text", "", " x\n", "1", "true", "é €"):
        made, real = plain(probe), Literal(probe)
        if type(made) is not type(real) or str(made) != str(real) or any(
                getattr(made, a) != getattr(real, a) for a in _LITERAL_SLOTS):
            return Literal
    return plain


plain_literal = _plain_literal_maker()

# IRIs the lifter builds are valid by construction (the workload id matches the schema's
# pattern, names are percent-encoded), so URIRef's character check is skipped.
_SAFE_NAME = re.compile(r"[A-Za-z0-9_.~:@+-]*")


def _iri(text: str) -> URIRef:
    return str.__new__(URIRef, text)


def _quoted(name: str) -> str:
    """``quote(name, safe=_SAFE)``; names are usually made of safe characters only."""
    return name if _SAFE_NAME.fullmatch(name) else quote(name, safe=_SAFE)


# ---------------------------------------------------------------- the graph

class WorkloadGraph(Graph):
    """The graph of a workload: an rdflib Graph whose namespace manager (rdflib's usual
    prefixes, then ``mlwa:``) is made when first used. Made eagerly, it cost about as much
    as the rest of lifting a small workload (0.15-0.25 ms), and tied graph and manager in
    a reference cycle that only the garbage collector could free; validation never asks
    for it."""

    _mlwa_unbound = True  # per instance once bound

    @property  # type: ignore[override]
    def namespace_manager(self) -> NamespaceManager:
        manager: NamespaceManager = Graph.namespace_manager.fget(self)  # type: ignore[attr-defined]
        if self._mlwa_unbound:
            self._mlwa_unbound = False
            manager.bind("mlwa", MLWA)
        return manager

    @namespace_manager.setter
    def namespace_manager(self, manager: NamespaceManager) -> None:
        if self._mlwa_unbound:  # the store holds what an eager binding would have put there
            self.namespace_manager  # noqa: B018
        Graph.namespace_manager.fset(self, manager)  # type: ignore[attr-defined]

    def __reduce__(self) -> tuple[Any, ...]:
        return (WorkloadGraph, (self.store, self.identifier))


def _index_directly(store: SimpleMemory, triples: Iterable[tuple[Node, Node, Node]]) -> bool:
    """Fill SimpleMemory's three indexes as ``store.add`` would (same nesting, same
    insertion order), without a method call and three exceptions per new key. False when
    this rdflib's SimpleMemory is not laid out as expected (then nothing was touched)."""
    spo = getattr(store, "_SimpleMemory__spo", None)
    pos = getattr(store, "_SimpleMemory__pos", None)
    osp = getattr(store, "_SimpleMemory__osp", None)
    if type(spo) is not dict or type(pos) is not dict or type(osp) is not dict \
            or spo or pos or osp:
        return False
    spo_get = spo.get
    pos_get = pos.get
    osp_setdefault = osp.setdefault
    for s, p, o in triples:
        po = spo_get(s)
        if po is None:
            spo[s] = {p: {o: 1}}
        else:
            objects = po.get(p)
            if objects is None:
                po[p] = {o: 1}
            else:
                objects[o] = 1
        os_ = pos_get(p)
        if os_ is None:
            pos[p] = {o: {s: 1}}
        else:
            os_.setdefault(o, {})[s] = 1
        sp = osp_setdefault(o, {})
        predicates = sp.get(s)
        if predicates is None:
            sp[s] = {p: 1}
        else:
            predicates[p] = 1
    return True


_INDEXING = threading.Lock()


class LiftedStore(SimpleMemory):
    """rdflib's SimpleMemory holding the triples of a lifted workload, indexed only when
    something first reads or changes it through rdflib. Until then :meth:`pending_triples`
    hands the lifted list itself to whoever can read triples as they are (the fast engine,
    the vacuity check): a portfolio never pays for rdflib's three indexes of a workload it
    only validates. Once indexed, it is a SimpleMemory like any other (same order)."""

    def __init__(self, triples: list[tuple[Node, Node, Node]]) -> None:
        super().__init__()
        self._pending: list[tuple[Node, Node, Node]] | None = triples

    def pending_triples(self) -> list[tuple[Node, Node, Node]] | None:
        """The triples as lifted (the list itself: read, do not change it; duplicates are
        possible), or None once the store is indexed."""
        return self._pending

    def _index(self) -> None:
        # One thread fills the indexes; another that reads meanwhile waits here, and finds
        # them complete (``_pending`` goes to None only once they are).
        with _INDEXING:
            pending = self._pending
            if pending is None:
                return
            if pending and not _index_directly(self, pending):
                for triple in pending:  # terms are built by the lifter: no Graph.add checks
                    SimpleMemory.add(self, triple, None, False)  # type: ignore[arg-type]
            self._pending = None

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        if self._pending is not None:
            self._index()
        super().add(triple, context, quoted)

    def remove(self, triple: Any, context: Any = None) -> None:
        if self._pending is not None:
            self._index()
        super().remove(triple, context)

    def triples(self, triple_pattern: Any, context: Any = None) -> Any:
        if self._pending is not None:
            self._index()
        return super().triples(triple_pattern, context)

    def __len__(self, context: Any = None) -> int:
        if self._pending is not None:
            self._index()
        return super().__len__(context)


def build_graph(triples: list[tuple[Node, Node, Node]], *, direct: bool = True) -> Graph:
    """The graph of ``triples``: a :class:`WorkloadGraph` on a :class:`LiftedStore`
    (indexed when first read, without the context bookkeeping a workload graph never needs;
    about four times faster to fill than the default store). ``direct=False`` fills a plain
    SimpleMemory through ``store.add`` at once (the reference the tests compare with)."""
    if direct:
        return WorkloadGraph(store=LiftedStore(triples))
    graph = WorkloadGraph(store=SimpleMemory())
    store_add = graph.store.add
    for triple in triples:  # terms are built by the lifter, so skip Graph.add's checks
        store_add(triple, graph, False)  # type: ignore[arg-type]
    return graph


@dataclass
class _Ref:
    subject: URIRef
    predicate: URIRef
    kinds: tuple[str, ...]
    value: str
    path: Path_


@dataclass
class Lifted:
    graph: Graph
    root: URIRef
    locations: Mapping[Node, Location] = field(default_factory=dict)
    property_locations: Mapping[tuple[Node, URIRef], Location] = field(default_factory=dict)
    reviews: tuple[ReviewRequest, ...] = ()


class Lifter:
    def __init__(self, data: dict[str, Any], positions: Positions, filename: str | None,
                 as_of: dt.date) -> None:
        self.data = data
        self.pos = positions
        self.filename = filename
        self.as_of = as_of
        self.triples: list[tuple[Node, Node, Node]] = []
        self.refs: list[_Ref] = []
        self.names: dict[str, dict[str, URIRef]] = {k.id: {} for k in KINDS}
        self.errors = ErrorList()
        self.reviews: list[ReviewRequest] = []
        self.locations = LazyLocations(filename, positions, keys=False)
        self.prop_locations = LazyLocations(filename, positions, keys=True)
        self.wid = str(data["id"])
        self.root = URIRef(workload_node_iri(self.wid))

    # -- positions
    def loc(self, path: Path_) -> Location:
        line, col = self.pos.value(path)
        return Location(self.filename, line, col, pointer(path))

    # -- the walk
    def run(self) -> Lifted:
        add = self.triples.append
        add((self.root, RDF.type, P("Workload")))
        add((self.root, P("assessedOn"), _memo("a", self.as_of, Literal, self.as_of)))
        self.locations.record(self.root, ())
        self.fields(self.root, WORKLOAD_FIELDS, self.data, (), self.root, None)
        self.resolve()
        self.errors.problems.sort(key=lambda p: (p.location.line or 0, p.location.column or 0))
        self.errors.raise_if_any("the workload description has errors")
        return Lifted(build_graph(self.triples), self.root, self.locations,
                      self.prop_locations, tuple(self.reviews))

    def fields(self, node: URIRef, specs: tuple[Field, ...], data: dict[str, Any],
               path: Path_, base: URIRef, parent_name: str | None) -> None:
        add = self.triples.append
        plan = _plan(specs)
        record = self.prop_locations.record_path
        for key, value in data.items():
            entry = plan.get(key)
            if entry is None or value is None:
                continue  # "$schema", or a null value: nothing stated
            f, pred, t, make, hardware = entry
            fpath = (*path, key)
            if make is not None:  # literals: the usual case
                kept = value if f.many else (value,)
                if t in _FREE_TEXT and key not in _NAME_KEYS and f.pattern is None:
                    # a placeholder is no evidence: as if unstated
                    kept = [one for one in kept if not is_placeholder(one, t)]
                    if not kept:
                        continue
                record((node, pred), fpath)
                for one in kept:
                    add((node, pred, make(one)))
                    if hardware:
                        self.hardware(node, one)
                continue
            if t == "group":
                self.fields(node, f.fields, value, fpath, base, parent_name)
                continue
            if t == "items":
                assert f.kind is not None
                kind = KIND_BY_ID[f.kind]
                seq = value if f.many else [value]
                for idx, item in enumerate(seq):
                    ipath = (*fpath, idx) if f.many else fpath
                    child = self.item(kind, f.key, item, ipath, base, parent_name, idx)
                    if child is not None:
                        add((node, pred, child))
                        record((node, pred), fpath)
                continue
            record((node, pred), fpath)
            if t == "answers":
                for qid, chosen in value.items():
                    for cid in chosen or ():
                        add((node, pred, plain_literal(f"{qid}={cid}")))
                continue
            if t == "tags":
                tag_key = P("tagKey")
                for tkey, tval in value.items():
                    add((node, tag_key, plain_literal(tkey)))
                    text = tval if isinstance(tval, str) else json.dumps(tval)
                    add((node, pred, plain_literal(f"{tkey}={text}")))
                continue
            values = value if f.many else [value]
            for idx, one in enumerate(values):
                vpath = (*fpath, idx) if f.many else fpath
                if t == "ref":
                    self.refs.append(_Ref(node, pred, f.refs, str(one), vpath))
                    continue
                if t == "date":
                    try:
                        lit = _memo("d", str(one), _date_literal, str(one))
                    except ValueError:
                        self.errors.add(self.loc(vpath),
                                        f"{describe_date(one)} is not a real date")
                        continue
                else:
                    lit = plain_literal(str(one))
                add((node, pred, lit))
                if hardware:
                    self.hardware(node, one)

    def hardware(self, node: URIRef, instance_type: Any) -> None:
        if not isinstance(instance_type, str):
            return
        hw = _hardware(instance_type)
        if hw:
            add = self.triples.append
            add((node, P("instanceFamily"), hw[0]))
            add((node, P("hardwareClass"), hw[1]))

    def item(self, kind: Kind, key: str, item: dict[str, Any], path: Path_, base: URIRef,
             parent_name: str | None, idx: int) -> URIRef | None:
        raw = item.get(kind.name_key)
        name = str(raw) if raw is not None else str(idx)
        iri = _iri(f"{base}/{_quoted(key)}/{_quoted(name)}")
        refname = f"{parent_name}/{name}" if parent_name and kind.id in PARENT_OF else name
        table = self.names[kind.id]
        if iri in self.locations:
            self.errors.add(self.loc((*path, kind.name_key)),
                            f"the name {json.dumps(name)} is used twice in `{key}` (first at "
                            f"line {self.locations[iri].line}); names must be unique")
            return None
        if kind.id == "metrics" and base == self.root:
            # `linked_metrics: [auc]` means the workload's evaluation metric, not a model
            # version's measurement of the same name, wherever the two are written.
            table[refname] = iri
        else:
            table.setdefault(refname, iri)
        self.locations.record(iri, path)
        add = self.triples.append
        add((iri, RDF.type, P(kind.cls)))
        if kind.id in COMPONENT_KINDS:
            add((self.root, P("hasComponent"), iri))
        self.fields(iri, kind.fields, item, path, iri, name)
        if kind.id == "permissions":
            self.derive_wildcards(iri, item)
        elif kind.id == "iam_roles":
            self.derive_role_wildcards(iri, item)
        elif kind.id == "attestations":
            self.derive_attestation(iri, item, path)
        elif kind.id == "reviews":
            self.reviews.append(self.review_request(item, path))
        return iri

    # -- derived facts
    def derive_wildcards(self, iri: URIRef, item: dict[str, Any]) -> None:
        actions = item.get("actions") or []
        resources = item.get("resources") or []
        allow = item.get("effect", "allow") == "allow"
        wa = allow and any(a == "*" or str(a).endswith(":*") for a in actions)
        wr = allow and any(r == "*" for r in resources)
        self.triples.append((iri, P("hasWildcardAction"), _TRUE if wa else _FALSE))
        self.triples.append((iri, P("hasWildcardResource"), _TRUE if wr else _FALSE))

    def derive_role_wildcards(self, iri: URIRef, item: dict[str, Any]) -> None:
        wa = wr = False
        for st in item.get("permissions") or []:
            if st.get("effect", "allow") != "allow":
                continue
            wa = wa or any(a == "*" or str(a).endswith(":*") for a in st.get("actions") or [])
            wr = wr or any(r == "*" for r in st.get("resources") or [])
        for name in item.get("managed_policies") or []:
            # AWS managed "FullAccess" and admin policies grant service:* on *
            if name.endswith("FullAccess") or name in ("AdministratorAccess", "PowerUserAccess"):
                wa = wr = True
        self.triples.append((iri, P("hasWildcardAction"), _TRUE if wa else _FALSE))
        self.triples.append((iri, P("hasWildcardResource"), _TRUE if wr else _FALSE))

    def review_request(self, item: dict[str, Any], path: Path_) -> ReviewRequest:
        answers = []
        for qid, chosen in (item.get("answers") or {}).items():
            apath = (*path, "answers", qid)
            line, col = self.pos.key(apath)
            choices = tuple(str(c) for c in chosen or ())
            answers.append(ReviewAnswer(
                str(qid), choices, Location(self.filename, line, col, pointer(apath)),
                tuple(self.loc((*apath, i)) for i in range(len(choices)))))
        return ReviewRequest(str(item["lens"]), self.loc((*path, "lens")), tuple(answers))

    def derive_attestation(self, iri: URIRef, item: dict[str, Any], path: Path_) -> None:
        ids, _titles = practice_ids()
        written = str(item["practice"])
        new = ids.get(written) or ids.get(written.upper())
        if new is None:
            near = difflib.get_close_matches(written.upper(), list(ids), n=3, cutoff=0.5)
            hint = (" (nearest known: " + ", ".join(near) + ")") if near else ""
            self.errors.add(self.loc((*path, "practice")),
                            f"unknown practice id {json.dumps(written)}{hint}")
        else:
            self.triples.append((iri, P("attestsPractice"), _practice(new)))
        try:
            when = dt.date.fromisoformat(str(item["date"]))
        except ValueError:
            return  # reported by literal()
        if when > self.as_of:
            self.errors.add(self.loc((*path, "date")),
                            f"the attestation date {when} is after the assessment date "
                            f"{self.as_of}")
            return
        days = (self.as_of - when).days
        self.triples.append((iri, P("ageDays"), _memo("i", days, _integer_literal, days)))

    # -- references
    def resolve(self) -> None:
        add = self.triples.append
        for ref in self.refs:
            hits = [(k, self.names[k][ref.value]) for k in ref.kinds
                    if ref.value in self.names[k]]
            if len(hits) == 1:
                add((ref.subject, ref.predicate, hits[0][1]))
                continue
            where = " or ".join(_kind_phrase(k) for k in ref.kinds)
            if not hits:
                known = [n for k in ref.kinds for n in self.names[k]]
                close = difflib.get_close_matches(ref.value, known, n=1, cutoff=0.6)
                hint = f" (did you mean {json.dumps(close[0])}?)" if close else ""
                if not known:
                    hint = f" (the file declares no {where})"
                if any(k in PARENT_OF for k in ref.kinds):
                    hint += "; nested items are named <parent>/<name>, e.g. fraud-xgb/3"
                self.errors.add(self.loc(ref.path),
                                f"refers to {json.dumps(ref.value)}, which is not the name "
                                f"of any {where} item{hint}")
            else:
                self.errors.add(self.loc(ref.path),
                                f"{json.dumps(ref.value)} is ambiguous: it names items in "
                                + " and ".join(_kind_phrase(k) for k, _ in hits)
                                + "; rename one of them")


#: Field types whose values are free text, where placeholders are written
_FREE_TEXT = frozenset({"text", "string", "uri"})
#: Keys that name a node: kept whatever they say (references resolve through them)
_NAME_KEYS = frozenset({"id", "name", "practice", "lens", "version"})
_PLACEHOLDERS = frozenset({
    "x", "xx", "xxx", "tbd", "tba", "tbc", "todo", "to do", "n/a", "na", "none", "nil",
    "null", "-", "?", "fixme", "placeholder", "unknown", "lorem ipsum", "changeme",
    "change me", "asdf", "dummy", "yes", "no", "true", "false", "ok", "done", "see above",
    "same", "etc", "whatever", "later"})


def is_placeholder(value: Any, field_type: str = "text") -> bool:
    """True for a value that states nothing: ``x``, ``tbd``, ``todo``, ``n/a``, ``-``,
    ``...``, one character repeated, or (free text) fewer than three letters or digits.
    A placeholder never counts as evidence: the lifter leaves it out of the graph."""
    text = str(value).strip().lower()
    bare = text.strip(" .…!?*_~-:;,'\"`")
    if not bare or bare in _PLACEHOLDERS or text in _PLACEHOLDERS:
        return True
    compact = bare.replace(" ", "")
    if len(compact) > 1 and len(set(compact)) == 1:
        return True
    return field_type == "text" and sum(ch.isalnum() for ch in bare) < 3


def _boolean_literal(value: Any) -> Literal:
    return _TRUE if value else _FALSE


def _enum_literal(value: Any) -> Literal:
    return _memo("s", value, Literal, value)


def _integer_literal(value: Any) -> Literal:
    return Literal(int(value), datatype=XSD.integer)


def _integer(value: Any) -> Literal:
    return _memo("i", value, _integer_literal, value)


def _decimal_literal(text: str) -> Literal:
    return Literal(Decimal(text), datatype=XSD.decimal)


def _number(value: Any) -> Literal:
    text = str(value)
    return _memo("n", text, _decimal_literal, text)


def _date_literal(text: str) -> Literal:
    return Literal(dt.date.fromisoformat(text))


def _uri(value: Any) -> Literal:
    return Literal(str(value), datatype=XSD.anyURI)


def _text(value: Any) -> Literal:
    return plain_literal(str(value).strip())


def _string(value: Any) -> Literal:
    return plain_literal(str(value))


#: Literal builders by field type, for the types whose every value makes one literal
#: (dates can be impossible days, reported with their position: built in the walk).
_MAKERS: dict[str, Callable[[Any], Literal]] = {
    "boolean": _boolean_literal, "enum": _enum_literal, "integer": _integer,
    "number": _number, "uri": _uri, "text": _text, "string": _string}

_Plan = dict[str, tuple[Field, URIRef, str, Callable[[Any], Literal] | None, bool]]
_PLANS: dict[int, _Plan] = {}


def _plan(specs: tuple[Field, ...]) -> _Plan:
    """Per key of a mapping: its field, predicate IRI, type, literal builder, and whether
    its values are instance types (which also state the family and hardware class)."""
    plan = _PLANS.get(id(specs))
    if plan is None:
        plan = _PLANS[id(specs)] = {
            f.key: (f, P(f.predicate), f.type, _MAKERS.get(f.type),
                    f.predicate == "instanceType") for f in specs}
    return plan


def _memo(kind: str, key: Any, make: Callable[[Any], Literal], arg: Any) -> Literal:
    """A literal from the bounded cache (kind and key determine it), else ``make(arg)``."""
    ck = (kind, key)
    lit = _CACHE.get(ck)
    if lit is None:
        lit = make(arg)
        if len(_CACHE) < 10_000:
            _CACHE[ck] = lit
    return lit


_HARDWARE: dict[str, tuple[Literal, Literal] | None] = {}


def _hardware(instance_type: str) -> tuple[Literal, Literal] | None:
    if instance_type in _HARDWARE:
        return _HARDWARE[instance_type]
    hw = hardware_class(instance_type)
    found = (plain_literal(hw[0]), plain_literal(hw[1])) if hw else None
    if len(_HARDWARE) < 1_000:
        _HARDWARE[instance_type] = found
    return found


_PRACTICES: dict[str, URIRef] = {}


def _practice(id_2025: str) -> URIRef:
    iri = _PRACTICES.get(id_2025)
    if iri is None:
        iri = _PRACTICES[id_2025] = URIRef(practice_iri(id_2025))
    return iri


def _kind_phrase(kind_id: str) -> str:
    parent = PARENT_OF.get(kind_id)
    if parent is None:
        return f"`{kind_id}`"
    key = next(f.key for f in KIND_BY_ID[parent].fields if f.kind == kind_id)
    return f"`{parent}[].{key}`"


def describe_date(value: Any) -> str:
    return json.dumps(str(value))


def lift(data: dict[str, Any], positions: Positions, filename: str | None,
         as_of: dt.date) -> Lifted:
    return Lifter(data, positions, filename, as_of).run()
