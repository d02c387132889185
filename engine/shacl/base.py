"""The contract every SHACL backend honours, so callers never depend on one engine.

Results are *raw*: terms exactly as they sit in the caller's graphs (shape blank nodes
included), so that the policy layer can look a shape up in the graph it loaded and attach
its own metadata without a second parse.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Literal, NamedTuple, Protocol, runtime_checkable

import rdflib
from rdflib.term import Node

BackendName = Literal["reference", "fast", "auto"]


class RawResult(NamedTuple):
    """One validation result, engine-neutral. Immutable; equal results are the same result.

    A named tuple rather than a dataclass: backends make one per finding (~100 per small
    workload, a million for a portfolio of 10,000), and a tuple is built in a quarter of the
    time (see :func:`make_raw`)."""

    focus: Node
    path: Node | None
    value: Node | None
    source_shape: Node
    component: rdflib.URIRef
    severity: rdflib.URIRef
    messages: tuple[str, ...] = ()
    source_constraint: Node | None = None


_new_tuple = tuple.__new__


def make_raw(focus: Node, path: Node | None, value: Node | None, source_shape: Node,
             component: rdflib.URIRef, severity: rdflib.URIRef, messages: tuple[str, ...],
             source_constraint: Node | None) -> RawResult:
    """``RawResult(...)`` with every field given, without the keyword handling of the named
    tuple's ``__new__``."""
    return _new_tuple(RawResult, (focus, path, value, source_shape, component, severity,
                                  messages, source_constraint))


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
