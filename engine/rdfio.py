"""Fast, safe Turtle parsing into rdflib graphs.

rdflib's Turtle parser is pure Python; Oxigraph's is Rust and about three times faster on
policy files even with the conversion to rdflib terms, which matters for start-up time.
Blank nodes get fresh labels on every parse, so graphs parsed from different files never
share one by accident. Nothing here resolves IRIs or fetches anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef

from engine.errors import InputError, Location

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _term(t: Any) -> Any:
    import pyoxigraph as ox

    if isinstance(t, ox.NamedNode):
        return URIRef(t.value)
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        dt = t.datatype.value
        return Literal(t.value) if dt == _XSD_STRING else Literal(t.value, datatype=URIRef(dt))
    raise InputError(f"unsupported RDF term {t!r} (RDF-star is not accepted)")


# Words of the parser's own messages, kept even when the file happens to contain them.
_MESSAGE_WORDS = frozenset(
    ["the", "a", "an", "of", "in", "at", "to", "or", "and", "is", "not", "has", "been", "was", "be", "end", "file", "line", "lines", "column", "columns", "between", "parser", "error", "expected", "unexpected", "invalid", "declared", "prefix", "iri", "character", "char", "literal", "triple", "token", "after", "before", "found", "one"]
)


def without_content(message: str, data: bytes) -> str:
    """``message`` with every word that also occurs in the parsed ``data`` replaced by "…":
    a parse error must not echo the file (a policy linked to /etc/passwd would print its
    first line). Positions stay; they are the useful part."""
    import re

    def mask(m: re.Match[str]) -> str:
        word = m.group(0)
        if word.lower() in _MESSAGE_WORDS or word.isdigit():
            return word
        return "…" if word.encode("utf-8", "replace") in data else word

    return re.sub(r"[^\s,;]+", lambda m: mask(m) if len(m.group(0)) > 1 else m.group(0),
                  message)


def parse_turtle(text: str | bytes, source: str, *, graph: Graph | None = None,
                 error: type[InputError] = InputError) -> Graph:
    """Parse Turtle ``text`` into ``graph`` (a new one by default).

    Syntax errors raise ``error`` (an :class:`InputError` subclass) naming ``source`` and
    the line and column Oxigraph reports.
    """
    import pyoxigraph as ox

    g = graph if graph is not None else Graph()
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        for q in ox.parse(data, format=ox.RdfFormat.TURTLE):
            g.add((_term(q.subject), _term(q.predicate), _term(q.object)))
    except SyntaxError as exc:
        line = col = None
        location = getattr(exc, "lineno", None)
        if isinstance(location, int):
            line = location
            col = getattr(exc, "offset", None)
        message = str(exc.msg if hasattr(exc, "msg") else exc).splitlines()[0][:200]
        raise error(f"invalid Turtle: {without_content(message, data)}",
                    Location(source, line, col)) from None
    except RecursionError:
        raise error("nesting too deep", Location(source)) from None
    return g


def parse_turtle_file(path: Path, *, error: type[InputError] = InputError) -> Graph:
    from engine.safefile import read_bytes

    return parse_turtle(read_bytes(path, 64 * 1024 * 1024, what="Turtle file", error=error),
                        str(path), error=error)
