"""Workload descriptions: read a file safely, check its structure, lift it to RDF.

Public API::

    load_workload(source, *, filename=None, max_bytes=DEFAULT_MAX_BYTES, as_of=None) -> Workload
    load_workload_text(text, *, filename=None, ...) -> Workload
    check_structure(source, *, filename=None, max_bytes=...) -> list[Problem]

Two stages: structure (the bundled JSON Schema, problems with ``file:line:column`` and
the path in the document) and lifting (deterministic IRIs, typed literals, references
resolved). Every problem with the input raises :class:`engine.errors.InputError`;
nothing else escapes for any input. The loader reads the given file and nothing else,
and never touches the network.

May import: shacl, lens and the core. A new importer (infrastructure code to a workload
description) goes in a module of its own here (iac/).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph, URIRef
from rdflib.term import Node

from engine.errors import InputError, Location, Problem
from engine.workload.answers import ReviewAnswer, ReviewRequest

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMATS",
    "ReviewAnswer",
    "ReviewRequest",
    "Workload",
    "check_structure",
    "load_workload",
    "load_workload_text",
    "schema_text",
    "template_text",
]

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
FORMATS = ("yaml", "json", "turtle", "jsonld")
_EXT = {".yaml": "yaml", ".yml": "yaml", ".json": "json", ".ttl": "turtle",
        ".turtle": "turtle", ".jsonld": "jsonld", ".json-ld": "jsonld"}
_RDFXML_EXT = {".rdf", ".owl", ".xml", ".rdfxml"}


def _no_remote_sparql() -> None:
    """A parsed workload graph is later queried; never let a query fetch graphs.

    rdflib's SPARQL engine costs about 0.15 s to import and the fast path never uses it,
    so the flag is set as soon as it is imported (now, if it already is), not by
    importing it here."""
    import sys

    module = sys.modules.get("rdflib.plugins.sparql")
    if module is not None:
        module.SPARQL_LOAD_GRAPHS = False  # type: ignore[attr-defined]
        return
    if not any(isinstance(f, _SparqlGuardFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _SparqlGuardFinder())


class _SparqlGuardFinder:
    """Import hook: sets ``SPARQL_LOAD_GRAPHS = False`` right after
    ``rdflib.plugins.sparql`` runs, before any caller can use it."""

    name = "rdflib.plugins.sparql"

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        import importlib.machinery

        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module

        def guarded(module: Any) -> None:
            exec_module(module)
            module.SPARQL_LOAD_GRAPHS = False

        loader.exec_module = guarded  # type: ignore[method-assign]
        return spec


_no_remote_sparql()


@dataclass(frozen=True)
class Workload:
    """A loaded workload description and the RDF graph it becomes."""

    id: str
    name: str
    graph: Graph = field(repr=False, compare=False)
    root: URIRef
    locations: Mapping[Node, Location] = field(repr=False, compare=False)
    property_locations: Mapping[tuple[Node, URIRef], Location] = field(repr=False,
                                                                       compare=False)
    source_text: str = field(repr=False)
    format: str
    content_hash: str
    filename: str | None
    # ``reviews:`` entries (custom-lens answers), evaluated by engine.validate.reviews
    reviews: tuple[ReviewRequest, ...] = field(default=(), repr=False, compare=False)
    # what the reader ignored and says so (``owl:imports`` in an RDF description)
    notes: tuple[str, ...] = field(default=(), repr=False, compare=False)

    def location_of(self, node: Node, predicate: URIRef | None = None) -> Location | None:
        """Where ``node`` (or its ``predicate`` key) is written, for findings."""
        if predicate is not None:
            loc = self.property_locations.get((node, predicate))
            if loc is not None:
                return loc
        return self.locations.get(node)


# ---------------------------------------------------------------- reading bytes

def _read(source: str | Path | bytes, filename: str | None, max_bytes: int
          ) -> tuple[bytes, str | None]:
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
        if len(data) > max_bytes:
            raise _too_big(len(data), max_bytes, filename)
        return data, filename
    from engine.safefile import read_bytes

    shown = filename or str(source)
    data = read_bytes(source, max_bytes, what="workload file", shown=shown,
                      hint="raise it with --max-bytes (CLI) or max_bytes= (API)")
    return data, shown


def _read_capped(fh: Any, cap: int) -> bytes:
    """The first ``cap + 1`` bytes of an open file (all of it when shorter). Asking for
    ``cap + 1`` bytes at once made Python allocate a buffer of that size (2 MB) for every
    file, 10-30 µs each; this asks for the file's size, and reads on only if it grew."""
    try:
        size = os.fstat(fh.fileno()).st_size
    except OSError:
        size = cap
    want = min(size, cap) + 1
    data: bytes = fh.read(want)
    if len(data) == want and want <= cap:  # longer than it said: read on, to the cap
        data += fh.read(cap + 1 - want)
    return data


