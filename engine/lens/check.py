"""Checks of the lens graph itself: integrity shapes, published counts, OWL consistency."""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import paths

# Published counts of the Machine Learning Lens (the practice table in ontology/src/ml-lens-practices.csv).
EXPECTED_PER_PILLAR = {
    "operational-excellence": 16, "security": 13, "reliability": 13,
    "performance-efficiency": 18, "cost-optimization": 29, "sustainability": 16,
}
EXPECTED = {"practices": 105, "questions": 35, "pillars": 6, "phases": 6, "principles": 10}


@dataclass(frozen=True)
class CheckItem:
    name: str
    ok: bool
    detail: str
    seconds: float = 0.0


@dataclass
class CheckResult:
    items: list[CheckItem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(i.ok for i in self.items)

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "checks": [
            {"name": i.name, "ok": i.ok, "detail": i.detail, "seconds": round(i.seconds, 3)}
            for i in self.items]}


def check_counts() -> CheckItem:
    from engine.lens.ontology import load_lens

    lens = load_lens()
    problems = []
    actual = {"practices": len(lens.practices), "questions": len(lens.questions),
              "pillars": len(lens.pillars), "phases": len(lens.top_phases),
              "principles": len(lens.principles)}
    problems += [f"{k}: {actual[k]} (expected {v})" for k, v in EXPECTED.items() if actual[k] != v]
    per_pillar = {p.slug: len(lens.select(pillar=p.slug)) for p in lens.pillars}
    problems += [f"{k}: {per_pillar.get(k)} practices (expected {v})"
                 for k, v in EXPECTED_PER_PILLAR.items() if per_pillar.get(k) != v]
    for p in lens.practices:
        if lens.find(p.id2023) is not p or lens.find(p.id2025) is not p:
            problems.append(f"{p.id2025}/{p.id2023} do not resolve to one practice")
    detail = "; ".join(problems) if problems else (
        f"{actual['practices']} practices ({'/'.join(str(v) for v in per_pillar.values())}), "
        f"{actual['questions']} questions, both editions' ids resolve")
    return CheckItem("counts", not problems, detail)


def check_integrity() -> CheckItem:
    from pyshacl import validate
    from rdflib import Graph

    from engine.lens.ontology import lens_graph

    started = time.perf_counter()
    shapes = Graph().parse(paths.ontology_file("integrity.ttl"), format="turtle")
    conforms, results_graph, _ = validate(lens_graph(), shacl_graph=shapes, inference="none",
                                          allow_warnings=True)
    from rdflib.namespace import SH

    messages = sorted({f"{results_graph.value(r, SH.focusNode)}: {results_graph.value(r, SH.resultMessage)}"
                       for r in results_graph.subjects(SH.resultSeverity, None)})
    detail = "lens graph conforms to ontology/integrity.ttl" if conforms else \
        f"{len(messages)} problems: " + " | ".join(messages[:8])
    return CheckItem("integrity shapes", bool(conforms), detail, time.perf_counter() - started)


_XSD = "http://www.w3.org/2001/XMLSchema#"
_NON_OWL2_DATATYPES = {f"{_XSD}{n}" for n in ("date", "gYear", "gYearMonth", "time", "duration",
                                              "gMonth", "gDay", "gMonthDay")}


def check_reasoner() -> CheckItem:
    """OWL 2 consistency with HermiT (through owlready2, which needs Java).

    owlready2 follows ``owl:imports`` over the network even when told not to, so the graph
    handed to it is the already-merged lens graph with every import statement removed.
    """
    started = time.perf_counter()
    if shutil.which("java") is None:
        return CheckItem("HermiT consistency", False, "java is not on PATH; HermiT needs it")
    import owlready2
    from rdflib import RDFS, Graph, URIRef
    from rdflib.namespace import OWL, XSD

    from engine.lens.ontology import lens_graph

    merged = Graph()
    for s, p, o in lens_graph():
        if p == OWL.imports:
            continue
        # HermiT knows only the OWL 2 datatype map; xsd:date and friends are widened to
        # rdfs:Literal for this check (their values are checked by the SHACL shapes).
        if p == RDFS.range and isinstance(o, URIRef) and str(o) in _NON_OWL2_DATATYPES:
            o = RDFS.Literal
        merged.add((s, p, o))
    del XSD
    with tempfile.TemporaryDirectory(prefix="mlwa-hermit-") as tmp:
        path = Path(tmp) / "lens.nt"
        merged.serialize(path, format="nt", encoding="utf-8")
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load(only_local=True)
        try:
            with onto:
                owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
        except owlready2.OwlReadyJavaError as exc:
            first = next((ln for ln in str(exc).splitlines() if "Exception" in ln), str(exc)[:200])
            return CheckItem("HermiT consistency", False, f"HermiT failed: {first.strip()}",
                             time.perf_counter() - started)
        except owlready2.OwlReadyInconsistentOntologyError:
            return CheckItem("HermiT consistency", False, "HermiT found the ontology inconsistent",
                             time.perf_counter() - started)
        unsat = [str(c) for c in world.inconsistent_classes()]
    ok = not unsat
    detail = (f"consistent; {len(merged)} triples, no unsatisfiable classes" if ok
              else f"unsatisfiable classes: {', '.join(unsat)}")
    return CheckItem("HermiT consistency", ok, detail, time.perf_counter() - started)


def run_checks(*, reasoner: bool = True) -> CheckResult:
    result = CheckResult()
    result.items.append(check_counts())
    result.items.append(check_integrity())
    if reasoner:
        result.items.append(check_reasoner())
    return result
