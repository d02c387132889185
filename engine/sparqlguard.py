r"""Vet a SPARQL query before anything runs it.

Every query that comes from a user (``mlwa query``, ``mlwa lens query``, the app) or from a
custom policy (SHACL-SPARQL ``sh:select``/``sh:ask``/``sh:construct``) goes through
:func:`vet_query` first. It parses the text with rdflib's SPARQL parser, translates it to
the algebra and walks every node, refusing what could reach outside the graph we hand it or
change anything:

* updates (INSERT, DELETE, LOAD, CLEAR, CREATE, DROP, COPY, MOVE, ADD): anything that parses
  as a SPARQL Update;
* ``SERVICE`` (federated queries fetch remote endpoints);
* ``FROM`` / ``FROM NAMED`` (rdflib fetches the URL) and ``GRAPH`` patterns;
* calls to functions outside the SPARQL 1.1 standard library (custom extension functions,
  registered in-process, can do anything) and predicates from known property-function
  namespaces (Jena ARQ, text search);
* over-long or over-deep queries (the parser is recursive).

rdflib (which vets) and Oxigraph (which runs most queries) must read the same text the
same way. They do not agree on line ends: rdflib ends a ``#`` comment only at ``\n``,
Oxigraph also at ``\r``, so ``# c<CR>SERVICE <...>`` was a comment to the guard and a
federated call to the store. :func:`normalise_query` therefore runs first: ``\r\n`` and a
lone ``\r`` become ``\n``; the other line and page separators (U+000B, U+000C, U+0085,
U+2028, U+2029), other control characters and ``\u``/``\U`` escapes that decode to a
control or syntax character are refused. :attr:`ParsedQuery.text` is the normalised text,
and it is the text callers run. :func:`check_runnable` repeats the cheap part (normalise and
a search for anything shaped like a SERVICE call, in comments and strings too) right
before every Oxigraph ``Store.query`` in the engine (:func:`run_oxigraph`), so a query that
never went through :func:`vet_query` still cannot ask Oxigraph for a federated call.

Loading rdflib's SPARQL package through this module (or after ``engine.workload``, whose import
hook does the same) sets ``rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False`` so a ``FROM``
that slipped past us still cannot make rdflib fetch a URL. The package is loaded only when a
query is parsed: the check before Oxigraph runs a query needs no parser.

A refusal raises :class:`engine.errors.QueryRefused` (an ``InputError``: exit code 2) with a
one-line message naming what was refused and where.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pyparsing import ParseResults
from rdflib.namespace import XSD
from rdflib.paths import Path
from rdflib.term import Node, URIRef, Variable

from engine.errors import Location, QueryRefused


def _rdflib_sparql() -> None:
    """Load rdflib's SPARQL package with remote graph loading off (never let rdflib
    dereference FROM / FROM NAMED IRIs, whoever runs the query)."""
    import rdflib.plugins.sparql

    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False

MAX_QUERY_CHARS = 20_000
MAX_NESTING = 32  # brackets and braces; deep nesting makes the recursive parser blow up
MAX_ALGEBRA_DEPTH = 400

# SPARQL 1.1 section 17.5: the XPath constructor functions (casts) that belong to the
# standard library. Every other IRI in function position is an extension function.
STANDARD_CASTS: frozenset[URIRef] = frozenset(
    {XSD.string, XSD.boolean, XSD.integer, XSD.decimal, XSD.float, XSD.double, XSD.dateTime}
)

# Namespaces whose predicates some stores treat as property functions ("magic properties")
# that compute rather than match. rdflib does not run them, but the same query may be sent
# to a remote store, so we refuse them everywhere.
PROPERTY_FUNCTION_NAMESPACES: tuple[str, ...] = (
    "http://jena.apache.org/ARQ/property#",
    "http://jena.hpl.hp.com/ARQ/property#",
    "java:",
    "http://jena.apache.org/text#",
    "http://jena.apache.org/spatial#",
    "http://www.bigdata.com/rdf/search#",
    "http://www.ontotext.com/",
    "http://www.openrdf.org/contrib/lucenesail#",
    "http://www.w3.org/2000/10/swap/",
)

_FORM_NAMES = {
    "SelectQuery": "SELECT",
    "AskQuery": "ASK",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
}


@dataclass(frozen=True)
class ParsedQuery:
    """A query that passed vetting.

    ``query`` is rdflib's translated query (``rdflib.plugins.sparql.sparql.Query``), ready for
    ``Graph.query(parsed.query)`` so the text is never parsed twice.
    """

    text: str
    form: str  # SELECT | ASK | CONSTRUCT
    query: Any
    projection: tuple[str, ...] = ()
    variables: frozenset[str] = frozenset()
    # Triple patterns of every basic graph pattern, subqueries and EXISTS included;
    # the policy lint uses them to find patterns that share no variable with $this.
    triple_patterns: tuple[tuple[Node, Node, Node], ...] = field(default=(), repr=False)


# Line ends the two parser families disagree about, and other invisible separators.
_REFUSED_CHARS: dict[str, str] = {
    "\x0b": "vertical tab", "\x0c": "form feed", "\x85": "next line (U+0085)",
    "\u2028": "line separator (U+2028)", "\u2029": "paragraph separator (U+2029)",
}
_BAD_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
# rdflib reads \u or \U with 4 or 8 digits; Oxigraph \u with 4 and \U with 8: both readings
# of every escape are checked.
_CODEPOINT_ESCAPE = re.compile(r"\\[uU]([0-9a-fA-F]{4})([0-9a-fA-F]{4})?")
_SYNTAX_CHARS = frozenset("#<>\"'{}()[].;,?$\\^|`*+-/=!&@:_ ")
# SERVICE, optional SILENT, a target, an opening brace, with blanks or comments between:
# searched in the whole text (strings and comments too), so no lexer disagreement can hide it.
_GAP = r"(?:\s|#[^\n]*(?:\n|$))*"
_SERVICE_SHAPE = re.compile(
    rf"(?<![A-Za-z0-9_])SERVICE{_GAP}(?:SILENT{_GAP})?(?:<[^>\s]*>|[^\s{{#<]+){_GAP}\{{",
    re.IGNORECASE,
)


def normalise_query(text: str, context: str = "query") -> str:
    r"""The text both parser families read alike: ``\r\n``/``\r`` to ``\n``; refuse the rest.

    Raises :class:`QueryRefused` for separators other than ``\n``, control characters
    other than tab, and code-point escapes that decode to a control or syntax character
    (both parsers expand escapes before they parse, and would disagree again)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = _BAD_CHAR.search(text)
    if bad is not None:
        ch = bad.group(0)
        what = _REFUSED_CHARS.get(ch, f"control character U+{ord(ch):04X}")
        raise _refuse_at(context, text, bad.start(), f"{what} is refused in a query; end lines "
                         "with a plain line feed")
    if "\\" not in text:
        return text
    for match in _CODEPOINT_ESCAPE.finditer(text):
        readings = [match.group(1)] + ([match.group(1) + match.group(2)] if match.group(2) else [])
        if any(_bad_codepoint(int(digits, 16)) for digits in readings):
            raise _refuse_at(context, text, match.start(), f"the escape {match.group(0)} is "
                             "refused in a query; write the character itself")
    return text


