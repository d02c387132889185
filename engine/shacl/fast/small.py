"""The fast backend for a handful of data graphs: the same compiled queries, run in-process.

Oxigraph pays 50–110 µs of parsing and planning per query whatever the data; the built-in
pack asks about 270 queries per batch, so one small workload cost ~21 ms in query overhead
alone. For a few graphs the compiled texts are run instead by :mod:`engine.shacl.fast.mini`,
an evaluator of exactly the SPARQL subset the compiler and the pack use, over rdflib terms
(no conversion to Oxigraph and back). Its answers equal Oxigraph's row for row (tested on
every query the pack and the W3C suite issue); a text outside its subset raises
``Unsupported`` and the batch is run by Oxigraph instead, and so is every later one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rdflib.term import BNode, Node, URIRef

from engine.shacl.fast.compiler import Evaluator
from engine.shacl.fast.mini import Dataset, prepare
from engine.shacl.fast.mini.terms import Term, Unmodelled, from_rdflib, iri

if TYPE_CHECKING:
    from engine.shacl.fast.compiler import Focus, Pair, Row
    from engine.shacl.fast.model import Constraint, Shape

_NO_PREDICATES: dict[Term, Any] = {}


@dataclass(frozen=True)
class _Var:
    value: str


class Solutions:
    """What the Evaluator reads of Oxigraph's QuerySolutions: ``variables`` and rows."""

    __slots__ = ("_rows", "variables")

    def __init__(self, variables: Sequence[str], rows: list[tuple[Node | None, ...]]) -> None:
        self.variables = [_Var(v) for v in variables]
        self._rows = rows

    def __iter__(self) -> Iterator[tuple[Node | None, ...]]:
        return iter(self._rows)


#: constraint kinds whose rows come only from their query's solutions (not sh:hasValue on a
#: path nor qualified shapes, which report focus nodes the query does not find; not those
#: answered natively)
_FROM_SOLUTIONS_ONLY = frozenset(("class", "datatype", "nodeKind", "minInclusive",
                                  "maxInclusive", "minExclusive", "maxExclusive", "minLength",
                                  "maxLength", "pattern", "languageIn", "in", "uniqueLang",
                                  "equals", "disjoint", "lessThan", "lessThanOrEquals",
                                  "closed", "node", "and", "or", "not", "xone"))
_NEEDS: dict[int, tuple[list[Any], list[Any]]] = {}


def _step_needs(comp: Any, steps: list[tuple[Shape, Any, Focus]]
                ) -> list[tuple[frozenset[Term], frozenset[Term]] | None]:
    """For each step of a plan, what its query needs (:attr:`PreparedQuery.needs`) when its
    findings can only come from that query's solutions; None for the others. Worked out
    once per plan."""
    from engine.shacl.fast.model import Constraint, Unsupported

    got = _NEEDS.get(id(steps))
    if got is not None and got[0] is steps:
        return got[1]
    out: list[tuple[frozenset[Term], frozenset[Term]] | None] = []
    for shape, item, focus in steps:
        text = None
        if type(item) is Constraint:
            if item.kind in _FROM_SOLUTIONS_ONLY:
                text = comp.query(shape, item, focus)
        elif item.batchable and not item.deactivated and focus.in_graph is not None:
            text = comp.batch_query(item, focus)
        need = None
        if text is not None:
            try:
                preds, classes = prepare(text).needs
            except (Unsupported, SyntaxError):
                pass  # the step itself raises, and the batch goes to Oxigraph
            else:
                need = (preds, classes) if preds else None
        out.append(need)
    if len(_NEEDS) > 16:
        _NEEDS.clear()
    _NEEDS[id(steps)] = (steps, out)  # the plan is kept: its id stays its own
    return out


class MiniStore:
    """Oxigraph's ``Store.query`` signature over a :class:`Dataset`."""

    def __init__(self, dataset: Dataset) -> None:
        self.dataset = dataset

    def query(self, text: str, default_graph: Node | None = None,
              substitutions: Mapping[Any, Node] | None = None) -> Solutions:
        q = prepare(text)
        subs = ({getattr(k, "value", k): v for k, v in substitutions.items()}
                if substitutions else None)
        return Solutions(q.variables, q.run(self.dataset, default_graph=default_graph,
                                            substitutions=subs))


