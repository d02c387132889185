"""Namespaces and IRIs shared by every part of mlwa."""

from __future__ import annotations

from typing import Any

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS, XSD

MLWA = Namespace("https://w3id.org/mlwa/ontology#")
LENS = Namespace("https://w3id.org/mlwa/lens/")
POL = Namespace("https://w3id.org/mlwa/policy/")

WORKLOAD_URN_PREFIX = "urn:mlwa:workload:"

PREFIXES: dict[str, Any] = {
    "mlwa": MLWA,
    "lens": LENS,
    "pol": POL,
    "sh": SH,
    "skos": SKOS,
    "rdfs": RDFS,
    "rdf": RDF,
    "owl": OWL,
    "xsd": XSD,
    "dcterms": DCTERMS,
}


def sparql_prefixes() -> str:
    return "".join(f"PREFIX {k}: <{v}>\n" for k, v in PREFIXES.items())


def practice_iri(id_2025: str) -> str:
    return f"{LENS}practice/{id_2025}"


def pillar_iri(slug: str) -> str:
    return f"{LENS}pillar/{slug}"


def phase_iri(slug: str) -> str:
    return f"{LENS}phase/{slug}"


def principle_iri(slug: str) -> str:
    return f"{LENS}principle/{slug}"


def question_iri(qid: str) -> str:
    return f"{LENS}question/{qid}"


def workload_node_iri(workload_id: str, kind: str | None = None, name: str | None = None) -> str:
    """Deterministic IRI of a workload node, from the file's own names."""
    from urllib.parse import quote

    base = WORKLOAD_URN_PREFIX + quote(workload_id, safe="-._~")
    if kind is None:
        return base
    return f"{base}/{quote(kind, safe='-._~')}/{quote(name or '', safe='-._~')}"
