"""Terms as Oxigraph identifies them, interned so that identity is ``is``.

Every distinct RDF term (after Oxigraph's canonicalisation of literals, see ``values``) is
one ``Term`` object, shared by all datasets and prepared queries that hold it: joins, DISTINCT
and sameTerm compare objects, never strings. The table keeps weak references, so terms of
workloads that are gone do not pile up.
"""

from __future__ import annotations

import weakref
from typing import Any

from rdflib.term import BNode, Literal, Node, URIRef

from engine.shacl.fast.mini import values as V

IRI, BLANK, LITERAL = 0, 1, 2


class Term:
    """One RDF term. ``cat``/``val`` are the literal's value category and parsed value;
    ``lex`` is the canonical lexical form (IRI text, blank node label, literal value)."""

    __slots__ = ("__weakref__", "cat", "dt", "key", "kind", "lang", "lex", "node", "val")

    kind: int
    cat: int
    lex: str
    dt: str | None
    lang: str | None
    val: Any
    key: Any
    node: Node | None

    def __repr__(self) -> str:
        if self.kind == IRI:
            return f"<{self.lex}>"
        if self.kind == BLANK:
            return f"_:{self.lex}"
        if self.lang:
            return f"{self.lex!r}@{self.lang}"
        return f"{self.lex!r}^^<{self.dt}>"

    def to_rdflib(self) -> Node:
        """The term as Oxigraph returns it: canonical lexical form, kept verbatim."""
        node = self.node
        if node is None:
            if self.kind == IRI:
                node = URIRef(self.lex)
            elif self.kind == BLANK:
                node = BNode(self.lex)
            elif self.lang is not None:
                node = Literal(self.lex, lang=self.lang)
            elif self.dt == V.XSD_STRING:
                node = Literal(self.lex)
            else:  # rdflib would rewrite some lexical forms ("2002-10-10-05:00" loses its zone)
                node = Literal(self.lex, datatype=URIRef(self.dt or V.XSD_STRING),
                               normalize=False)
            self.node = node
        return node


class _Ref(weakref.ref):  # type: ignore[type-arg]
    __slots__ = ("key", "table")

    key: Any
    table: dict[Any, _Ref]


#: Interning tables, weakly held: IRIs, blank node labels and xsd:string literals keyed by
#: their text alone (no tuple to build per lookup), everything else in ``_TABLE``.
_IRIS: dict[str, _Ref] = {}
_BLANKS: dict[str, _Ref] = {}
_STRINGS: dict[str, _Ref] = {}
_TABLE: dict[Any, _Ref] = {}


def _forget(ref: _Ref) -> None:
    table = ref.table
    if table.get(ref.key) is ref:
        del table[ref.key]


def _new(key: Any, kind: int, cat: int, lex: str, dt: str | None, lang: str | None,
         val: Any, table: dict[Any, _Ref] = _TABLE) -> Term:
    t = Term()
    t.kind = kind
    t.cat = cat
    t.lex = lex
    t.dt = dt
    t.lang = lang
    t.val = val
    t.key = key
    t.node = None
    ref = _Ref(t, _forget)
    ref.key = key
    ref.table = table
    table[key] = ref
    return t


def iri(value: str) -> Term:
    ref = _IRIS.get(value)
    t = ref() if ref is not None else None
    return t if t is not None else _new(value, IRI, -1, value, None, None, None, _IRIS)


def blank(label: str) -> Term:
    ref = _BLANKS.get(label)
    t = ref() if ref is not None else None
    return t if t is not None else _new(label, BLANK, -1, label, None, None, None, _BLANKS)


def string(lex: str) -> Term:
    """The xsd:string literal ``lex``."""
    ref = _STRINGS.get(lex)
    t = ref() if ref is not None else None
    return t if t is not None else _new(lex, LITERAL, V.STR, lex, V.XSD_STRING, None, lex,
                                        _STRINGS)


class Unmodelled(ValueError):
    """A literal of a datatype Oxigraph encodes natively but mini does not model."""


