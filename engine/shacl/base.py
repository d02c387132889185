"""The contract every SHACL backend honours, so callers never depend on one engine.

Results are *raw*: terms exactly as they sit in the caller's graphs (shape blank nodes
included), so that the policy layer can look a shape up in the graph it loaded and attach
its own metadata without a second parse.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

import rdflib
from rdflib.term import Node

from engine.model import frozen_from_fields

BackendName = Literal["reference", "fast", "auto"]


@dataclass(frozen=True)
class RawResult:
    """One validation result, engine-neutral."""

    focus: Node
    path: Node | None
    value: Node | None
    source_shape: Node
    component: rdflib.URIRef
    severity: rdflib.URIRef
    messages: tuple[str, ...] = ()
    source_constraint: Node | None = None


def make_raw(focus: Node, path: Node | None, value: Node | None, source_shape: Node,
             component: rdflib.URIRef, severity: rdflib.URIRef, messages: tuple[str, ...],
             source_constraint: Node | None) -> RawResult:
    """``RawResult(...)`` at half the cost (see ``frozen_from_fields``); backends make one
    per finding, ~100 per small workload."""
    return frozen_from_fields(RawResult, {
        "focus": focus, "path": path, "value": value, "source_shape": source_shape,
        "component": component, "severity": severity, "messages": messages,
        "source_constraint": source_constraint})


@runtime_checkable
class Prepared(Protocol):
    """A shapes graph made ready once, then run against many data graphs."""

    unsupported: list[tuple[Node, str]]

    def validate(self, data: rdflib.Graph) -> list[RawResult]: ...

    def validate_many(self, datas: Iterable[rdflib.Graph]) -> Iterator[list[RawResult]]: ...


@runtime_checkable
class Backend(Protocol):
    name: str

    def prepare(self, shapes: rdflib.Graph, ontology: rdflib.Graph | None = None) -> Prepared: ...


def get_backend(name: BackendName) -> Backend:
    """Return a backend by name; imports lazily so choosing one never loads the other."""
    if name == "reference":
        from engine.shacl.reference import ReferenceBackend

        return ReferenceBackend()
    if name in ("fast", "auto"):
        from engine.shacl.fast import FastBackend

        return FastBackend(gate=True, name=name)
    from engine.errors import UsageError

    raise UsageError(f"unknown SHACL backend {name!r}; choose reference, fast or auto")
