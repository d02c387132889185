"""Custom-lens answers a workload carries (``reviews:``), with where each is written.

The loader fills :attr:`engine.workload.Workload.reviews` from these; evaluating them
against the lens's risk rules is :mod:`engine.validate.reviews`' job.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.term import Node

from engine.errors import Location


@dataclass(frozen=True)
class ReviewAnswer:
    """The choices selected for one question; ``location`` is the question key's."""

    question: str
    choices: tuple[str, ...]
    location: Location
    choice_locations: tuple[Location, ...]  # one per choice, same order

    def location_of(self, choice: str) -> Location:
        for cid, loc in zip(self.choices, self.choice_locations, strict=False):
            if cid == choice:
                return loc
        return self.location


@dataclass(frozen=True)
class ReviewRequest:
    """One ``reviews:`` entry: the lens file as written and the answers."""

    lens: str
    location: Location  # of the ``lens`` value
    answers: tuple[ReviewAnswer, ...]


def requests_from_graph(graph: Graph, root: URIRef,
                        locations: Mapping[Node, Location]) -> tuple[ReviewRequest, ...]:
    """Reviews stated in a Turtle or JSON-LD workload (``mlwa:hasReview`` nodes with
    ``mlwa:reviewLensFile`` and ``mlwa:selectedChoice "question=choice"``)."""
    from engine.vocab import MLWA

    out = []
    for node in sorted(graph.objects(root, MLWA.hasReview), key=str):
        lens = graph.value(node, MLWA.reviewLensFile)
        if lens is None:
            continue
        where = locations.get(node) or Location(locations.get(root, Location()).file)
        chosen: dict[str, list[str]] = {}
        for lit in sorted(graph.objects(node, MLWA.selectedChoice), key=str):
            qid, _, cid = str(lit).partition("=")
            chosen.setdefault(qid, []).append(cid)
        answers = tuple(ReviewAnswer(q, tuple(cs), where, tuple(where for _ in cs))
                        for q, cs in chosen.items())
        out.append(ReviewRequest(str(lens), where, answers))
    return tuple(out)
