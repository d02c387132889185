"""Engine-level micro benchmark: reference (pySHACL) vs fast (SPARQL on Oxigraph) vs pyrudof.

    python benchmarks/engines.py                       # synthetic 62-shape pack
    python benchmarks/engines.py --shapes policies/ml-lens --batch 10000

Prints a markdown table: warm p50/p95 per data graph and batch times, measured side by side
in one run (engines alternate per workload), with ratios to the fast engine. Workloads are
synthetic, about 80 triples each, shaped like the mlwa workload description.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import rdflib

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

PREFIXES = """@prefix mlwa: <https://w3id.org/mlwa/ontology#> .
@prefix pol: <https://w3id.org/mlwa/policy/> .
@prefix practice: <https://w3id.org/mlwa/lens/practice/> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
"""

ONTOLOGY = PREFIXES + """
mlwa:DataStore rdfs:subClassOf mlwa:Component . mlwa:TrainingJob rdfs:subClassOf mlwa:Component .
mlwa:Endpoint rdfs:subClassOf mlwa:Component . mlwa:Pipeline rdfs:subClassOf mlwa:Component .
mlwa:Monitor rdfs:subClassOf mlwa:Component . mlwa:ModelVersion rdfs:subClassOf mlwa:Component .
mlwa:Component rdfs:subClassOf mlwa:WorkloadElement .
"""

# (class, property, constraint Turtle) for the automated checks.
_AUTOMATED = [
    ("DataStore", "encryptedAtRest", "sh:minCount 1 ; sh:hasValue true"),
    ("DataStore", "encryptedInTransit", "sh:minCount 1 ; sh:hasValue true"),
    ("DataStore", "versioningEnabled", "sh:minCount 1 ; sh:datatype xsd:boolean"),
    ("DataStore", "classification", 'sh:minCount 1 ; sh:in ("public" "internal" "confidential" "restricted")'),
    ("DataStore", "retentionDays", "sh:maxCount 1 ; sh:datatype xsd:integer ; sh:minInclusive 1"),
    ("DataStore", "kmsKey", 'sh:maxCount 1 ; sh:pattern "^arn:aws:kms:"'),
    ("TrainingJob", "instanceType", 'sh:minCount 1 ; sh:pattern "^ml\\\\."'),
    ("TrainingJob", "checkpointingEnabled", "sh:hasValue true"),
    ("TrainingJob", "maxRuntimeHours", "sh:maxInclusive 72 ; sh:datatype xsd:integer"),
    ("TrainingJob", "networkIsolation", "sh:minCount 1 ; sh:hasValue true"),
    ("TrainingJob", "usesDataStore", "sh:minCount 1 ; sh:class mlwa:DataStore"),
    ("Endpoint", "instanceCount", "sh:minCount 1 ; sh:minInclusive 2"),
    ("Endpoint", "availabilityZones", "sh:minCount 2"),
    ("Endpoint", "autoscalingEnabled", "sh:hasValue true"),
    ("Endpoint", "dataCaptureEnabled", "sh:minCount 1 ; sh:hasValue true"),
    ("Endpoint", "deploymentStrategy", 'sh:in ("blue-green" "canary" "linear")'),
    ("Endpoint", "serves", "sh:minCount 1 ; sh:class mlwa:ModelVersion"),
    ("ModelVersion", "approvalStatus", 'sh:minCount 1 ; sh:in ("approved" "pending" "rejected")'),
    ("ModelVersion", "modelCardUrl", "sh:minCount 1 ; sh:nodeKind sh:IRI"),
    ("ModelVersion", "biasReportUrl", "sh:minCount 1"),
    ("ModelVersion", "trainedBy", "sh:minCount 1 ; sh:maxCount 1"),
    ("Pipeline", "stageCount", "sh:minInclusive 3"),
    ("Pipeline", "approvalRequired", "sh:hasValue true"),
    ("Monitor", "monitorType", 'sh:minCount 1 ; sh:languageIn ("en") ; sh:minLength 3'),
    ("Monitor", "alarmAction", "sh:minCount 1"),
    ("Component", "owner", "sh:minCount 1 ; sh:maxCount 1"),
    ("Workload", "businessGoal", "sh:minCount 1 ; sh:minLength 10"),
    ("Workload", "owner", "sh:minCount 1"),
    ("Workload", "region", 'sh:minCount 1 ; sh:pattern "^[a-z]{2}-[a-z]+-[0-9]$"'),
    ("Workload", "hasBudget", "sh:minCount 1"),
]
_SPARQL = [
    ("Endpoint", "production endpoint without a monitor",
     "$this mlwa:environment \"production\" . FILTER NOT EXISTS { ?m mlwa:monitors $this }"),
    ("TrainingJob", "training job reads a store that is not encrypted",
     "$this mlwa:usesDataStore ?value . FILTER NOT EXISTS { ?value mlwa:encryptedAtRest true }"),
    ("ModelVersion", "approved model without an approver",
     "$this mlwa:approvalStatus \"approved\" . FILTER NOT EXISTS { $this mlwa:approvedBy ?a }"),
    ("DataStore", "confidential store without access logging",
     "$this mlwa:classification \"confidential\" . FILTER NOT EXISTS { $this mlwa:accessLogging true }"),
    ("Workload", "more than one production endpoint without autoscaling",
     "?e mlwa:partOf $this ; mlwa:autoscalingEnabled false . ?e2 mlwa:partOf $this ; "
     "mlwa:autoscalingEnabled false . FILTER(?e != ?e2)"),
    ("Pipeline", "pipeline deploys without tests",
     "$this mlwa:deploysTo ?value . FILTER NOT EXISTS { $this mlwa:hasTestStage ?t }"),
]
PRACTICES = [f"MLREL0{i % 5 + 1}-BP0{i % 3 + 1}" for i in range(20)]


def synth_shapes() -> str:
    """About 62 shapes in the style of the built-in pack: 30 automated, 20 attestation,
    6 SHACL-SPARQL and 6 using the logical components."""
    out = [PREFIXES]
    for i, (cls, prop, body) in enumerate(_AUTOMATED):
        out.append(f"pol:A{i:03d} a sh:NodeShape ; sh:targetClass mlwa:{cls} ; sh:severity "
                   f"sh:{'Violation' if i % 3 else 'Warning'} ; sh:property [ sh:path mlwa:{prop} ; "
                   f"{body} ; sh:message \"{prop} check\"@en ] .")
    for i, practice in enumerate(PRACTICES):
        out.append(f"""pol:T{i:03d} a sh:NodeShape ; sh:targetClass mlwa:Workload ;
  sh:property [ sh:path mlwa:hasAttestation ; sh:qualifiedMinCount 1 ;
    sh:qualifiedValueShape [
      sh:property [ sh:path mlwa:attestsPractice ; sh:hasValue practice:{practice}-{i} ] ;
      sh:property [ sh:path mlwa:attestationStatus ; sh:hasValue "implemented" ] ;
      sh:property [ sh:path mlwa:evidence ; sh:minCount 1 ] ;
      sh:property [ sh:path mlwa:ageDays ; sh:minCount 1 ; sh:maxInclusive 365 ] ] ] .""")
    for i, (cls, msg, where) in enumerate(_SPARQL):
        out.append(f"""pol:S{i:03d} a sh:NodeShape ; sh:targetClass mlwa:{cls} ;
  sh:sparql [ sh:message "{msg}" ; sh:prefixes pol:prefixes ;
    sh:select \"\"\"SELECT $this ?value WHERE {{ {where} }}\"\"\" ] .""")
    out.append("""pol:prefixes sh:declare [ sh:prefix "mlwa" ;
  sh:namespace "https://w3id.org/mlwa/ontology#"^^xsd:anyURI ] .""")
    out.append("""
pol:L000 a sh:NodeShape ; sh:targetClass mlwa:Endpoint ;
  sh:or ( [ sh:path mlwa:autoscalingEnabled ; sh:hasValue true ] [ sh:path mlwa:instanceCount ; sh:minInclusive 3 ] ) .
pol:L001 a sh:NodeShape ; sh:targetClass mlwa:DataStore ;
  sh:not [ sh:path mlwa:publicAccess ; sh:hasValue true ] .
pol:L002 a sh:NodeShape ; sh:targetClass mlwa:Workload ;
  sh:property [ sh:path mlwa:hasBudget ; sh:node pol:BudgetShape ] .
pol:BudgetShape a sh:NodeShape ; sh:property [ sh:path mlwa:amount ; sh:minCount 1 ; sh:datatype xsd:decimal ] ;
  sh:property [ sh:path mlwa:alertThresholdPercent ; sh:maxInclusive 100 ] .
pol:L003 a sh:NodeShape ; sh:targetClass mlwa:ModelVersion ;
  sh:property [ sh:path ( mlwa:trainedBy mlwa:usesDataStore ) ; sh:minCount 1 ] .
pol:L004 a sh:NodeShape ; sh:targetSubjectsOf mlwa:monitors ;
  sh:property [ sh:path mlwa:monitors ; sh:class mlwa:Component ] .
pol:L005 a sh:NodeShape ; sh:targetClass mlwa:Component ;
  sh:xone ( [ sh:path mlwa:partOf ; sh:minCount 1 ] [ sh:path mlwa:shared ; sh:hasValue true ] ) .
""")
    return "\n".join(out)


