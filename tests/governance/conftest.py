"""Helpers for the governance tests: run the CLI, write small packs and workloads."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

ACME = REPO / "examples" / "governance" / "acme-pack"

PACK_TTL = """@prefix mlwa: <https://w3id.org/mlwa/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<https://w3id.org/mlwa/policy/pack/{id}> a mlwa:PolicyPack ; mlwa:packId "{id}" ;
    dcterms:title "{id}"@en ; mlwa:packOwner "tests" ; owl:versionInfo "1.0.0" .
"""

HEAD = """@prefix mlwa: <https://w3id.org/mlwa/ontology#> .
@prefix pol: <https://w3id.org/mlwa/policy/> .
@prefix practice: <https://w3id.org/mlwa/lens/practice/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def sparql_policy(code: str, select: str, *, title: str = "A SPARQL policy") -> str:
    """A SHACL-SPARQL policy on data stores with the given SELECT."""
    return HEAD + f'''
pol:{code} a sh:NodeShape , mlwa:Policy ;
    mlwa:policyCode "{code}" ; rdfs:label "{title}"@en ;
    mlwa:rationale "test"@en ; mlwa:remediation "test"@en ;
    mlwa:implements practice:MLSEC02-BP01 ; sh:severity sh:Violation ;
    sh:targetClass mlwa:DataStore ;
    sh:declare [ sh:prefix "mlwa" ; sh:namespace "https://w3id.org/mlwa/ontology#"^^xsd:anyURI ] ;
    sh:sparql [ a sh:SPARQLConstraint ; sh:message "bad"@en ; sh:prefixes pol:{code} ;
        sh:select """{select}""" ] .
'''


def make_pack(root: Path, pack_id: str, files: dict[str, str]) -> Path:
    d = root / pack_id
    d.mkdir(parents=True)
    (d / "pack.ttl").write_text(PACK_TTL.format(id=pack_id), encoding="utf-8")
    for name, text in files.items():
        (d / name).write_text(text, encoding="utf-8")
    return d


def mlwa(*args: str, env: dict[str, str] | None = None,
         timeout: float = 180) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True,
                          text=True, cwd=REPO, check=False, timeout=timeout, env=full)


@pytest.fixture()
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"