def literal(lex: str, dt: str | None = None, lang: str | None = None) -> Term:
    """The term Oxigraph makes of this literal (language tags lower-cased, known datatypes
    parsed and written canonically, everything else kept verbatim)."""
    if lang:
        lang = lang.lower()
        key: Any = ("l", lex, lang)
        ref = _TABLE.get(key)
        t = ref() if ref is not None else None
        return t if t is not None else _new(key, LITERAL, V.LANG, lex, V.RDF_LANG_STRING, lang,
                                            lex)
    if dt is None or dt == V.XSD_STRING:
        return string(lex)
    return typed(lex, dt)


#: Parsed typed literals by datatype and lexical form as written, held strongly (most
#: workloads repeat the same few: "true"^^xsd:boolean, small integers, dates); cleared
#: whole when it holds ``PARSED_LIMIT`` of them. A term it drops stays interned while used.
_PARSED: dict[str, dict[str, Term]] = {}
_parsed_count = 0
PARSED_LIMIT = 20_000


def typed(lex: str, dt: str) -> Term:
    """``literal(lex, dt)`` for a datatype other than xsd:string (and no language)."""
    global _parsed_count
    by_lex = _PARSED.get(dt)
    if by_lex is not None:
        t = by_lex.get(lex)
        if t is not None:
            return t
    if dt in V.UNMODELLED:
        raise Unmodelled(f"literal of datatype <{dt}>")
    parsed = V.parse_typed(lex, dt)
    if parsed is None:
        key: Any = ("o", lex, dt)
        ref = _TABLE.get(key)
        t = ref() if ref is not None else None
        if t is None:
            t = _new(key, LITERAL, V.OTHER, lex, dt, None, lex)
    else:
        cat, val, canon, cdt = parsed
        key = (cat, V.identity(cat, val))
        ref = _TABLE.get(key)
        t = ref() if ref is not None else None
        if t is None:
            t = _new(key, LITERAL, cat, canon, cdt, None, val)
    if _parsed_count >= PARSED_LIMIT:
        _PARSED.clear()
        _parsed_count = 0
    if by_lex is None or not _PARSED:
        by_lex = _PARSED.setdefault(dt, {})
    by_lex[lex] = t
    _parsed_count += 1
    return t


def from_value(cat: int, val: Any) -> Term:
    """The term of a computed value of a native category."""
    key = (cat, V.identity(cat, val))
    ref = _TABLE.get(key)
    t = ref() if ref is not None else None
    if t is not None:
        return t
    if cat == V.BOOL:
        return _new(key, LITERAL, cat, "true" if val else "false", V.XSD_BOOLEAN, None, val)
    if cat == V.INT:
        return _new(key, LITERAL, cat, str(val), V.XSD_INTEGER, None, val)
    if cat == V.DEC:
        return _new(key, LITERAL, cat, V.format_decimal(val), V.XSD_DECIMAL, None, val)
    if cat == V.DBL:
        return _new(key, LITERAL, cat, V.format_double(val), V.XSD_DOUBLE, None, val)
    if cat == V.FLT:
        return _new(key, LITERAL, cat, V.format_float(val), V.XSD_FLOAT, None, val)
    if cat == V.DATETIME:
        return _new(key, LITERAL, cat, V.format_datetime(*val), V.XSD_DATETIME, None, val)
    if cat == V.DATE:
        return _new(key, LITERAL, cat, V.format_date(*val), V.XSD_DATE, None, val)
    if cat == V.TIME:
        return _new(key, LITERAL, cat, V.format_time(*val), V.XSD_TIME, None, val)
    raise ValueError(cat)


TRUE = from_value(V.BOOL, True)
FALSE = from_value(V.BOOL, False)
EMPTY = literal("")


def from_rdflib(node: Node) -> Term:
    kind = type(node)
    if kind is URIRef:
        return iri(str(node))
    if kind is Literal or isinstance(node, Literal):
        lit: Literal = node  # type: ignore[assignment]
        dt = lit.datatype
        return literal(str(lit), str(dt) if dt is not None else None, lit.language)
    if isinstance(node, URIRef):
        return iri(str(node))
    if isinstance(node, BNode):
        return blank(str(node))
    raise TypeError(f"not an RDF term: {node!r}")


def table_size() -> int:
    return len(_IRIS) + len(_BLANKS) + len(_STRINGS) + len(_TABLE)