class MiniEvaluator(Evaluator):
    BLANK = BNode
    NAMED = URIRef
    RESULTS = Solutions

    @staticmethod
    def term_text(term: Any) -> str:
        return str(term.n3())

    @staticmethod
    def variable(name: str) -> Any:
        return name

    def select(self, query: str) -> list[dict[str, Any]]:
        """:meth:`Evaluator.select` without the result wrappers (most queries go here)."""
        rows = self._answers.get(query)
        if rows is None:
            q = prepare(query)
            names = q.variables
            rows = self._answers[query] = [dict(zip(names, r, strict=True))
                                           for r in q.run(self.store.dataset)]
        return rows

    #: rows straight from the evaluator's tuples (no dict per row); tests switch it off to
    #: compare with the generic path
    DIRECT_ROWS = True

    #: sh:minCount, sh:maxCount and sh:hasValue on a predicate path answered straight from
    #: the dataset's index instead of by their queries; tests switch it off to compare
    NATIVE = True

    def __init__(self, compiler: Any, store: Any) -> None:
        super().__init__(compiler, store)
        self._direct: dict[str, list[Row]] = {}
        self._focus_terms: dict[str, list[tuple[Term, Term]]] = {}

    def run(self, shapes: Sequence[Shape]) -> list[Any]:
        """:meth:`Evaluator.run`, leaving out the steps whose query needs a predicate or
        class no graph of the dataset holds (most of a small workload's SHACL-SPARQL
        constraints): they would answer no rows, and so no findings."""
        steps = self.c.plan(shapes)
        needs = _step_needs(self.c, steps)
        have_p, have_c = self.store.dataset.present()
        return self.run_steps([step for step, need in zip(steps, needs, strict=True)
                               if need is None or (need[0] <= have_p and need[1] <= have_c)])

    def rows(self, shape: Shape, c: Constraint, focus: Focus) -> list[Row]:
        kind = c.kind
        if (kind == "minCount" or kind == "maxCount") and type(shape.path) is URIRef \
                and self.NATIVE:
            return self._count_rows(shape, int(c.value), kind == "minCount", focus)
        return super().rows(shape, c, focus)

    def _objects(self, focus: Focus, path: URIRef
                 ) -> Iterator[tuple[Term, Term, Term | list[Term] | None]]:
        """Each distinct (graph, node) pair of ``focus`` with the node's objects for the
        predicate ``path`` in that graph (None, one term, or a list without duplicates, as
        Oxigraph stores them)."""
        named = self.store.dataset.named
        pred = iri(str(path))
        for gt, tt in self.focus_terms(focus):
            g = named.get(gt)
            yield gt, tt, None if g is None else g.spo.get(tt, _NO_PREDICATES).get(pred)

    def _pair(self, gt: Term, tt: Term) -> tuple[Node, Node]:
        node_of = self.store.dataset.node_of
        this = node_of.get(tt)  # None: a target node the data does not hold
        return node_of[gt], tt.to_rdflib() if this is None else this

    def _count_rows(self, shape: Shape, n: int, minimum: bool, focus: Focus) -> list[Row]:
        """The rows of ``SELECT ?g ?this WHERE { F OPTIONAL { GRAPH ?g { ?this <p> ?value } } }
        GROUP BY ?g ?this HAVING (COUNT(DISTINCT ?value) < n)`` (``>`` for a maximum)."""
        out: list[Row] = []
        for gt, tt, objs in self._objects(focus, shape.path):  # type: ignore[arg-type]
            k = 0 if objs is None else 1 if type(objs) is Term else len(objs)  # type: ignore[arg-type]
            if (k < n) if minimum else (k > n):
                out.append((*self._pair(gt, tt), None, None))
        return out

    def lacking_value(self, shape: Shape, c: Constraint, focus: Focus) -> set[Pair]:
        if type(shape.path) is not URIRef or not self.NATIVE:
            return super().lacking_value(shape, c, focus)
        try:
            want = from_rdflib(c.value)  # the term the query's constant parses to
        except Unmodelled:
            return super().lacking_value(shape, c, focus)
        out: set[Pair] = set()
        for gt, tt, objs in self._objects(focus, shape.path):
            if objs is None or (objs is not want if type(objs) is Term else want not in objs):  # type: ignore[operator]
                out.add(self._pair(gt, tt))
        return out

    def focus_terms(self, focus: Focus) -> list[tuple[Term, Term]]:
        """The distinct (graph, node) pairs of ``focus``, as the dataset's terms."""
        got = self._focus_terms.get(focus.key)
        if got is None:
            q = prepare(self.c.focus_query(focus))
            got = self._focus_terms[focus.key] = q.run_terms(self.store.dataset)
        return got

    def plain_rows(self, query: str) -> list[Row]:
        """:meth:`Evaluator.plain_rows` read straight from the in-process evaluator's tuples."""
        if not self.DIRECT_ROWS:
            return super().plain_rows(query)
        got = self._direct.get(query)
        if got is None:
            q = prepare(query)
            raw = q.run(self.store.dataset)
            if raw:
                names = q.variables
                ig, it = names.index("g"), names.index("this")
                iv = names.index("value") if "value" in names else -1
                ip = names.index("path") if "path" in names else -1
                got = [(r[ig], r[it], r[iv] if iv >= 0 else None, r[ip] if ip >= 0 else None)
                       for r in raw]
            else:
                got = []
            self._direct[query] = got
        return got