def _bad_codepoint(code: int) -> bool:
    if code > 0x10FFFF or 0xD800 <= code < 0xE000 or code < 0x20 or 0x7F <= code < 0xA0:
        return True
    return chr(code) in _REFUSED_CHARS or chr(code) in _SYNTAX_CHARS


def check_runnable(text: str, context: str = "query") -> str:
    """Normalise ``text`` and refuse anything shaped like a SERVICE call; return the text
    to run. Cheap (no parse, two regular-expression scans, and texts that passed are
    remembered): used right before every Oxigraph query."""
    if text in _RUNNABLE:
        return text
    text = normalise_query(text, context)
    match = _SERVICE_SHAPE.search(text)
    if match is not None:
        raise _refuse_at(context, text, match.start(), "SERVICE is refused: no federated "
                         "queries")
    if len(_RUNNABLE) < 8192:  # the fast engine runs the same compiled texts again and again
        _RUNNABLE.add(text)
    return text


_RUNNABLE: set[str] = set()


def run_oxigraph(store: Any, text: str, **kwargs: Any) -> Any:
    """``store.query(text, **kwargs)`` after :func:`check_runnable`: the one way the engine
    hands SPARQL to Oxigraph, which would otherwise follow a SERVICE over the network."""
    return store.query(check_runnable(text, kwargs.pop("context", "query")), **kwargs)


def _refuse_at(context: str, text: str, index: int, message: str) -> QueryRefused:
    before = text[:index]
    line = before.count("\n") + 1
    column = index - (before.rfind("\n") + 1) + 1
    return QueryRefused(message, Location(file=context, line=line, column=column))


def _position(text: str, pattern: str) -> tuple[int | None, int | None]:
    """Line and column (from 1) of the first match of ``pattern``, for the message."""
    match = re.search(pattern, text, re.IGNORECASE)
    if match is None:
        return None, None
    before = text[: match.start()]
    line = before.count("\n") + 1
    column = match.start() - (before.rfind("\n") + 1) + 1
    return line, column


def _refuse(context: str, text: str, message: str, keyword: str | None = None) -> QueryRefused:
    line = column = None
    if keyword is not None:
        line, column = _position(text, keyword)
    return QueryRefused(message, Location(file=context, line=line, column=column))