def synth_workload(i: int, rng: random.Random) -> str:
    """One workload of roughly 80 triples with a realistic share of gaps."""
    w = f"<urn:mlwa:workload:w{i}>"

    def n(kind: str, k: int) -> str:
        return f"<urn:mlwa:workload:w{i}/{kind}/{k}>"

    def b() -> str:
        return "true" if rng.random() < 0.8 else "false"

    lines = [f"{w} a mlwa:Workload ; mlwa:owner \"team-{i % 7}\" ; mlwa:region "
             f"\"{rng.choice(['eu-west-1', 'us-east-1', 'EU'])}\" ; mlwa:businessGoal "
             f"\"Reduce churn by ten percent\" ; mlwa:hasBudget {n('budget', 0)} ."]
    lines.append(f"{n('budget', 0)} mlwa:amount {rng.choice(['1000.0', '250.5'])} ; "
                 f"mlwa:alertThresholdPercent {rng.choice([80, 90, 120])} .")
    for k in range(2):
        lines.append(
            f"{n('store', k)} a mlwa:DataStore ; mlwa:partOf {w} ; mlwa:owner \"data\" ; "
            f"mlwa:encryptedAtRest {b()} ; mlwa:encryptedInTransit {b()} ; "
            f"mlwa:versioningEnabled {b()} ; mlwa:classification "
            f"\"{rng.choice(['internal', 'confidential', 'secret'])}\" ; mlwa:retentionDays "
            f"{rng.choice([30, 365, 0])} ; mlwa:kmsKey \"arn:aws:kms:eu-west-1:1:key/{k}\" ; "
            f"mlwa:accessLogging {b()} ; mlwa:publicAccess false .")
    lines.append(
        f"{n('training', 0)} a mlwa:TrainingJob ; mlwa:partOf {w} ; mlwa:owner \"ml\" ; "
        f"mlwa:instanceType \"{rng.choice(['ml.m5.xlarge', 'p3.2xlarge'])}\" ; "
        f"mlwa:checkpointingEnabled {b()} ; mlwa:maxRuntimeHours {rng.choice([12, 96])} ; "
        f"mlwa:networkIsolation {b()} ; mlwa:usesDataStore {n('store', 0)} .")
    lines.append(
        f"{n('model', 0)} a mlwa:ModelVersion ; mlwa:partOf {w} ; mlwa:owner \"ml\" ; "
        f"mlwa:approvalStatus \"{rng.choice(['approved', 'pending'])}\" ; "
        f"mlwa:modelCardUrl <https://example.org/cards/{i}> ; mlwa:biasReportUrl \"s3://r/{i}\" ; "
        f"mlwa:trainedBy {n('training', 0)} "
        + ("; mlwa:approvedBy \"lead\" ." if rng.random() < 0.7 else "."))
    lines.append(
        f"{n('endpoint', 0)} a mlwa:Endpoint ; mlwa:partOf {w} ; mlwa:owner \"ops\" ; "
        f"mlwa:environment \"production\" ; mlwa:instanceCount {rng.choice([1, 2, 4])} ; "
        f"mlwa:availabilityZones \"a\", \"b\" ; mlwa:autoscalingEnabled {b()} ; "
        f"mlwa:dataCaptureEnabled {b()} ; mlwa:deploymentStrategy \"canary\" ; "
        f"mlwa:serves {n('model', 0)} .")
    lines.append(
        f"{n('pipeline', 0)} a mlwa:Pipeline ; mlwa:partOf {w} ; mlwa:owner \"ops\" ; "
        f"mlwa:stageCount 4 ; mlwa:approvalRequired {b()} ; mlwa:deploysTo {n('endpoint', 0)} ; "
        f"mlwa:hasTestStage \"unit\" .")
    if rng.random() < 0.8:
        lines.append(f"{n('monitor', 0)} a mlwa:Monitor ; mlwa:partOf {w} ; mlwa:owner \"ops\" ; "
                     f"mlwa:monitorType \"data quality\"@en ; mlwa:alarmAction \"page\" ; "
                     f"mlwa:monitors {n('endpoint', 0)} .")
    for k in range(3):
        p = PRACTICES[rng.randrange(len(PRACTICES))]
        j = PRACTICES.index(p)
        lines.append(
            f"{w} mlwa:hasAttestation {n('attestation', k)} . {n('attestation', k)} a "
            f"mlwa:Attestation ; mlwa:attestsPractice practice:{p}-{j} ; mlwa:attestationStatus "
            f"\"{rng.choice(['implemented', 'planned'])}\" ; mlwa:evidence \"doc\" ; "
            f"mlwa:ageDays {rng.choice([10, 400])} .")
    return PREFIXES + "\n".join(lines)


