"""mini: an in-process SPARQL evaluator for the SELECT subset the fast backend issues.

For one small workload the fast backend's ~270 compiled queries cost Oxigraph 50-110 µs each
in parse and planning alone. mini parses each text once, compiles it to Python closures over
dict indexes, and answers the same query on a ~100-triple dataset in microseconds. Its answers
must equal ``pyoxigraph.Store.query`` on a store holding the same quads (0.5.13), row for row
as a multiset: anything it cannot evaluate with certainty raises ``Unsupported`` -- at
``prepare`` for the query's shape, at ``run`` for data it does not model -- and the caller asks
Oxigraph instead.

    ds = Dataset({graph_name: triples, ...}, default=default_triples)
    q = prepare("SELECT DISTINCT ?g ?this WHERE { GRAPH ?g { ?this a <urn:C> } }")
    rows = q.run(ds)                       # [(URIRef, URIRef), ...]; unbound -> None

Supported: SELECT [DISTINCT] with variables, ``*`` and ``(expr AS ?v)``; PREFIX; groups,
OPTIONAL (with FILTER inside), UNION, MINUS, GRAPH (variable or IRI), VALUES, BIND, FILTER,
[NOT] EXISTS, sub-selects, GROUP BY variables or expressions with HAVING and COUNT
([DISTINCT] expr or ``*``); property paths ``/ | ^ * + ?`` and ``a``; the operators
``= != < <= > >= IN, NOT IN, && || !`` and the functions sameTerm, BOUND, COALESCE, IF, STR,
LANG, langMatches, DATATYPE, isIRI/isURI, isBlank, isLiteral, isNumeric, STRLEN, UCASE,
LCASE, STRSTARTS, STRENDS, CONTAINS, REGEX (constant pattern in the translatable subset of
``regex``), and the XSD casts string, boolean, integer, decimal, float, double, date, time,
dateTime. Literals follow Oxigraph's value model (``values``): canonical forms, i64 integers,
18-digit fixed-point decimals, f32/f64, timezone-aware date/time comparison.

Unsupported (raises at prepare): other query forms, FROM, ORDER BY, LIMIT/OFFSET, REDUCED,
SERVICE, arithmetic, aggregates other than COUNT, other functions, blank nodes and collections
in patterns, negated property sets, nested GRAPH, VALUES or a sub-select inside GRAPH without
a graph-binding pattern (Oxigraph leaves the graph variable unbound there), MINUS / sub-select
inside EXISTS, literals of gYear & co. or durations in the query text, a REGEX pattern outside
the translatable subset (``regex``), and two shapes where Oxigraph's optimizer departs from
plain evaluation: an EXISTS inside one side of a join that reads a variable of the other side
(Oxigraph may run the join as a for-loop and show it that binding), and a FILTER / BIND inside
EXISTS reading a variable bound only outside the EXISTS (its optimizer may fold it as unbound).

Unsupported (raises at run): a dataset holding gYear & co. or duration literals; a
substitution of a variable that an expression, BIND or VALUES uses, or that is not projected,
or in a query with MINUS, a sub-select or grouping (Oxigraph's optimizer types those as if the
variable were unbound); rare values (``xsd:integer()`` of a double beyond 2^31, UCASE/LCASE
or a ``\\d`` regex over a character Python's Unicode tables do not know).

``SELECT *`` lists the in-scope variables sorted by name, as Oxigraph does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rdflib.term import Node

from engine.shacl.fast.mini.algebra import required
from engine.shacl.fast.mini.dataset import Dataset, Graph
from engine.shacl.fast.mini.evaluate import Compiler
from engine.shacl.fast.mini.parser import _refuse, parse
from engine.shacl.fast.mini.steps import Env
from engine.shacl.fast.mini.terms import Term, Unmodelled, from_rdflib
from engine.shacl.fast.mini.translate import QueryPlan, Scope, Translator, _Refused
from engine.shacl.fast.model import Unsupported

_CACHE: dict[str, PreparedQuery] = {}
_CACHE_LIMIT = 4096
_NO_GRAPH = Graph()


class PreparedQuery:
    """One parsed and compiled query; ``run`` it on any number of datasets."""

    def __init__(self, text: str) -> None:
        self.text = text
        q = parse(text)
        scope = Scope()
        tr = Translator(scope)
        try:
            plan = QueryPlan(q, tr, top=True)
        except _Refused as exc:
            _refuse(text, str(exc))
            raise AssertionError("unreachable") from None
        plan.compile(Compiler(len(scope.names)))
        # Aggregates without GROUP BY answer one row even over no solutions
        self._needs = (required(plan.where) if not (plan.grouped and not plan.group_keys)
                       else (frozenset(), frozenset()))
        plan.release()
        self._plan = plan
        self._width = plan.width
        self.variables: tuple[str, ...] = tuple(plan.out_names)
        self._slots = {name: scope.slots[name] for name in self.variables}
        #: variables a substitution may not touch: read by an expression, assigned by BIND or
        #: VALUES (Oxigraph's optimizer folds those as if the variable were unbound)
        self._no_substitution = tr.expr_names | tr.values_names | tr.bind_names
        self._substitution_refused = (
            "MINUS" if tr.has_minus else "a sub-select" if tr.has_subselect
            else "grouping" if plan.grouped else None)

    def run(self, ds: Dataset, default_graph: Node | None = None,
            substitutions: Mapping[str, Node] | None = None) -> list[tuple[Node | None, ...]]:
        """Rows as ``pyoxigraph.Store.query(text, default_graph=..., substitutions=...)`` gives
        them on a store with the same quads (as a multiset; order is not kept)."""
        env = self._env(ds, default_graph)
        start: list[Any] | None = None
        if substitutions:
            start = [None] * self._width
            for name, node in substitutions.items():
                if name not in self._slots:
                    raise Unsupported(f"substitution of ?{name}, which is not projected")
                if name in self._no_substitution:
                    raise Unsupported(f"substitution of ?{name}, which an expression, BIND or "
                                      "VALUES uses")
                if self._substitution_refused:
                    raise Unsupported(f"substitutions with {self._substitution_refused}")
                try:
                    start[self._slots[name]] = from_rdflib(node)
                except Unmodelled as exc:
                    raise Unsupported(f"substitution with a {exc}") from None
        rows = self._tuples(ds, env, start)
        node_of = ds.node_of
        get = node_of.get
        held = node_of.__contains__  # None (unbound) is held too, as None
        out = []
        for r in rows:
            if all(map(held, r)):
                out.append(tuple(map(get, r)))
            else:  # a term the data does not hold (a computed value)
                out.append(tuple(get(t) if t in node_of else t.to_rdflib() for t in r))
        return out


    @property
    def needs(self) -> tuple[frozenset[Term], frozenset[Term]]:
        """Predicates and ``rdf:type`` classes every solution needs (empty: none known): a
        dataset without one of them answers nothing."""
        return self._needs

    def _tuples(self, ds: Dataset, env: Env, start: list[Any] | None) -> list[tuple[Any, ...]]:
        preds, classes = self._needs
        if preds:
            have_p, have_c = ds.present()
            if not (preds <= have_p and classes <= have_c):
                return []  # a pattern every solution matches finds nothing in any graph
        return self._plan.tuples(env, start)

    def run_terms(self, ds: Dataset) -> list[tuple[Any, ...]]:
        """:meth:`run` without a default graph or substitutions, as the dataset's terms
        (None for unbound) rather than the caller's rdflib nodes."""
        return self._tuples(ds, self._env(ds, None), None)

    @staticmethod
    def _env(ds: Dataset, default_graph: Node | None) -> Env:
        if ds.unsupported:
            raise Unsupported(f"dataset holds a {ds.unsupported}")
        env = ds.envs.get(default_graph)
        if env is None:
            if default_graph is None:
                default = ds.default
            else:
                try:
                    default = ds.named.get(from_rdflib(default_graph), _NO_GRAPH)
                except Unmodelled:
                    default = _NO_GRAPH
            env = ds.envs[default_graph] = Env(default, ds.named, ds.named_list)
        return env


def prepare(text: str) -> PreparedQuery:
    """The compiled query for ``text`` (cached). Raises ``Unsupported`` for anything outside
    the subset (the message names the feature) and ``SyntaxError`` for text that is not
    SPARQL."""
    q = _CACHE.get(text)
    if q is None:
        q = PreparedQuery(text)
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        _CACHE[text] = q
    return q


__all__ = ["Dataset", "PreparedQuery", "Unsupported", "prepare"]