def _too_big(size: int | None, cap: int, filename: str | None) -> InputError:
    what = f"{size:,} bytes" if size is not None else "larger"
    return InputError(f"the file is {what}, over the {cap:,}-byte limit for workload "
                      "descriptions; raise it with --max-bytes (CLI) or max_bytes= (API)",
                      Location(filename))


def _decode(data: bytes, filename: str | None) -> str:
    if b"\x00" in data:
        raise InputError("this is binary data, not a text workload description",
                         Location(filename))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(f"the file is not valid UTF-8 (byte {exc.start})",
                         Location(filename, line)) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text or text.isspace():  # (text.strip() would copy the text)
        raise InputError("the document is empty; a workload description is a mapping with "
                         "at least `id` and `name`", Location(filename, 1, 1))
    return text


def detect_format(text: str, filename: str | None, fmt: str | None = None) -> str:
    if fmt:
        if fmt not in FORMATS:
            raise InputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}",
                             Location(filename))
        return fmt
    suffix = Path(filename).suffix.lower() if filename else ""
    head = text[:400]
    if head[:1].isspace():  # only then is text.lstrip() worth its copy of the text
        head = text.lstrip()[:400]
    if suffix in _RDFXML_EXT or head.startswith("<?xml") or head.startswith("<rdf:RDF") \
            or "<!DOCTYPE" in head or "<!ENTITY" in head:
        raise InputError("RDF/XML is not accepted (its DOCTYPE and entities are a "
                         "denial-of-service risk); convert the file to Turtle",
                         Location(filename))
    if suffix in _EXT:
        found = _EXT[suffix]
        if found == "json" and '"@context"' in text[:4000]:
            return "jsonld"
        return found
    if head.startswith("{") or head.startswith("["):
        return "jsonld" if '"@context"' in text[:4000] else "json"
    if head.startswith("@prefix") or head.startswith("PREFIX") or head.startswith("@base"):
        return "turtle"
    return "yaml"


# ---------------------------------------------------------------- the two stages

def _parse_tree(text: str, fmt: str, filename: str | None) -> tuple[Any, Any]:
    """The document and its positions; obviously foreign files (see
    :mod:`engine.workload.foreign`) are refused before positions are read."""
    from engine.workload.foreign import check_json_top, check_yaml_top
    from engine.workload.safeyaml import load_json, load_yaml

    if fmt == "json":
        return load_json(text, filename, check=lambda data: check_json_top(data, filename))
    check_yaml_top(text, filename)
    return load_yaml(text, filename)


def _structure(text: str, fmt: str, filename: str | None) -> tuple[Any, Any, list[Problem]]:
    from engine.workload.structure import check_data

    data, positions = _parse_tree(text, fmt, filename)
    return data, positions, check_data(data, positions, filename)


def check_structure(source: str | Path | bytes, *, filename: str | None = None,
                    max_bytes: int = DEFAULT_MAX_BYTES, fmt: str | None = None
                    ) -> list[Problem]:
    """Structural problems of a workload file (empty when it is well formed).

    Problems that stop reading altogether (size, encoding, YAML syntax, hostile
    constructs) are raised as :class:`InputError` rather than returned.
    """
    data, name = _read(source, filename, max_bytes)
    text = _decode(data, name)
    fmt = detect_format(text, name, fmt)
    if fmt in ("turtle", "jsonld"):
        _load_rdf(text, fmt, name, dt.date.today())
        return []
    return _structure(text, fmt, name)[2]


def _load_rdf(text: str, fmt: str, filename: str | None, as_of: dt.date) -> Any:
    from engine.workload.rdfinput import finish_graph, parse_jsonld, parse_turtle

    graph = parse_turtle(text, filename) if fmt == "turtle" else parse_jsonld(text, filename)
    return finish_graph(graph, text, filename, as_of)


def load_workload(source: str | Path | bytes, *, filename: str | None = None,
                  max_bytes: int = DEFAULT_MAX_BYTES, as_of: dt.date | None = None,
                  fmt: str | None = None) -> Workload:
    """Read, check and lift a workload description. Raises :class:`InputError`."""
    data, name = _read(source, filename, max_bytes)
    return _load(data, name, as_of, fmt)


