"""Workloads written directly as RDF: Turtle and JSON-LD, checked before rdflib sees them.

* JSON-LD: the JSON is parsed and walked first. Any ``@context`` or ``@import`` given as a
  string (remote, ``file:``, relative) is refused, except the project's own context IRI,
  which is replaced by the bundled copy. Only then does rdflib parse it, so it never
  fetches anything.
* Turtle: nesting depth (``[`` and ``(``) is counted outside strings, IRIs and comments
  before parsing; rdflib's Turtle parser never fetches anything.
* RDF/XML is refused altogether: its DOCTYPE and entities are a denial-of-service risk
  and nothing in mlwa needs it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from functools import cache
from typing import Any

from rdflib import RDF, XSD, Graph, Literal, URIRef
from rdflib.plugins.stores.memory import Memory
from rdflib.term import Node

from engine.errors import InputError, Location
from engine.paths import ontology_file
from engine.vocab import MLWA, WORKLOAD_URN_PREFIX, practice_iri
from engine.workload.lift import Lifted, practice_ids
from engine.workload.safeyaml import MAX_DEPTH, load_json

CONTEXT_IRI = "https://w3id.org/mlwa/workload.context.jsonld"
MAX_TRIPLES = 200_000


@cache
def bundled_context() -> dict[str, Any]:
    with ontology_file("workload.context.jsonld").open(encoding="utf-8") as fh:
        ctx: dict[str, Any] = json.load(fh)["@context"]
    return ctx


def _safe_jsonld(doc: Any, filename: str | None) -> Any:
    """Replace our context IRI by the bundled copy; refuse every other string context."""

    def fix_context(value: Any) -> Any:
        if isinstance(value, str):
            if value == CONTEXT_IRI:
                return bundled_context()
            raise InputError(f"JSON-LD context {json.dumps(value[:80])} is not allowed: mlwa "
                             f"never fetches contexts; use {CONTEXT_IRI} (bundled) or an "
                             "inline context", Location(filename))
        if isinstance(value, list):
            return [fix_context(v) for v in value]
        if isinstance(value, dict):
            return walk(value)
        return value

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for k, v in value.items():
                if k == "@import":
                    raise InputError("JSON-LD @import is not allowed: mlwa never fetches "
                                     "contexts", Location(filename))
                out[k] = fix_context(v) if k == "@context" else walk(v)
            return out
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    return walk(doc)


class _CappedMemory(Memory):
    """rdflib's in-memory store that stops the parse as soon as one triple too many
    arrives, instead of counting after the whole file is in memory."""

    def __init__(self, filename: str | None, cap: int = MAX_TRIPLES) -> None:
        super().__init__()
        self._filename = filename
        self._cap = cap
        self._added = 0

    def add(self, triple: Any, context: Any, quoted: bool = False) -> None:
        self._added += 1
        if self._added > self._cap:
            raise InputError(f"the graph has more than the {self._cap:,} triples a workload "
                             "description may have", Location(self._filename))
        super().add(triple, context, quoted)


def _capped_graph(filename: str | None) -> Graph:
    return Graph(store=_CappedMemory(filename))


def parse_jsonld(text: str, filename: str | None) -> Graph:
    doc, _ = load_json(text, filename)
    safe = _safe_jsonld(doc, filename)
    graph = _capped_graph(filename)
    try:
        graph.parse(data=json.dumps(safe), format="json-ld")
    except InputError:
        raise
    except RecursionError:
        raise InputError(f"the document nests deeper than {MAX_DEPTH} levels",
                         Location(filename)) from None
    except Exception as exc:  # rdflib raises many types for bad input
        raise InputError(f"not valid JSON-LD: {_first_line(exc)}", Location(filename)) from None
    return graph


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0][:200] if text else type(exc).__name__)


_TTL_TOKEN = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
                        r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^>\s]*>|#[^\n]*'
                        r'|[\[\]()]', re.S)


def _check_turtle_depth(text: str, filename: str | None) -> None:
    depth = 0
    for m in _TTL_TOKEN.finditer(text):
        tok = m.group(0)
        if tok in "[(":
            depth += 1
            if depth > MAX_DEPTH:
                line = text.count("\n", 0, m.start()) + 1
                raise InputError(f"the document nests deeper than {MAX_DEPTH} levels",
                                 Location(filename, line))
        elif tok in "])":
            depth -= 1


def parse_turtle(text: str, filename: str | None) -> Graph:
    _check_turtle_depth(text, filename)
    graph = _capped_graph(filename)
    try:
        graph.parse(data=text, format="turtle")
    except InputError:
        raise
    except RecursionError:
        raise InputError(f"the document nests deeper than {MAX_DEPTH} levels",
                         Location(filename)) from None
    except Exception as exc:
        msg = _first_line(exc)
        line = None
        m = re.search(r"line (\d+)", str(exc))
        if m:
            line = int(m.group(1))
        raise InputError(f"not valid Turtle: {msg}", Location(filename, line)) from None
    return graph


def finish_graph(graph: Graph, text: str, filename: str | None, as_of: dt.date) -> Lifted:
    """Find the workload node, recompute derived facts, locate subjects in the text."""
    if len(graph) > MAX_TRIPLES:
        raise InputError(f"the graph has {len(graph):,} triples, more than the "
                         f"{MAX_TRIPLES:,} a workload description may have", Location(filename))
    roots = sorted(set(graph.subjects(RDF.type, MLWA.Workload)), key=str)
    if len(roots) != 1:
        found = "none" if not roots else f"{len(roots)}"
        raise InputError(f"an RDF workload description must type exactly one node "
                         f"mlwa:Workload; found {found}", Location(filename))
    root = roots[0]
    if not isinstance(root, URIRef):
        raise InputError("the mlwa:Workload node must have an IRI, e.g. "
                         f"<{WORKLOAD_URN_PREFIX}my-workload>", Location(filename))
    graph.remove((root, MLWA.assessedOn, None))
    graph.add((root, MLWA.assessedOn, Literal(as_of)))
    ids, _ = practice_ids()
    problems: list[str] = []
    for att in list(graph.subjects(RDF.type, MLWA.Attestation)):
        graph.remove((att, MLWA.ageDays, None))
        when = graph.value(att, MLWA.attestedOn)
        if isinstance(when, Literal) and isinstance(when.toPython(), dt.date):
            graph.add((att, MLWA.ageDays,
                       Literal((as_of - when.toPython()).days, datatype=XSD.integer)))
        pid = graph.value(att, MLWA.practiceId)
        if pid is not None and graph.value(att, MLWA.attestsPractice) is None:
            new = ids.get(str(pid))
            if new is None:
                problems.append(f"unknown practice id {json.dumps(str(pid))}")
            else:
                graph.add((att, MLWA.attestsPractice, URIRef(practice_iri(new))))
    if problems:
        raise InputError(problems[0], Location(filename))
    locations: dict[Node, Location] = {}
    lines = text.splitlines()
    for subject in set(graph.subjects()):
        if isinstance(subject, URIRef):
            needle = str(subject)
            for no, line in enumerate(lines, 1):
                if needle in line:
                    locations[subject] = Location(filename, no, line.index(needle) + 1)
                    break
    return Lifted(graph, root, locations, {})
