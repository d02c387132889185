"""Differential testing: the fast backend against the reference, on the same inputs.

Used on the W3C shapes with generated data (tests/shacl/test_differential.py), and later on
the policy pack and a generated portfolio. A difference is evidence of a bug in one of the
engines (or a documented divergence), never noise: both see the same parsed graphs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import rdflib
from rdflib.namespace import SH, XSD
from rdflib.term import Node

from engine.shacl.backends import get_backend
from engine.shacl.base import RawResult

Key = tuple[Node, Node | None, Node | None, Node, rdflib.URIRef, rdflib.URIRef]


@dataclass(frozen=True)
class Difference:
    """One result one engine reports and the other does not (or an engine error)."""

    graph_index: int
    kind: Literal["only-reference", "only-fast", "error"]
    key: Key | None = None
    detail: str = ""

    def __str__(self) -> str:
        if self.kind == "error":
            return f"graph {self.graph_index}: {self.detail}"
        focus, path, value, shape, comp, sev = self.key  # type: ignore[misc]
        return (f"graph {self.graph_index}: {self.kind}: focus={focus.n3()} "
                f"path={path.n3() if path is not None else '-'} "
                f"value={value.n3() if value is not None else '-'} shape={shape.n3()} "
                f"component={comp.n3()} severity={sev.n3()}")


def result_key(r: RawResult) -> Key:
    """What the W3C suite compares: messages are left out, the engines word them apart."""
    return (r.focus, r.path, r.value, r.source_shape, r.component, r.severity)


RANGE_INCOMPARABLE = (
    "pySHACL lets a value pass sh:maxInclusive/sh:maxExclusive (and orders booleans as "
    "numbers) when it cannot be compared with the bound, e.g. an xsd:date or xsd:boolean "
    "against 10; SHACL takes the comparison's error as a violation, as SPARQL's < does")
LESS_THAN_ORDER = (
    "pySHACL compares IRIs with IRIs or strings as strings, and booleans as numbers, under "
    "sh:lessThan and sh:lessThanOrEquals; SPARQL's < is undefined there, which SHACL "
    "reports as a violation")
BNODE_LESS_THAN = (
    "pySHACL raises an error on a blank node under sh:lessThan(OrEquals); SHACL reports "
    "a violation (blank nodes are not comparable)")
ILL_TYPED_CRASH = (
    'pySHACL crashes (TypeError) or lets the pair pass when sh:lessThan(OrEquals) meets an '
    'ill-typed literal such as "x"^^xsd:integer; SHACL reports a violation')
#: Every known pySHACL deviation the differential tests tolerate, for docs/conformance.md.
DIVERGENCES = (RANGE_INCOMPARABLE, LESS_THAN_ORDER, BNODE_LESS_THAN, ILL_TYPED_CRASH)

_RANGE = {SH.MinInclusiveConstraintComponent, SH.MaxInclusiveConstraintComponent,
          SH.MinExclusiveConstraintComponent, SH.MaxExclusiveConstraintComponent}


def pyshacl_divergence(d: Difference, data: rdflib.Graph | None = None) -> str | None:
    """Why a difference is a known pySHACL deviation from the SHACL spec, else None.

    Each entry was found by the generated tests, checked against the spec, and is listed
    in docs/conformance.md; the fast backend follows the spec there.
    """
    if d.key is None:
        if "Cannot use sh:lessThan" in d.detail or "Cannot use sh:lessThanOrEquals" in d.detail:
            return BNODE_LESS_THAN
        if "TypeError" in d.detail and "not supported between instances" in d.detail:
            return ILL_TYPED_CRASH
        return None
    _focus, _path, value, _shape, comp, _sev = d.key
    if comp in _LESS and d.kind == "only-fast" and (
            isinstance(value, rdflib.URIRef)
            or (isinstance(value, rdflib.Literal)
                and (value.datatype in _NOT_NUMERIC or value.datatype is None))):
        return LESS_THAN_ORDER
    if comp in _LESS and d.kind == "only-fast" and data is not None and any(
            isinstance(o, rdflib.Literal) and o.ill_typed for o in data.objects()):
        return ILL_TYPED_CRASH
    if (comp in _RANGE and d.kind == "only-fast" and isinstance(value, rdflib.Literal)
            and value.datatype in _NOT_NUMERIC):
        return RANGE_INCOMPARABLE
    return None


_LESS = {SH.LessThanConstraintComponent, SH.LessThanOrEqualsConstraintComponent}
_NOT_NUMERIC = {XSD.boolean, XSD.date, XSD.dateTime, XSD.time, XSD.gYear, XSD.duration}


def compare(shapes: rdflib.Graph, datas: Iterable[rdflib.Graph],
            ontology: rdflib.Graph | None = None,
            known: bool = True) -> list[Difference]:
    """Validate every data graph on both backends and list where they disagree.

    With ``known`` (the default) differences explained by :func:`pyshacl_divergence` are
    left out.
    """
    datas = list(datas)
    diffs = _compare(shapes, datas, ontology)
    return [d for d in diffs if not (known and pyshacl_divergence(d, datas[d.graph_index]))]


def _compare(shapes: rdflib.Graph, datas: Iterable[rdflib.Graph],
             ontology: rdflib.Graph | None) -> list[Difference]:
    datas = list(datas)
    ref = get_backend("reference").prepare(shapes, ontology)
    out: list[Difference] = []
    try:
        fast_results = list(get_backend("fast").prepare(shapes, ontology).validate_many(datas))
    except Exception as exc:
        fast_results = None
        fast_error = f"{type(exc).__name__}: {exc}"
    for i, data in enumerate(datas):
        try:
            want = {result_key(r) for r in ref.validate(data)}
        except Exception as exc:
            if fast_results is not None:
                out.append(Difference(i, "error", detail=f"reference only: {type(exc).__name__}: {exc}"))
            continue
        if fast_results is None:
            out.append(Difference(i, "error", detail=f"fast only: {fast_error}"))
            continue
        got = {result_key(r) for r in fast_results[i]}
        out += [Difference(i, "only-reference", k) for k in sorted(want - got, key=str)]
        out += [Difference(i, "only-fast", k) for k in sorted(got - want, key=str)]
    return out