def _max_nesting(text: str) -> int:
    """Deepest bracket nesting outside string literals, IRIs and comments."""
    depth = deepest = 0
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "#":
            nl = text.find("\n", i)
            i = n if nl < 0 else nl + 1
            continue
        if ch in "\"'":
            triple = text[i : i + 3]
            if triple in ('"""', "'''"):
                end = text.find(triple, i + 3)
                i = n if end < 0 else end + 3
                continue
            j = i + 1
            while j < n and text[j] != ch and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "<":
            # An IRI has no spaces; a less-than operator is followed by a space or a term.
            m = re.match(r"<[^<>\"{}|^`\\\s]*>", text[i:])
            if m:
                i += m.end()
                continue
        if ch in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")}]":
            depth = max(0, depth - 1)
        i += 1
    return deepest


def _walk(root: Any) -> Iterator[tuple[Any, int]]:
    """Every CompValue (and plain value) under ``root``, with its depth; iterative."""
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list | tuple | ParseResults):
            if id(node) in seen:
                continue
            seen.add(id(node))
        yield node, depth
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "_vars":
                    continue
                stack.append((value, depth + 1))
        elif isinstance(node, list | tuple | ParseResults):
            stack.extend((value, depth + 1) for value in node)


def _name(node: Any) -> str | None:
    name = getattr(node, "name", None)
    return name if isinstance(name, str) and isinstance(node, dict) else None


def _path_iris(path: Path) -> Iterator[URIRef]:
    for attr in ("args",):
        for sub in getattr(path, attr, ()) or ():
            if isinstance(sub, Path):
                yield from _path_iris(sub)
            elif isinstance(sub, URIRef):
                yield sub
    for attr in ("path", "arg"):
        sub = getattr(path, attr, None)
        if isinstance(sub, Path):
            yield from _path_iris(sub)
        elif isinstance(sub, URIRef):
            yield sub


def vet_query(
    text: str,
    *,
    allow_select: bool = True,
    allow_ask: bool = True,
    allow_construct: bool = False,
    context: str = "query",
    prefixes: Mapping[str, str] | None = None,
    max_chars: int = MAX_QUERY_CHARS,
) -> ParsedQuery:
    """Parse ``text`` and refuse anything but a self-contained, read-only query.

    ``context`` says where the query came from ("query", "policy acme/ACME-001.ttl
    ex:NoOrphans sh:select", ...) and starts every message. ``prefixes`` are extra prefix
    declarations (SHACL ``sh:prefixes``) that the text may use without declaring.
    """
    # Imported here: the parser module builds its grammar on import (about 0.3 s).
    _rdflib_sparql()
    from pyparsing import ParseException
    from rdflib.plugins.sparql.algebra import translatePrologue, translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    if not isinstance(text, str):
        raise _refuse(context, "", "the query must be text")
    if len(text) > max_chars:
        raise _refuse(context, text, f"query is {len(text):,} characters long; the limit is "
                      f"{max_chars:,}")
    if not text.strip():
        raise _refuse(context, text, "the query is empty")
    text = normalise_query(text, context)
    depth = _max_nesting(text)
    if depth > MAX_NESTING:
        raise _refuse(context, text, f"query nests brackets {depth} deep; the limit is "
                      f"{MAX_NESTING}")

    try:
        parsed = parseQuery(text)
    except ParseException as exc:
        is_update = False
        try:
            parseUpdate(text)
            is_update = True
        except (ParseException, RecursionError, Exception):  # any failure: not an update
            is_update = False
        if is_update:
            raise _refuse(context, text, "SPARQL updates (INSERT, DELETE, LOAD, CLEAR, CREATE, "
                          "DROP, ...) are refused; only read-only queries may run",
                          r"\b(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD|WITH)\b"
                          ) from None
        raise QueryRefused(
            f"the query cannot be parsed: {exc.msg}",
            Location(file=context, line=exc.lineno, column=exc.col),
        ) from None
    except RecursionError:
        raise _refuse(context, text, "the query nests too deeply to parse") from None

    # The refusals walk the parse tree before translation: translation rewrites it in place
    # and the algebra loses some parts (FILTERs inside EXISTS). Prefixed names are resolved
    # through the query's own prologue.
    try:
        prologue = translatePrologue(parsed[0], None, initNs=dict(prefixes or {}))
    except Exception as exc:  # rdflib raises bare Exception
        raise _refuse(context, text, f"the query cannot be parsed: {exc}") from None
    try:
        _check_tree(parsed[1], prologue, context, text)
    except QueryRefused:
        raise
    except Exception as exc:  # an unknown prefix
        raise _refuse(context, text, f"the query cannot be parsed: {exc}") from None

    try:
        query = translateQuery(parsed, initNs=dict(prefixes or {}))
    except RecursionError:
        raise _refuse(context, text, "the query nests too deeply to parse") from None
    except Exception as exc:  # rdflib raises bare Exception (unknown prefix, ...)
        raise _refuse(context, text, f"the query cannot be parsed: {exc}") from None

    algebra = query.algebra
    form = _FORM_NAMES.get(algebra.name, algebra.name)
    allowed = {"SELECT": allow_select, "ASK": allow_ask, "CONSTRUCT": allow_construct}
    if not allowed.get(form, False):
        ok = ", ".join(f for f, yes in allowed.items() if yes) or "none"
        raise _refuse(context, text, f"{form} queries are refused here (allowed: {ok})",
                      rf"\b{form}\b")

    if algebra.get("datasetClause"):
        raise _refuse(context, text, "FROM / FROM NAMED is refused: a query may only read "
                      "the graph it is given", r"\bFROM\b")

    variables: set[str] = set()
    triples: list[tuple[Node, Node, Node]] = []
    for node, node_depth in _walk(algebra):
        if node_depth > MAX_ALGEBRA_DEPTH:
            raise _refuse(context, text, "the query nests too deeply")
        if isinstance(node, Variable):
            if not str(node).startswith("__"):
                variables.add(str(node))
            continue
        name = _name(node)
        if name == "BGP":
            triples.extend((s, p, o) for s, p, o in node.get("triples", ()))
        elif name == "TriplesBlock":
            # Untranslated blocks (inside EXISTS): flat runs of subject, predicate, object.
            for run in node.get("triples", ()):
                flat = list(run)
                triples.extend(
                    (flat[i], flat[i + 1], flat[i + 2]) for i in range(0, len(flat) - 2, 3)
                )
    for s_, p_, o_ in triples:
        for term in (s_, p_, o_):
            if isinstance(term, Variable) and not str(term).startswith("__"):
                variables.add(str(term))

    projection = tuple(str(v) for v in (algebra.get("PV") or ())) if form == "SELECT" else ()
    check_runnable(text, context)  # the backstop the run paths use, so both agree
    return ParsedQuery(
        text=text,
        form=form,
        query=query,
        projection=projection,
        variables=frozenset(variables),
        triple_patterns=tuple(triples),
    )