def _renamed(g: rdflib.Graph, i: int) -> rdflib.Graph:
    prefix = "urn:mlwa:workload:"

    def m(t: rdflib.term.Node) -> rdflib.term.Node:
        if isinstance(t, rdflib.URIRef) and str(t).startswith(prefix):
            return rdflib.URIRef(str(t).replace(prefix, f"{prefix}copy{i}-", 1))
        return t

    out = rdflib.Graph()
    for s, p, o in g:
        out.add((m(s), p, m(o)))
    return out


def load_shapes(directory: Path | None) -> tuple[rdflib.Graph, str]:
    g = rdflib.Graph()
    if directory is None:
        text = synth_shapes()
        g.parse(data=text, format="turtle")
        return g, text
    for path in sorted(directory.glob("*.ttl")):
        g.parse(path, format="turtle")
    return g, g.serialize(format="turtle")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shapes", type=Path, help="a pack folder of *.ttl shapes (default: synthetic)")
    ap.add_argument("--ontology", type=Path, help="Turtle with rdfs:subClassOf (default: synthetic)")
    ap.add_argument("--single", type=int, default=200, help="workloads timed one by one")
    ap.add_argument("--reference-single", type=int, default=20)
    ap.add_argument("--batch", type=int, default=10_000, help="workloads in the batch run")
    ap.add_argument("--reference-batch", type=int, default=100,
                    help="workloads in the reference batch run (slow; scaled in the table)")
    ap.add_argument("--rudof-batch", type=int, default=1000,
                    help="workloads in the pyrudof batch run (scaled in the table)")
    ap.add_argument("--data", type=Path, nargs="+",
                    help="workload files (engine.workload) to cycle through instead of synthetic ones")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args(argv)

    from engine.shacl import get_backend

    shapes, shapes_text = load_shapes(args.shapes)
    ontology = rdflib.Graph().parse(args.ontology, format="turtle") if args.ontology else \
        rdflib.Graph().parse(data=ONTOLOGY, format="turtle")
    rng = random.Random(args.seed)
    n_all = max(args.single, args.batch)
    if args.data:
        from engine.workload import load_workload

        real = [load_workload(p).graph for p in args.data]
        # Each copy gets its own workload IRIs, as distinct workloads have: identical
        # subjects across thousands of graphs make merged queries join across graphs.
        graphs = [_renamed(real[i % len(real)], i) for i in range(n_all)]
        n_text = max(args.single, min(args.rudof_batch, args.batch))
        texts = [g.serialize(format="turtle") for g in graphs[:n_text]]
        graphs = graphs[: args.batch]
    else:
        texts = [synth_workload(i, rng) for i in range(n_all)]
        graphs = [rdflib.Graph().parse(data=t, format="turtle") for t in texts[: args.batch]]
    triples = statistics.mean(len(g) for g in graphs[:200])
    n_shapes = len(set(shapes.subjects(rdflib.RDF.type, rdflib.URIRef("http://www.w3.org/ns/shacl#NodeShape"))))

    fast = get_backend("fast").prepare(shapes, ontology)
    ref = get_backend("reference").prepare(shapes, ontology)
    runners: dict[str, Callable[[int], object]] = {
        "fast": lambda i: fast.validate(graphs[i]),
        "reference": lambda i: ref.validate(graphs[i]),
    }
    rudof = _rudof_runner(shapes_text, texts, ontology)
    if rudof is not None:
        runners["pyrudof"] = rudof

    # Warm-up, then alternate engines per workload so drift hits them alike.
    for run in runners.values():
        for i in range(3):
            run(i)
    times: dict[str, list[float]] = {k: [] for k in runners}
    for i in range(args.single):
        for name, run in runners.items():
            if name == "reference" and i >= args.reference_single:
                continue
            t = time.perf_counter_ns()
            run(i)
            times[name].append((time.perf_counter_ns() - t) / 1e6)

    batch: dict[str, tuple[int, float]] = {}
    gc.collect()
    t = time.perf_counter()
    for _ in fast.validate_many(graphs[: args.batch]):
        pass
    batch["fast"] = (args.batch, time.perf_counter() - t)
    n_ref = min(args.reference_batch, args.batch)
    t = time.perf_counter()
    for _ in ref.validate_many(graphs[:n_ref]):
        pass
    batch["reference"] = (n_ref, time.perf_counter() - t)
    if rudof is not None:
        n_rudof = min(args.rudof_batch, args.batch)
        t = time.perf_counter()
        for i in range(n_rudof):
            rudof(i)
        batch["pyrudof"] = (n_rudof, time.perf_counter() - t)

    p50_fast = statistics.median(times["fast"])
    sparql = len(list(shapes.subject_objects(rdflib.URIRef("http://www.w3.org/ns/shacl#sparql"))))
    source = "synthetic" if not args.data else ", ".join(p.name for p in args.data)
    print(f"Shapes: {n_shapes} node shapes, {sparql} SHACL-SPARQL constraints "
          f"({'synthetic' if args.shapes is None else args.shapes}); workloads ({source}): "
          f"{triples:.0f} triples on average; unsupported by the fast compiler: "
          f"{len(fast.unsupported)}; {time.strftime('%Y-%m-%d')}\n")
    print(f"| engine | warm p50 (ms) | warm p95 (ms) | n | p50 vs fast | batch of {args.batch} (s) | "
          "batch vs fast |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    fast_batch = batch["fast"][1]
    for name in runners:
        xs = times[name]
        n, secs = batch[name]
        scaled = secs * args.batch / n
        note = "" if n == args.batch else f" (measured {n}: {secs:.1f} s, scaled)"
        print(f"| {name} | {statistics.median(xs):.2f} | {pct(xs, 0.95):.2f} | {len(xs)} | "
              f"{statistics.median(xs) / p50_fast:.1f}× | {scaled:.1f}{note} | "
              f"{scaled / fast_batch:.1f}× |")
    return 0


def _rudof_runner(shapes_text: str, texts: list[str],
                  ontology: rdflib.Graph) -> Callable[[int], object] | None:
    """pyrudof, if importable. read_data is told merge=False (older versions merged by
    default) and the ontology travels with every data graph. It ignores SPARQL-based
    constraint components silently, so its figures cover less work than the others."""
    try:
        import pyrudof
    except ImportError:
        return None
    onto = ontology.serialize(format="nt")
    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    rudof.read_shacl(shapes_text, pyrudof.ShaclFormat.Turtle)

    def run(i: int) -> object:
        rudof.read_data(texts[i] + "\n" + onto, pyrudof.RDFFormat.Turtle, merge=False)
        return rudof.validate_shacl(pyrudof.ShaclValidationMode.Native)

    try:
        run(0)
    except Exception as exc:  # an engine that cannot read the pack is reported, not fatal
        print(f"pyrudof skipped: {exc}", file=sys.stderr)
        return None
    return run


if __name__ == "__main__":
    raise SystemExit(main())
