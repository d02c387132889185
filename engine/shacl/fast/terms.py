"""Moving terms between rdflib and Oxigraph without losing which term the caller had.

Oxigraph canonicalises typed literals when it stores them ("05"^^xsd:int comes back as
"5"^^xsd:integer), so results cannot be mapped back by rebuilding the literal alone. Each
loaded graph keeps a value-keyed index of its own literals, and a graph whose literals
Oxigraph would merge or retype is flagged ``lossy``: the backend then validates that graph
with the reference engine rather than report something the caller's graph does not say.
"""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.plugins.stores.memory import Memory, SimpleMemory
from rdflib.term import BNode, Literal, Node, URIRef

#: ``true``, the one value that switches a SHACL flag (sh:closed, sh:deactivated) on.
TRUE = Literal(True)
#: Datatypes Oxigraph folds into xsd:integer on insert.
INTEGER_SUBTYPES = frozenset(
    XSD[n]
    for n in ["byte", "short", "int", "long", "unsignedByte", "unsignedShort", "unsignedInt", "unsignedLong", "positiveInteger", "nonNegativeInteger", "negativeInteger", "nonPositiveInteger"]
)
_SAFE_BNODE = re.compile(r"^[A-Za-z0-9_]+$")
_SUBCLASS_OF = RDFS.subClassOf

_named_cache: dict[str, ox.NamedNode] = {}
_plain_cache: dict[tuple[str, str | None], ox.Literal] = {}
_typed_cache: dict[tuple[str, str, bool], tuple[ox.Literal, tuple[Any, ...], bool]] = {}
_XSD_STRING = XSD.string
_LANG_STRING = RDF.langString


def named(iri: str) -> ox.NamedNode:
    node = _named_cache.get(iri)
    if node is None:
        if len(_named_cache) > 200_000:
            _named_cache.clear()
        node = _named_cache[iri] = ox.NamedNode(iri)
    return node


def literal_key(lit: Literal) -> tuple[Any, ...]:
    """Identity of a literal's value, the way Oxigraph sees it."""
    dt = lit.datatype
    if dt in INTEGER_SUBTYPES:
        dt = XSD.integer
    if lit.ill_typed or lit.value is None:
        return (dt, lit.language, "lex", str(lit))
    value = lit.value
    try:
        hash(value)
    except TypeError:
        value = str(lit)
    return (dt, lit.language, "val", type(value).__name__, value)


