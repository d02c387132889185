"""``mlwa policies new``: scaffold a policy and its cases, red until the author fills them in.

The scaffold loads (so ``mlwa policies test DIR`` runs it) but its two placeholder cases
fail: the "passes" case describes a workload the placeholder check rejects, and the
"fails" case expects a failure at a node that does not exist. Replace the check, then the
cases, and the test turns green: test first, as with a TDD scaffold.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from engine.errors import UsageError

PACK_TTL = """@prefix mlwa: <https://w3id.org/mlwa/ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dcterms: <http://purl.org/dc/terms/> .

<https://w3id.org/mlwa/policy/pack/{pack_id}> a mlwa:PolicyPack ;
    mlwa:packId "{pack_id}" ;
    dcterms:title "{pack_id}: custom policies (TODO: title)"@en ;
    mlwa:packOwner "TODO: owning team" ;
    mlwa:codePrefix "{prefix}" ;
    owl:versionInfo "0.1.0" .
"""

COMPACT = """# {code}: a compact policy (docs/policy-authoring.md). Replace every TODO.
code: {code}
title: "TODO: what must hold, as a statement (e.g. Production endpoints run in a VPC)"
severity: high              # high | medium | low
status: preview             # preview until its cases pass; then stable
implements: [MLSEC06-BP01]  # TODO: the practice ids this policy implements (either edition)
rationale: >
  TODO: why this matters, in one or two sentences.
remediation: >
  TODO: how to fix a finding, naming the workload keys to set.
target: endpoints           # TODO: a workload kind (data_stores, training_jobs, ...) or workload
# where: {{environment.purpose: production}}   # optional: only these focus nodes
checks:
  - path: network.vpc       # TODO: keys as written in a workload file
    required: true
    equals: true
    message: "TODO: what is wrong, seen from the focus node"
"""

SHACL = """@prefix mlwa: <https://w3id.org/mlwa/ontology#> .
@prefix pol: <https://w3id.org/mlwa/policy/> .
@prefix practice: <https://w3id.org/mlwa/lens/practice/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

# {code}: a SHACL policy (docs/policy-authoring.md). Replace every TODO.
pol:{code} a sh:NodeShape , mlwa:Policy ;
    mlwa:policyCode "{code}" ;
    rdfs:label "TODO: what must hold, as a statement"@en ;
    mlwa:rationale "TODO: why this matters."@en ;
    mlwa:remediation "TODO: how to fix a finding, naming the workload keys to set."@en ;
    mlwa:implements practice:MLSEC06-BP01 ;  # TODO: the practices it implements
    mlwa:policyStatus "preview" ;
    mlwa:checkKind "automated" ;
    sh:severity sh:Violation ;
    sh:targetClass mlwa:Endpoint ;            # TODO: the class of the focus nodes
    sh:property [
        sh:path mlwa:inVpc ;                  # TODO: the property checked
        sh:minCount 1 ;
        sh:hasValue true ;
        sh:message "TODO: what is wrong, seen from the focus node"@en ] .
"""

CASES = """# Cases for {code}: `mlwa policies test {pack}` runs them. Both placeholders FAIL on
# purpose; rewrite them for your check (a case names what must fail, never message text).
policy: {code}
cases:
  - name: "TODO: a workload that satisfies the policy"
    expect: pass
    workload:
      id: case
      name: Case
      endpoints:
        - name: api
          network: {{vpc: false}}     # TODO: make this compliant
  - name: "TODO: a workload that breaks the policy"
    expect: fail
    workload:
      id: case
      name: Case
    failures:
      - focus: "TODO/node"         # e.g. endpoints/api (the node name in the workload)
        path: mlwa:TODO            # e.g. mlwa:inVpc (the compact path the report shows)
"""


def _pack_prefix(pack: Path) -> str | None:
    meta = pack / "pack.ttl"
    if not meta.exists():
        return None
    from engine.errors import PolicyError
    from engine.policies.catalog import MAX_POLICY_BYTES
    from engine.safefile import read_text

    text = read_text(meta, MAX_POLICY_BYTES, what="pack file", error=PolicyError)
    m = re.search(r'mlwa:codePrefix\s+"([A-Z][A-Z0-9]*)"', text)
    return m.group(1) if m else None


def _next_code(pack: Path, prefix: str) -> str:
    used = {p.name.split(".")[0] for p in pack.iterdir() if p.is_file()}
    n = 1
    while f"{prefix}-NEW-{n:03d}" in used:
        n += 1
    return f"{prefix}-NEW-{n:03d}"


def scaffold(pack: Path, code: str | None, compact: bool) -> list[Path]:
    """Create the pack (if needed), the policy and its cases; return the files written."""
    from engine.policies.catalog import CODE_RE

    pack = Path(pack)
    if pack.exists() and not pack.is_dir():
        raise UsageError(f"{pack} exists and is not a folder")
    pack.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    prefix = _pack_prefix(pack)
    if code is None:
        fallback = re.sub(r"[^A-Z0-9]", "", pack.resolve().name.upper())[:8]
        if not fallback or not fallback[0].isalpha():
            fallback = "CUSTOM"
        code = _next_code(pack, prefix or fallback)
    code = code.upper()
    if not CODE_RE.match(code):
        raise UsageError(f"policy code {code!r} does not look like PREFIX-AREA-NNN (e.g. ACME-SEC-001)")
    existing = [p for p in (pack / f"{code}.ttl", pack / f"{code}.policy.yaml",
                            pack / f"{code}.cases.yaml") if p.exists()]
    if existing:
        raise UsageError(f"{existing[0]} already exists; pick another --code")
    meta = pack / "pack.ttl"
    if not meta.exists():
        pack_id = re.sub(r"[^a-z0-9-]+", "-", pack.resolve().name.lower()).strip("-") or "custom"
        meta.write_text(PACK_TTL.format(pack_id=pack_id, prefix=code.split("-")[0]),
                        encoding="utf-8")
        written.append(meta)
    policy = pack / (f"{code}.policy.yaml" if compact else f"{code}.ttl")
    policy.write_text((COMPACT if compact else SHACL).format(code=code), encoding="utf-8")
    cases = pack / f"{code}.cases.yaml"
    cases.write_text(CASES.format(code=code, pack=pack), encoding="utf-8")
    return [*written, policy, cases]


@click.command("new")
@click.option("--pack", "pack", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="The pack folder (created with a pack.ttl if missing).")
@click.option("--code", default=None, help="Policy code, e.g. ACME-SEC-002 (default: next "
              "free <prefix>-NEW-NNN).")
@click.option("--compact/--shacl", default=True, show_default=True,
              help="Compact YAML form (compiled to SHACL) or raw SHACL Turtle.")
def new(pack: Path, code: str | None, compact: bool) -> None:
    """Scaffold a policy and a cases file whose placeholder cases fail until filled in."""
    for path in scaffold(pack, code, compact):
        click.echo(f"created {path}")
    click.echo(f"next: edit the TODOs, then run `mlwa policies test {pack}` until it passes")