def load_workload_text(text: str, *, filename: str | None = None,
                       max_bytes: int = DEFAULT_MAX_BYTES, as_of: dt.date | None = None,
                       fmt: str | None = None) -> Workload:
    """Like :func:`load_workload` for text already in memory (the web app)."""
    encoded = text.encode("utf-8", errors="surrogatepass")
    if len(encoded) > max_bytes:
        raise _too_big(len(encoded), max_bytes, filename)
    return _load(encoded, filename, as_of, fmt)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Cyclic garbage collection off while one document is read and lifted.

    Loading makes thousands of container objects (the parsed tree, rdflib's index dicts,
    literals) that all live until the load ends; the collector, started every 700 new
    containers, walked them again and again, and with earlier workloads held in memory (a
    portfolio chunk) its full collections walked those too: up to half the load time.
    Nothing a load makes needs the cycle collector (reference counting frees it), and a
    load is bounded by the size cap, so memory is unaffected. The collector is switched
    back on only if it was on: concurrent loads in threads leave it on, as found."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _load(data: bytes, filename: str | None, as_of: dt.date | None, fmt: str | None
          ) -> Workload:
    from engine.workload.lift import lift

    text = _decode(data, filename)
    when = as_of or dt.date.today()
    fmt = detect_format(text, filename, fmt)
    digest = hashlib.sha256(data).hexdigest()
    if fmt in ("turtle", "jsonld"):
        lifted = _load_rdf(text, fmt, filename, when)
        from engine.vocab import MLWA
        from engine.workload.answers import requests_from_graph

        wid = lifted.graph.value(lifted.root, MLWA.workloadId)
        wname = lifted.graph.value(lifted.root, MLWA.name)
        ident = str(wid) if wid is not None else str(lifted.root).rsplit(":", 1)[-1]
        return Workload(ident, str(wname) if wname is not None else ident, lifted.graph,
                        lifted.root, lifted.locations, lifted.property_locations, text, fmt,
                        digest, filename,
                        requests_from_graph(lifted.graph, lifted.root, lifted.locations),
                        _ignored_imports(lifted.graph, filename))
    with _gc_paused():
        tree, positions, problems = _structure(text, fmt, filename)
        if problems:
            problems = sorted(problems + _later_problems(tree, positions, filename, when,
                                                         problems),
                              key=lambda p: (p.location.line or 0, p.location.column or 0))
            raise InputError("the workload description does not match the schema",
                             problems[0].location, problems)
        lifted = lift(tree, positions, filename, when)
    wl = Workload(str(tree["id"]), str(tree["name"]), lifted.graph, lifted.root,
                  lifted.locations, lifted.property_locations, text, fmt, digest, filename,
                  lifted.reviews)
    if "provenance" in text:  # imported from infrastructure code: point at its lines
        from engine.workload.iac.locate import relocate_workload

        wl = relocate_workload(wl, tree)
    return wl


def _ignored_imports(graph: Any, filename: str | None) -> tuple[str, ...]:
    """A note per ``owl:imports`` in an RDF description: mlwa never fetches or reads an
    import, so the description is checked as it stands; silence would suggest otherwise."""
    from rdflib import OWL

    where = f"{filename}: " if filename else ""
    return tuple(f"{where}owl:imports <{target}> is ignored: mlwa never fetches imports; "
                 "the description is checked as written"
                 for target in sorted({str(o) for o in graph.objects(None, OWL.imports)}))


def _later_problems(tree: Any, positions: Any, filename: str | None, when: dt.date,
                    found: list[Problem]) -> list[Problem]:
    """The problems lifting finds (references to unknown names, attestation dates) in a
    document that also has structural problems, so that one round reports both. Best
    effort: lifting a document the schema refuses may fail in ways a valid one cannot, and
    then only the structural problems are reported."""
    from engine.workload.lift import lift

    if not isinstance(tree, dict):
        return []
    try:
        lift(tree, positions, filename, when)
    except InputError as exc:
        seen = {(p.location.pointer, p.message) for p in found}
        taken = {p.location.pointer for p in found}
        return [p for p in exc.problems
                if (p.location.pointer, p.message) not in seen and p.location.pointer not in taken]
    except Exception:
        return []
    return []


def schema_text() -> str:
    """The bundled JSON Schema, as text."""
    from engine.paths import ontology_file

    return ontology_file("workload.schema.json").read_text(encoding="utf-8")


def template_text() -> str:
    """A commented template for a new workload description."""
    from engine.workload.template import TEMPLATE

    return TEMPLATE