class GraphTerms:
    """rdflib → Oxigraph for one data graph, and the index to map results back."""

    def __init__(self) -> None:
        self.literals: dict[tuple[Any, ...], Literal] = {}
        self.bnodes: dict[str, BNode] = {}
        self.lossy = False
        self.has_subclass = False

    def to_ox(self, term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        kind = type(term)
        if kind is URIRef:
            # A plain-str key: rdflib's own __eq__/__hash__ are Python code, twice as slow.
            key = str(term)
            node = _named_cache.get(key)
            if node is None:
                node = named(key)
            return node
        if kind is BNode:
            ident = str(term)
            if not _SAFE_BNODE.match(ident):
                ident = "x" + format(abs(hash(ident)), "x")
            self.bnodes[ident] = term  # type: ignore[assignment]
            return ox.BlankNode(ident)
        if kind is not Literal:  # subclasses: rare, and isinstance on rdflib terms is slow
            if isinstance(term, URIRef):
                return named(str(term))
            if isinstance(term, BNode):
                return self.to_ox(BNode(str(term)))
        if isinstance(term, Literal):
            dt = term.datatype
            if dt is None or dt in (_XSD_STRING, _LANG_STRING):
                # Plain strings are most literals and need no value index: Oxigraph keeps them.
                lang = term.language
                pkey = (str(term), lang)
                cached = _plain_cache.get(pkey)
                if cached is None:
                    if len(_plain_cache) > 200_000:
                        _plain_cache.clear()
                    cached = _plain_cache[pkey] = (
                        ox.Literal(pkey[0], language=lang) if lang else ox.Literal(pkey[0]))
                return cached
            tkey = (str(term), str(dt), bool(term.ill_typed))
            entry = _typed_cache.get(tkey)
            if entry is None:
                if len(_typed_cache) > 200_000:
                    _typed_cache.clear()
                # Lossy: Oxigraph folds xsd:int & co. into xsd:integer, or rdflib already
                # rewrote an ill-formed lexical form into a valid one.
                lossy = dt in INTEGER_SUBTYPES or bool(
                    term.ill_typed and not Literal(tkey[0], datatype=dt).ill_typed)
                entry = _typed_cache[tkey] = (
                    ox.Literal(tkey[0], datatype=named(tkey[1])), literal_key(term), lossy)
            oxlit, vkey, lossy = entry
            if lossy:
                self.lossy = True
            seen = self.literals.setdefault(vkey, term)
            if seen is not term and seen != term:
                self.lossy = True  # two distinct literals Oxigraph would store as one
            return oxlit
        raise TypeError(f"not an RDF term: {term!r}")

    def from_ox(self, term: Any) -> Node:
        if isinstance(term, ox.NamedNode):
            value = term.value
            uri = _uri_cache.get(value)
            if uri is None:
                if len(_uri_cache) > 200_000:
                    _uri_cache.clear()
                uri = _uri_cache[value] = URIRef(value)
            return uri
        if isinstance(term, ox.BlankNode):
            return self.bnodes.get(term.value) or BNode(term.value)
        if isinstance(term, ox.Literal):
            if term.language:
                return Literal(term.value, lang=term.language)
            dt = term.datatype.value
            if dt == str(XSD.string):
                return Literal(term.value)
            lit = Literal(term.value, datatype=URIRef(dt))
            return self.literals.get(literal_key(lit), lit)
        raise TypeError(f"unexpected Oxigraph term {term!r}")

    def scan(self, graph: rdflib.Graph) -> list[tuple[Node, Node, Node]]:
        """The graph's triples as they are, flagging ``lossy`` and ``has_subclass`` just as
        :meth:`quads` would (for the in-process engine, which keeps rdflib terms)."""
        triples = _triples(graph)
        if not isinstance(triples, list):
            triples = list(triples)
        to_ox = self.to_ox
        for _, _, o in triples:
            if type(o) is not URIRef and type(o) is not BNode:
                to_ox(o)
        self.has_subclass = _SUBCLASS_OF in {p for _, p, _ in triples}
        return triples

    def quads(self, graph: rdflib.Graph, name: ox.NamedNode) -> list[ox.Quad]:
        to_ox = self.to_ox
        quad = ox.Quad
        triples = _triples(graph)
        if not isinstance(triples, list):
            triples = list(triples)
        out = [quad(to_ox(s), to_ox(p), to_ox(o), name)  # type: ignore[arg-type]
               for s, p, o in triples]
        self.has_subclass = _SUBCLASS_OF in {p for _, p, _ in triples}
        return out


#: IRIs coming back from Oxigraph, converted once (rdflib checks every IRI it builds)
_uri_cache: dict[str, URIRef] = {}


def _triples(graph: rdflib.Graph) -> Any:
    """The graph's triples; read straight from rdflib's in-memory index when that index
    holds this graph alone (15x faster than Graph.triples, which resolves contexts per
    triple), otherwise through the public API."""
    store = graph.store
    plain = (type(graph).triples is rdflib.Graph.triples
             and not isinstance(graph, rdflib.ConjunctiveGraph))
    pending = getattr(store, "pending_triples", None) if plain else None
    if pending is not None:  # a lifted workload not indexed yet (engine.workload.lift)
        triples = pending()
        if triples is not None:
            return triples
    if plain and type(store) is Memory:
        spo = getattr(store, "_Memory__spo", None)
        contexts = getattr(store, "_Memory__all_contexts", None)
        if isinstance(spo, dict) and contexts is not None and len(contexts) <= 1:
            return [(s, p, o) for s, po in spo.items() for p, os in po.items() for o in os]
    if plain and (type(store) is SimpleMemory or pending is not None):  # mlwa's loader's
        spo = getattr(store, "_SimpleMemory__spo", None)
        if isinstance(spo, dict):
            return [(s, p, o) for s, po in spo.items() for p, os in po.items() for o in os]
    return graph.triples((None, None, None))


def from_ox_shared(term: Any) -> Node:
    """Convert a term that comes from the shapes graph or the query text, not from data."""
    return GraphTerms().from_ox(term)


def sparql_term(term: Node) -> str:
    """A shapes-graph constant written into query text (blank nodes cannot be)."""
    if isinstance(term, BNode):
        raise ValueError("a blank node cannot be written into SPARQL")
    return term.n3()
