"""Stage two: lift a structurally valid document to RDF, driven by the spec.

One pass over the document creates nodes and literal triples and records references;
references are resolved at the end, so a reference may point forwards. Every problem
found here (dangling or ambiguous reference, duplicate name, impossible date, unknown
practice id) is collected and raised together as one :class:`InputError`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import quote

from rdflib import RDF, XSD, Graph, Literal, URIRef
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

    def __contains__(self, item: object) -> bool:
        return item in self._paths

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


def _cached(kind: str, value: Any, make: Any) -> Literal:
    key = (kind, value)
    lit = _CACHE.get(key)
    if lit is None:
        lit = make()
        if len(_CACHE) < 10_000:
            _CACHE[key] = lit
    return lit


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
        add((self.root, P("assessedOn"), Literal(self.as_of)))
        self.locations.record(self.root, ())
        self.fields(self.root, WORKLOAD_FIELDS, self.data, (), self.root, None)
        self.resolve()
        self.errors.problems.sort(key=lambda p: (p.location.line or 0, p.location.column or 0))
        self.errors.raise_if_any("the workload description has errors")
        # SimpleMemory: indexed, without the context bookkeeping a workload graph never
        # needs; about four times faster to fill than the default store.
        graph = Graph(store="SimpleMemory")
        graph.bind("mlwa", MLWA)
        store_add = graph.store.add
        for triple in self.triples:  # terms are built here, so skip Graph.add's checks
            store_add(triple, graph, False)
        return Lifted(graph, self.root, self.locations, self.prop_locations,
                      tuple(self.reviews))

    def fields(self, node: URIRef, specs: tuple[Field, ...], data: dict[str, Any],
               path: Path_, base: URIRef, parent_name: str | None) -> None:
        add = self.triples.append
        by_key = _by_key(specs)
        for key, value in data.items():
            f = by_key.get(key)
            if f is None or value is None:
                continue  # "$schema", or a null value: nothing stated
            fpath = (*path, key)
            pred = P(f.predicate)
            if f.type == "group":
                self.fields(node, f.fields, value, fpath, base, parent_name)
                continue
            if f.type == "items":
                assert f.kind is not None
                kind = KIND_BY_ID[f.kind]
                seq = value if f.many else [value]
                for idx, item in enumerate(seq):
                    ipath = (*fpath, idx) if f.many else fpath
                    child = self.item(kind, f.key, item, ipath, base, parent_name, idx)
                    if child is not None:
                        add((node, pred, child))
                        self.prop_locations.record((node, pred), fpath)
                continue
            self.prop_locations.record((node, pred), fpath)
            if f.type == "answers":
                for qid, chosen in value.items():
                    for cid in chosen or ():
                        add((node, pred, Literal(f"{qid}={cid}")))
                continue
            if f.type == "tags":
                for tkey, tval in value.items():
                    add((node, P("tagKey"), Literal(tkey)))
                    text = tval if isinstance(tval, str) else json.dumps(tval)
                    add((node, pred, Literal(f"{tkey}={text}")))
                continue
            values = value if f.many else [value]
            for idx, one in enumerate(values):
                vpath = (*fpath, idx) if f.many else fpath
                if f.type == "ref":
                    self.refs.append(_Ref(node, pred, f.refs, str(one), vpath))
                    continue
                lit = self.literal(f, one, vpath)
                if lit is not None:
                    add((node, pred, lit))
                    if f.predicate == "instanceType" and isinstance(one, str):
                        hw = hardware_class(one)
                        if hw:
                            add((node, P("instanceFamily"), Literal(hw[0])))
                            add((node, P("hardwareClass"), Literal(hw[1])))

    def literal(self, f: Field, value: Any, path: Path_) -> Literal | None:
        t = f.type
        if t == "boolean":
            return _TRUE if value else _FALSE
        if t == "enum":
            return _cached("s", value, lambda: Literal(value))
        if t == "integer":
            return _cached("i", value, lambda: Literal(int(value), datatype=XSD.integer))
        if t == "number":
            return Literal(Decimal(str(value)), datatype=XSD.decimal)
        if t == "date":
            try:
                return Literal(dt.date.fromisoformat(str(value)))
            except ValueError:
                self.errors.add(self.loc(path), f"{describe_date(value)} is not a real date")
                return None
        if t == "uri":
            return Literal(str(value), datatype=XSD.anyURI)
        if t == "text":
            return Literal(str(value).strip())
        return Literal(str(value))

    def item(self, kind: Kind, key: str, item: dict[str, Any], path: Path_, base: URIRef,
             parent_name: str | None, idx: int) -> URIRef | None:
        raw = item.get(kind.name_key)
        name = str(raw) if raw is not None else str(idx)
        iri = URIRef(f"{base}/{quote(key, safe=_SAFE)}/{quote(name, safe=_SAFE)}")
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
            self.triples.append((iri, P("attestsPractice"), URIRef(practice_iri(new))))
        try:
            when = dt.date.fromisoformat(str(item["date"]))
        except ValueError:
            return  # reported by literal()
        if when > self.as_of:
            self.errors.add(self.loc((*path, "date")),
                            f"the attestation date {when} is after the assessment date "
                            f"{self.as_of}")
            return
        self.triples.append((iri, P("ageDays"),
                             Literal((self.as_of - when).days, datatype=XSD.integer)))

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


_BY_KEY: dict[int, dict[str, Field]] = {}


def _by_key(specs: tuple[Field, ...]) -> dict[str, Field]:
    table = _BY_KEY.get(id(specs))
    if table is None:
        table = _BY_KEY[id(specs)] = {f.key: f for f in specs}
    return table


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