def _resolve(term: Any, prologue: Any) -> URIRef | None:
    if isinstance(term, URIRef):
        return term
    if _name(term) == "pname":
        resolved = prologue.absolutize(term)  # raises on an unknown prefix
        return resolved if isinstance(resolved, URIRef) else None
    return None


def _check_tree(tree: Any, prologue: Any, context: str, text: str) -> None:
    for node, depth in _walk(tree):
        if depth > MAX_ALGEBRA_DEPTH:
            raise _refuse(context, text, "the query nests too deeply")
        if isinstance(node, Path):
            for iri in _path_iris(node):
                _check_iri(iri, context, text)
            continue
        resolved = _resolve(node, prologue)
        if resolved is not None:
            _check_iri(resolved, context, text)
            continue
        name = _name(node)
        if name is None:
            continue
        if name == "ServiceGraphPattern":
            term = _resolve(node.get("term"), prologue)
            target = f" {term.n3()}" if term is not None else ""
            raise _refuse(context, text, f"SERVICE{target} is refused: no federated queries",
                          r"\bSERVICE\b")
        if name in ("GraphGraphPattern", "Graph"):
            raise _refuse(context, text, "GRAPH patterns are refused: a query may only read "
                          "the graph it is given", r"\bGRAPH\b")
        if name == "DatasetClause":
            raise _refuse(context, text, "FROM / FROM NAMED is refused: a query may only read "
                          "the graph it is given", r"\bFROM\b")
        if name == "Function":
            fn = _resolve(node.get("iri"), prologue)
            if fn not in STANDARD_CASTS:
                shown = fn.n3() if fn is not None else "(unknown)"
                raise _refuse(context, text, f"function {shown} is outside the SPARQL standard "
                              "library and is refused",
                              rf"[:/#<]{re.escape(_local(fn))}>?\s*\(")


def _check_iri(iri: URIRef, context: str, text: str) -> None:
    if str(iri).startswith(PROPERTY_FUNCTION_NAMESPACES):
        raise _refuse(context, text, f"property function {iri.n3()} is refused",
                      rf"[:/#<]{re.escape(_local(iri))}\b")


def _local(iri: Any) -> str:
    text = str(iri)
    for sep in ("#", "/", ":"):
        if sep in text:
            tail = text.rsplit(sep, 1)[1]
            if tail:
                return tail
    return text


__all__ = [
    "MAX_NESTING",
    "MAX_QUERY_CHARS",
    "STANDARD_CASTS",
    "ParsedQuery",
    "check_runnable",
    "normalise_query",
    "run_oxigraph",
    "vet_query",
]
