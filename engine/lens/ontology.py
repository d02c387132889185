"""The ML Lens knowledge graph: load it once, look things up, ask it questions.

Everything here reads the bundled Turtle under ``ontology/`` (found through
:mod:`engine.paths`). :func:`load_lens` is cached per process; the objects it returns are
immutable, so the CLI, the app and the policy engine can share them freely.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import paths
from engine.errors import InputError

if TYPE_CHECKING:
    import networkx as nx
    from rdflib import Graph, URIRef

EDITIONS = ("2023", "2025")
PHASE_ORDER = ("business-goal", "problem-framing", "data-processing", "model-development",
               "deployment", "monitoring")
PILLAR_ORDER = ("operational-excellence", "security", "reliability", "performance-efficiency",
                "cost-optimization", "sustainability")
_ID_2025 = re.compile(r"^ML(OPS|SEC|REL|PERF|COST|SUS)\d{2}-BP\d{2}$")
_ID_2023 = re.compile(r"^ML(OE|SEC|REL|PER|COST|SUS)-\d{2}$")


@dataclass(frozen=True)
class Named:
    """A pillar, phase, principle, key area or risk level: an IRI with a slug and a label."""

    iri: str
    slug: str
    label: str
    description: str = ""
    order: int = 0


@dataclass(frozen=True)
class Pillar(Named):
    tool_id: str = ""
    key_areas: tuple[Named, ...] = ()


@dataclass(frozen=True)
class Phase(Named):
    parent: str | None = None  # slug of the phase this is a sub-phase of
    next_phase: str | None = None
    feeds_back_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    iri: str
    id: str
    title: str
    summary: str
    pillar: str
    phase: str


@dataclass(frozen=True)
class Practice:
    iri: str
    id2025: str
    id2023: str
    title2025: str
    title2023: str
    pillar: str
    phase2023: str
    phase2025: str
    question: str
    risk: str  # high | medium | not-stated
    description: str
    principles: tuple[str, ...]
    related: tuple[str, ...]  # 2025 ids
    source2023: str
    source2025: str
    automatable: bool

    def id(self, edition: str = "2025") -> str:
        return self.id2023 if edition == "2023" else self.id2025

    def title(self, edition: str = "2025") -> str:
        return self.title2023 if edition == "2023" else self.title2025

    def phase(self, edition: str = "2025") -> str:
        return self.phase2023 if edition == "2023" else self.phase2025

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id2025, "id2023": self.id2023, "iri": self.iri,
            "title": self.title2025, "title2023": self.title2023,
            "pillar": self.pillar, "phase": self.phase2025, "phase2023": self.phase2023,
            "question": self.question, "risk": self.risk, "description": self.description,
            "principles": list(self.principles), "related": list(self.related),
            "sources": {"2023": self.source2023, "2025": self.source2025},
            "automatable": self.automatable,
        }


def ontology_files() -> list[Path]:
    """The Turtle files that make up the lens graph, in a fixed order."""
    root = paths.ontology_dir()
    files = [root / "mlwa.ttl", *sorted((root / "lens").glob("*.ttl"))]
    files.append(root / "policy.ttl")
    workload = root / "workload.ttl"
    if workload.exists():
        files.append(workload)
    return files


@cache
def class_hierarchy() -> Graph:
    """The rdfs:subClassOf triples of the bundled vocabularies: all a backend needs for
    sh:targetClass / sh:class to see subclasses, and far smaller than the lens graph.
    Read straight from the vocabulary files (the lens content has no subclasses)."""
    from rdflib import RDF, RDFS, Graph

    from engine.rdfio import parse_turtle_file

    g = Graph()
    for path in ontology_files():
        if path.parent.name == "lens":
            continue
        for t in parse_turtle_file(path).triples((None, RDFS.subClassOf, None)):
            g.add(t)
    for s in set(g.subjects(RDFS.subClassOf, None)):
        g.add((s, RDF.type, RDFS.Class))
    return g


@cache
def lens_graph() -> Graph:
    """The lens graph (core ontology, lens content, workload vocabulary), parsed once."""
    from rdflib import Graph

    from engine.vocab import PREFIXES

    graph = Graph()
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns)
    for path in ontology_files():
        graph.parse(path, format="turtle")
    return graph


def _slug(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Lens:
    """Read-only view of the lens graph with fast look-ups."""

    practices: tuple[Practice, ...]
    pillars: tuple[Pillar, ...]
    phases: tuple[Phase, ...]  # top-level phases first, in lifecycle order, then sub-phases
    principles: tuple[Named, ...]
    questions: tuple[Question, ...]
    risks: tuple[Named, ...]

    @property
    def graph(self) -> Graph:
        """The full lens graph (parsed on first use; look-ups do not need it)."""
        return lens_graph()

    # ------------------------------------------------------------------ look-ups
    @cached_property
    def _by_id(self) -> dict[str, Practice]:
        index: dict[str, Practice] = {}
        for p in self.practices:
            index[p.id2025.upper()] = p
            index[p.id2023.upper()] = p
        return index

    @cached_property
    def pillar_by_slug(self) -> dict[str, Pillar]:
        return {p.slug: p for p in self.pillars}

    @cached_property
    def phase_by_slug(self) -> dict[str, Phase]:
        return {p.slug: p for p in self.phases}

    @cached_property
    def principle_by_slug(self) -> dict[str, Named]:
        return {p.slug: p for p in self.principles}

    @cached_property
    def question_by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    @property
    def top_phases(self) -> tuple[Phase, ...]:
        return tuple(p for p in self.phases if p.parent is None)

    def find(self, practice_id: str) -> Practice | None:
        """The practice with this id in either edition (case-insensitive), or None. The
        choice-id form of the Well-Architected Tool lens export (``MLCOST06_BP04``) is
        accepted for ``MLCOST06-BP04``."""
        key = practice_id.strip().upper()
        found = self._by_id.get(key) or self._by_id.get(_pad_numbers(key))
        if found is None and "_" in key:
            return self.find(key.replace("_", "-"))
        return found

    def practice(self, practice_id: str) -> Practice:
        """The practice with this id in either edition; an :class:`InputError` naming the
        nearest known ids otherwise."""
        found = self.find(practice_id)
        if found is None:
            raise InputError(f"unknown practice id {practice_id!r}{self.suggest(practice_id)}")
        return found

    def suggest(self, practice_id: str) -> str:
        close = difflib.get_close_matches(practice_id.strip().upper(), list(self._by_id), n=3,
                                          cutoff=0.5)
        return f"; did you mean {', '.join(close)}?" if close else ""

    def to_2025(self, practice_id: str) -> str:
        return self.practice(practice_id).id2025

    def select(self, *, pillar: str | None = None, phase: str | None = None,
               principle: str | None = None, question: str | None = None,
               risk: str | None = None, edition: str = "2025") -> list[Practice]:
        """Practices matching every given filter (slugs; phase in the given edition)."""
        for value, known, what in ((pillar, self.pillar_by_slug, "pillar"),
                                   (phase, self.phase_by_slug, "phase"),
                                   (principle, self.principle_by_slug, "principle"),
                                   (question, self.question_by_id, "question")):
            if value is not None and value not in known:
                close = difflib.get_close_matches(value, list(known), n=3, cutoff=0.4)
                hint = f"; did you mean {', '.join(close)}?" if close else \
                    f"; known: {', '.join(sorted(known))}"
                raise InputError(f"unknown {what} {value!r}{hint}")
        out = []
        for p in self.practices:
            if pillar and p.pillar != pillar:
                continue
            if phase and p.phase(edition) != phase:
                continue
            if principle and principle not in p.principles:
                continue
            if question and p.question != question:
                continue
            if risk and p.risk != risk:
                continue
            out.append(p)
        return out

    # ------------------------------------------------------------------ summaries
    def matrix(self, edition: str = "2025") -> dict[str, dict[str, int]]:
        """Pillar × phase practice counts for one edition (every cell present)."""
        cells = Counter((p.pillar, p.phase(edition)) for p in self.practices)
        return {pl: {ph: cells.get((pl, ph), 0) for ph in PHASE_ORDER} for pl in PILLAR_ORDER}

    def principle_coverage(self) -> dict[str, int]:
        counts = Counter(s for p in self.practices for s in p.principles)
        return {pr.slug: counts.get(pr.slug, 0) for pr in self.principles}

    # ------------------------------------------------------------------ SPARQL
    def query(self, sparql: str) -> tuple[list[str], list[list[Any]]]:
        """Run a vetted, read-only SELECT or ASK query; return (columns, rows)."""
        from engine.sparqlguard import vet_query
        from engine.vocab import sparql_prefixes

        text = sparql if "PREFIX" in sparql.upper() else sparql_prefixes() + sparql
        parsed = vet_query(text, context="lens query")
        result = self.graph.query(parsed.query)  # the vetted algebra itself, not a re-parse
        if result.type == "ASK":
            return ["ask"], [[bool(result.askAnswer)]]
        columns = [str(v) for v in (result.vars or [])]
        rows = [[_plain(row[i]) for i in range(len(columns))]  # type: ignore[index]
                for row in result]
        return columns, rows

    # ------------------------------------------------------------------ networkx
    def to_networkx(self) -> nx.DiGraph:
        """Pillars, phases, principles, questions and practices as a typed directed graph."""
        import networkx as nx

        g = nx.DiGraph()
        for pl in self.pillars:
            g.add_node(f"pillar:{pl.slug}", kind="pillar", label=pl.label)
        for ph in self.phases:
            g.add_node(f"phase:{ph.slug}", kind="phase", label=ph.label)
            if ph.parent:
                g.add_edge(f"phase:{ph.slug}", f"phase:{ph.parent}", rel="subPhaseOf")
            if ph.next_phase:
                g.add_edge(f"phase:{ph.slug}", f"phase:{ph.next_phase}", rel="nextPhase")
        for pr in self.principles:
            g.add_node(f"principle:{pr.slug}", kind="principle", label=pr.label)
        for q in self.questions:
            g.add_node(f"question:{q.id}", kind="question", label=f"{q.id} {q.title}")
            g.add_edge(f"question:{q.id}", f"pillar:{q.pillar}", rel="pillar")
            g.add_edge(f"question:{q.id}", f"phase:{q.phase}", rel="phase")
        for p in self.practices:
            n = f"practice:{p.id2025}"
            g.add_node(n, kind="practice", label=f"{p.id2025} {p.title2025}", risk=p.risk)
            g.add_edge(n, f"pillar:{p.pillar}", rel="pillar")
            g.add_edge(n, f"phase:{p.phase2025}", rel="phase")
            g.add_edge(n, f"question:{p.question}", rel="question")
            for s in p.principles:
                g.add_edge(n, f"principle:{s}", rel="servesPrinciple")
            for r in p.related:
                g.add_edge(n, f"practice:{r}", rel="relatedPractice")
        return g

    def centrality(self, top: int = 10) -> list[tuple[str, float]]:
        """Practices ranked by betweenness in the practice–principle–relation graph."""
        import networkx as nx

        g = self.to_networkx().to_undirected()
        scores = nx.betweenness_centrality(g, normalized=True)
        ranked = sorted(((n.split(":", 1)[1], s) for n, s in scores.items()
                         if n.startswith("practice:")), key=lambda x: (-x[1], x[0]))
        return ranked[:top]

    def orphans(self) -> list[str]:
        """Nodes of the lens graph that nothing connects to (should be empty)."""
        g = self.to_networkx()
        return sorted(n for n in g.nodes if g.degree(n) == 0)


def _plain(value: Any) -> Any:
    if value is None:
        return None
    from rdflib import Literal

    if isinstance(value, Literal):
        py = value.toPython()
        return py if isinstance(py, (int, float, bool, str)) else str(value)
    return str(value)


def _first(graph: Graph, s: Any, p: Any) -> Any:
    return next(graph.objects(s, p), None)


def _text(graph: Graph, s: Any, p: Any) -> str:
    v = _first(graph, s, p)
    return str(v) if v is not None else ""


def _int(graph: Graph, s: Any, p: Any) -> int:
    v = _first(graph, s, p)
    return int(v) if v is not None else 0


INDEX_NAME = "index.json"


@cache
def load_lens() -> Lens:
    """The :class:`Lens` view of the bundled lens (cached per process).

    Read from ``ontology/lens/index.json``, which the generator writes from the same graph
    (a test checks that the two agree), so look-ups never pay for parsing the Turtle.
    """
    path = paths.ontology_dir() / "lens" / INDEX_NAME
    if path.exists():
        return lens_from_index(json.loads(path.read_text(encoding="utf-8")))
    return lens_from_graph(lens_graph())


def lens_to_index(lens: Lens) -> dict[str, Any]:
    return {
        "_generated": "GENERATED by ontology/tools/build_lens.py from the lens Turtle: do not edit",
        "practices": [asdict(p) for p in lens.practices],
        "pillars": [asdict(p) for p in lens.pillars],
        "phases": [asdict(p) for p in lens.phases],
        "principles": [asdict(p) for p in lens.principles],
        "questions": [asdict(q) for q in lens.questions],
        "risks": [asdict(r) for r in lens.risks],
    }


def lens_from_index(data: dict[str, Any]) -> Lens:
    def tup(d: dict[str, Any]) -> dict[str, Any]:
        return {k: tuple(v) if isinstance(v, list) else v for k, v in d.items()}

    pillars = tuple(Pillar(**{**tup(p), "key_areas": tuple(Named(**a) for a in p["key_areas"])})
                    for p in data["pillars"])
    return Lens(
        practices=tuple(Practice(**tup(p)) for p in data["practices"]),
        pillars=pillars,
        phases=tuple(Phase(**tup(p)) for p in data["phases"]),
        principles=tuple(Named(**p) for p in data["principles"]),
        questions=tuple(Question(**q) for q in data["questions"]),
        risks=tuple(Named(**r) for r in data["risks"]),
    )


def lens_from_graph(g: Graph) -> Lens:
    """Build the :class:`Lens` view from the lens graph."""
    from rdflib import RDF
    from rdflib.namespace import SKOS

    from engine.vocab import MLWA

    def subjects(cls: URIRef) -> Iterator[Any]:
        return iter(sorted(g.subjects(RDF.type, cls), key=str))

    pillars = []
    for s in subjects(MLWA.Pillar):
        areas = tuple(sorted((Named(str(a), _slug(str(a)), _text(g, a, SKOS.prefLabel),
                                    _text(g, a, SKOS.definition), _int(g, a, MLWA.order))
                              for a in g.objects(s, MLWA.hasKeyArea)), key=lambda n: n.order))
        pillars.append(Pillar(str(s), _slug(str(s)), _text(g, s, SKOS.prefLabel),
                              _text(g, s, SKOS.definition), _int(g, s, MLWA.order),
                              _text(g, s, MLWA.toolPillarId), areas))
    pillars.sort(key=lambda p: PILLAR_ORDER.index(p.slug) if p.slug in PILLAR_ORDER else 99)

    phases = []
    for s in subjects(MLWA.LifecyclePhase):
        parent = _first(g, s, MLWA.subPhaseOf)
        nxt = _first(g, s, MLWA.nextPhase)
        phases.append(Phase(str(s), _slug(str(s)), _text(g, s, SKOS.prefLabel),
                            _text(g, s, SKOS.definition), _int(g, s, MLWA.order),
                            _slug(str(parent)) if parent else None,
                            _slug(str(nxt)) if nxt else None,
                            tuple(sorted(_slug(str(o)) for o in g.objects(s, MLWA.feedsBackTo)))))
    phases.sort(key=lambda p: (p.parent is not None, p.order if p.parent is None else 0,
                               p.parent or "", p.order))

    principles = sorted((Named(str(s), _slug(str(s)), _text(g, s, SKOS.prefLabel),
                               _text(g, s, SKOS.definition), _int(g, s, MLWA.order))
                         for s in subjects(MLWA.DesignPrinciple)), key=lambda n: n.order)
    risks = [Named(str(s), _slug(str(s)), _text(g, s, SKOS.prefLabel))
             for s in subjects(MLWA.RiskLevel)]

    questions = []
    for s in subjects(MLWA.Question):
        questions.append(Question(str(s), _text(g, s, MLWA.questionId), _text(g, s, SKOS.prefLabel),
                                  _text(g, s, SKOS.definition),
                                  _slug(str(_first(g, s, MLWA.pillar))),
                                  _slug(str(_first(g, s, MLWA.phase)))))
    questions.sort(key=lambda q: (PILLAR_ORDER.index(q.pillar) if q.pillar in PILLAR_ORDER else 99, q.id))

    practices = []
    for s in subjects(MLWA.BestPractice):
        practices.append(Practice(
            iri=str(s), id2025=_text(g, s, MLWA.id2025), id2023=_text(g, s, MLWA.id2023),
            title2025=_text(g, s, MLWA.title2025), title2023=_text(g, s, MLWA.title2023),
            pillar=_slug(str(_first(g, s, MLWA.pillar))),
            phase2023=_slug(str(_first(g, s, MLWA.phase2023))),
            phase2025=_slug(str(_first(g, s, MLWA.phase2025))),
            question=_slug(str(_first(g, s, MLWA.question))),
            risk=_slug(str(_first(g, s, MLWA.riskLevel))),
            description=_text(g, s, SKOS.definition),
            principles=tuple(sorted(_slug(str(o)) for o in g.objects(s, MLWA.servesPrinciple))),
            related=tuple(sorted(_slug(str(o)) for o in g.objects(s, MLWA.relatedPractice))),
            source2023=_text(g, s, MLWA.sourcePage2023), source2025=_text(g, s, MLWA.sourcePage2025),
            automatable=bool(_first(g, s, MLWA.automatable) and _first(g, s, MLWA.automatable).toPython()),
        ))
    practices.sort(key=lambda p: (PILLAR_ORDER.index(p.pillar) if p.pillar in PILLAR_ORDER else 99,
                                  p.id2025))
    return Lens(tuple(practices), tuple(pillars), tuple(phases), tuple(principles),
                tuple(questions), tuple(risks))


def _pad_numbers(text: str) -> str:
    """``MLSEC-1`` -> ``MLSEC-01``, ``MLOPS1-BP3`` -> ``MLOPS01-BP03``."""
    return re.sub(r"(?<=[A-Z-])(\d)(?!\d)", r"0\1", text)


def looks_like_practice_id(text: str) -> bool:
    t = text.strip().upper()
    return bool(_ID_2025.match(t) or _ID_2023.match(t))


def group_by(items: Iterable[Practice], key: str) -> dict[str, list[Practice]]:
    out: dict[str, list[Practice]] = defaultdict(list)
    for p in items:
        out[getattr(p, key)].append(p)
    return dict(out)
