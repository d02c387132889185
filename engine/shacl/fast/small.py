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

if TYPE_CHECKING:
    from engine.shacl.fast.compiler import Row


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

    def __init__(self, compiler: Any, store: Any) -> None:
        super().__init__(compiler, store)
        self._direct: dict[str, list[Row]] = {}

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
