"""Policy packs: find them, load them, check them, select from them.

A pack is a folder with ``pack.ttl`` (id, title, owner, version) and one policy per file:
``<CODE>.ttl`` (SHACL) or ``<CODE>.policy.yaml`` (the compact form, compiled to SHACL by
:mod:`engine.policies.compact`), each with ``<CODE>.cases.yaml`` beside it. Packs come from the
built-in folder, from ``--pack DIR`` and from installed distributions that expose the
``mlwa.packs`` entry point (a callable returning the pack folder).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import paths
from engine.errors import Location, PolicyError, Problem, UsageError
from engine.model import CODE_RE, STAGES, CheckKind, Evidence, PolicyStatus, Severity

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

MAX_POLICY_BYTES = 512 * 1024


@dataclass(frozen=True)
class Policy:
    code: str
    title: str
    rationale: str
    remediation: str
    severity: Severity
    status: PolicyStatus
    kind: CheckKind
    practices: tuple[str, ...]  # 2025 ids
    pack: str
    path: Path
    shape: Node = field(repr=False)
    graph: Graph = field(repr=False, compare=False, hash=False)
    source_format: str = "ttl"  # ttl | yaml
    cases_path: Path | None = None
    #: SHA-256 of the policy file's bytes ("" when the policy was not read from a file)
    digest: str = field(default="", compare=False)
    #: what a pass rests on: cross-linked structure (verified) or a flag/free text (declared)
    evidence: Evidence = Evidence.STRUCTURE
    #: silence rule: what the policy needs to assess, and what its absence means for a
    #: production or serving workload ("gap": a finding; "not-assessed": nothing to say)
    needs: str = ""
    when_absent: str = "not-assessed"
    #: the lifecycle stage from which the policy applies; before it, a pass is "not assessed"
    assessed_from: str | None = None

    @property
    def needs_text(self) -> str:
        """What the policy needs to assess: its ``mlwa:needs``, else what its targets select
        (``at least one training job (training_jobs)``)."""
        if self.needs:
            return self.needs
        from rdflib.namespace import SH

        from engine.vocab import MLWA
        from engine.workload.spec import KINDS

        by_class = {MLWA[k.cls]: f"{k.label} (`{k.id}`)" for k in KINDS}
        targets = [by_class.get(c, str(c).rsplit("#", 1)[-1])
                   for c in self.graph.objects(self.shape, SH.targetClass)]
        if MLWA.Workload in set(self.graph.objects(self.shape, SH.targetClass)):
            return "the facts the workload states about itself"
        return "at least one " + " or ".join(sorted(targets)) if targets else "its targets"

    @property
    def cases_exists(self) -> bool:
        return self.cases_path is not None and self.cases_path.exists()

    def practice_objects(self) -> list[Any]:
        from engine.lens.ontology import load_lens

        lens = load_lens()
        return [lens.practice(p) for p in self.practices]

    @property
    def pillar(self) -> str:
        ps = self.practice_objects()
        return ps[0].pillar if ps else ""

    def phase(self, edition: str = "2025") -> str:
        ps = self.practice_objects()
        return ps[0].phase(edition) if ps else ""

    def source_text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def turtle(self) -> str:
        from engine.vocab import PREFIXES

        for prefix, ns in PREFIXES.items():
            self.graph.bind(prefix, ns)
        return self.graph.serialize(format="turtle")

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code, "title": self.title, "severity": self.severity.value,
            "status": self.status.value, "kind": self.kind.value, "practices": list(self.practices),
            "pack": self.pack, "rationale": self.rationale, "remediation": self.remediation,
            "pillar": self.pillar, "phase": self.phase(), "path": str(self.path),
            "evidence": self.evidence.value, "needs": self.needs_text,
            "whenAbsent": self.when_absent,
            "assessedFrom": self.assessed_from,
        }


@dataclass(frozen=True)
class Pack:
    id: str
    title: str
    owner: str
    version: str
    path: Path
    policies: tuple[Policy, ...]
    builtin: bool = False
    description: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "owner": self.owner, "version": self.version,
                "path": str(self.path), "builtin": self.builtin, "policies": len(self.policies)}


# ------------------------------------------------------------------------------ loading

def _parse_turtle(path: Path) -> Graph:

    from engine.safefile import read_text

    text = read_text(path, MAX_POLICY_BYTES, what="policy file", error=PolicyError)
    return parse_turtle_text(text, str(path))


def parse_turtle_text(text: str, source: str) -> Graph:
    """Parse policy Turtle safely: no network, errors as :class:`PolicyError` with a line."""
    from engine.rdfio import parse_turtle

    return parse_turtle(text, source, error=PolicyError)


def _text(graph: Graph, s: Node, p: Node) -> str:
    v = graph.value(s, p)  # type: ignore[arg-type]
    return " ".join(str(v).split()) if v is not None else ""


def policy_from_graph(graph: Graph, *, path: Path, pack: str, source_format: str = "ttl") -> Policy:
    """Read a policy's metadata off its shapes graph (exactly one mlwa:policyCode)."""
    from rdflib import RDFS, URIRef
    from rdflib.namespace import SH

    from engine.lens.ontology import load_lens
    from engine.vocab import MLWA

    loc = Location(str(path))
    roots = list(graph.subjects(MLWA.policyCode, None))
    if len(roots) != 1:
        raise PolicyError(f"a policy file declares exactly one mlwa:policyCode (found {len(roots)})", loc)
    shape = roots[0]
    code = _text(graph, shape, MLWA.policyCode)
    if not CODE_RE.match(code):
        raise PolicyError(f"policy code {code!r} does not look like PREFIX-AREA-NNN (e.g. WA-SEC-001)", loc)
    stem = path.name.split(".")[0]
    if stem != code:
        raise PolicyError(f"policy code {code} does not match its file name {path.name}", loc)
    title = _text(graph, shape, RDFS.label)
    rationale = _text(graph, shape, MLWA.rationale)
    remediation = _text(graph, shape, MLWA.remediation)
    missing = [n for n, v in (("rdfs:label (title)", title), ("mlwa:rationale", rationale),
                              ("mlwa:remediation", remediation)) if not v]
    if missing:
        raise PolicyError(f"{code}: missing {', '.join(missing)}", loc)
    lens = load_lens()
    practices = []
    for target in graph.objects(shape, MLWA.implements):
        pid = str(target).rsplit("/", 1)[-1]
        found = lens.find(pid)
        if found is None or (isinstance(target, URIRef) and str(target) != found.iri):
            raise PolicyError(f"{code}: implements unknown practice {target}{lens.suggest(pid)}", loc)
        practices.append(found.id2025)
    if not practices:
        raise PolicyError(f"{code}: names no practice it implements (mlwa:implements)", loc)
    sev_node = graph.value(shape, SH.severity)
    severity = Severity.from_shacl(str(sev_node)) if sev_node is not None else Severity.HIGH
    try:
        status = PolicyStatus(_text(graph, shape, MLWA.policyStatus) or "stable")
        kind = CheckKind(_text(graph, shape, MLWA.checkKind) or "automated")
    except ValueError as exc:
        raise PolicyError(f"{code}: {exc}", loc) from None
    try:
        evidence = Evidence(_text(graph, shape, MLWA.evidenceKind) or "structure")
    except ValueError:
        raise PolicyError(f"{code}: mlwa:evidenceKind is structure or declaration", loc) from None
    when_absent = _text(graph, shape, MLWA.whenAbsent) or "not-assessed"
    if when_absent not in ("gap", "not-assessed"):
        raise PolicyError(f"{code}: mlwa:whenAbsent is gap or not-assessed", loc)
    assessed_from = _text(graph, shape, MLWA.assessedFrom) or None
    if assessed_from is not None and assessed_from not in STAGES:
        raise PolicyError(f"{code}: mlwa:assessedFrom is one of {', '.join(STAGES)}", loc)
    cases = path.with_name(f"{code}.cases.yaml")
    return Policy(code=code, title=title, rationale=rationale, remediation=remediation,
                  severity=severity, status=status, kind=kind, practices=tuple(sorted(set(practices))),
                  pack=pack, path=path, shape=shape, graph=graph, source_format=source_format,
                  cases_path=cases, evidence=evidence, needs=_text(graph, shape, MLWA.needs),
                  when_absent=when_absent, assessed_from=assessed_from)


def load_policy_file(path: Path, pack: str) -> Policy:
    import dataclasses
    import hashlib

    if path.name.endswith(".policy.yaml"):
        from engine.policies.compact import compile_policy_file

        graph = compile_policy_file(path)
        pol = policy_from_graph(graph, path=path, pack=pack, source_format="yaml")
    else:
        pol = policy_from_graph(_parse_turtle(path), path=path, pack=pack)
    from engine.safefile import read_bytes

    digest = hashlib.sha256(read_bytes(path, MAX_POLICY_BYTES, what="policy file",
                                       error=PolicyError)).hexdigest()
    return dataclasses.replace(pol, digest=digest)


def policy_files(folder: Path) -> list[Path]:
    # Every name that looks like a policy is returned, whatever it is on disk: the reader
    # refuses a FIFO or a device with a message, where skipping it would hide a policy.
    files = [p for p in folder.iterdir() if not p.is_dir() and (
        (p.suffix == ".ttl" and p.name != "pack.ttl") or p.name.endswith(".policy.yaml"))]
    return sorted(files)


def load_pack(folder: Path, *, builtin: bool = False, lint: bool | None = None) -> Pack:
    """Load a pack folder. Custom packs are linted (SPARQL, regexes, imports) unless told not to."""
    from rdflib import OWL, RDFS
    from rdflib.namespace import DCTERMS

    from engine.vocab import MLWA

    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a policy pack folder")
    meta_path = folder / "pack.ttl"
    if not meta_path.exists():
        raise PolicyError("a pack folder needs a pack.ttl (id, title, owner, version)",
                          Location(str(meta_path)))
    meta = _parse_turtle(meta_path)
    subjects = list(meta.subjects(MLWA.packId, None))
    if len(subjects) != 1:
        raise PolicyError("pack.ttl declares exactly one mlwa:packId", Location(str(meta_path)))
    s = subjects[0]
    pack_id = _text(meta, s, MLWA.packId)
    title = _text(meta, s, DCTERMS.title) or _text(meta, s, RDFS.label)
    version = _text(meta, s, OWL.versionInfo)
    owner = _text(meta, s, MLWA.packOwner)
    if not re.match(r"^\d+\.\d+\.\d+", version or ""):
        raise PolicyError(f"pack {pack_id}: owl:versionInfo must be a semantic version, got {version!r}",
                          Location(str(meta_path)))
    policies = [load_policy_file(p, pack_id) for p in policy_files(folder)]
    if lint if lint is not None else not builtin:
        _lint_pack(policies)
    return Pack(pack_id, title, owner, version, folder, tuple(policies), builtin,
                _text(meta, s, DCTERMS.description))


def _lint_pack(policies: Iterable[Policy]) -> None:
    from engine.policies.lint import lint_shapes

    problems: list[Problem] = []
    for pol in policies:
        for issue in lint_shapes(pol.graph, source=str(pol.path)):
            if issue.level == "error":
                problems.append(Problem(Location(str(pol.path)), f"{pol.code}: {issue.message}"))
    if problems:
        raise PolicyError(f"{len(problems)} policies refused by the lint", problems[0].location, problems)


def installed_pack_dirs() -> list[Path]:
    from importlib.metadata import entry_points

    out = []
    for ep in entry_points(group="mlwa.packs"):
        target = ep.load()
        out.append(Path(target() if callable(target) else target))
    return out


# ------------------------------------------------------------------------------ the catalogue

@dataclass(frozen=True)
class Catalog:
    packs: tuple[Pack, ...]

    @cached_property
    def policies(self) -> dict[str, Policy]:
        out: dict[str, Policy] = {}
        problems: list[Problem] = []
        for pack in self.packs:
            for pol in pack.policies:
                if pol.code in out:
                    problems.append(Problem(Location(str(pol.path)),
                                            f"policy code {pol.code} is also defined in pack "
                                            f"{out[pol.code].pack} ({out[pol.code].path})"))
                    continue
                out[pol.code] = pol
        if problems:
            raise PolicyError("duplicate policy codes", problems[0].location, problems)
        return out

    def get(self, code: str) -> Policy:
        pol = self.policies.get(code.upper())
        if pol is None:
            import difflib

            close = difflib.get_close_matches(code.upper(), list(self.policies), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise UsageError(f"unknown policy {code!r}{hint}")
        return pol

    def select(self, *, codes: Sequence[str] = (), packs: Sequence[str] = (),
               pillars: Sequence[str] = (), phases: Sequence[str] = (),
               severities: Sequence[str] = (), include_deprecated: bool = False) -> list[Policy]:
        chosen = [self.get(c) for c in codes] if codes else list(self.policies.values())
        known_packs = {p.id for p in self.packs}
        for p in packs:
            if p not in known_packs:
                raise UsageError(f"unknown pack {p!r}; known: {', '.join(sorted(known_packs))}")
        out = []
        for pol in chosen:
            if packs and pol.pack not in packs:
                continue
            if pillars and pol.pillar not in pillars:
                continue
            if phases and pol.phase() not in phases:
                continue
            if severities and pol.severity.value not in severities:
                continue
            if pol.status is PolicyStatus.DEPRECATED and not include_deprecated and not codes:
                continue
            out.append(pol)
        return sorted(out, key=lambda p: p.code)

    def by_practice(self) -> dict[str, list[Policy]]:
        out: dict[str, list[Policy]] = {}
        for pol in self.policies.values():
            for pid in pol.practices:
                out.setdefault(pid, []).append(pol)
        return out


def shapes_graph(policies: Iterable[Policy]) -> tuple[Graph, dict[Node, str]]:
    """Merge the policies' shapes into one graph; return it with a map shape node -> code.

    Every subject of a policy file belongs to that policy, so a result whose source shape is
    a nested (blank-node) property shape still finds its policy.
    """
    from rdflib import Graph

    from engine.vocab import PREFIXES

    merged = Graph()
    for prefix, ns in PREFIXES.items():
        merged.bind(prefix, ns)
    owner: dict[Node, str] = {}
    for pol in policies:
        for s, p, o in pol.graph:
            merged.add((s, p, o))
            prev = owner.setdefault(s, pol.code)
            if prev != pol.code and not _is_shared_term(s):
                raise PolicyError(f"shape {s} is defined by both {prev} and {pol.code}",
                                  Location(str(pol.path)))
    return merged, owner


def _is_shared_term(node: Node) -> bool:
    from rdflib import URIRef

    return isinstance(node, URIRef) and not str(node).startswith("https://w3id.org/mlwa/policy/")


def load_catalog(extra_packs: Sequence[Path] = (), *, builtin: bool = True,
                 installed: bool = True) -> Catalog:
    packs = []
    if builtin:
        packs.append(load_pack(paths.builtin_pack_dir(), builtin=True))
    if installed:
        packs.extend(load_pack(d) for d in installed_pack_dirs())
    packs.extend(load_pack(Path(d)) for d in extra_packs)
    seen: dict[str, Path] = {}
    for pack in packs:
        if pack.id in seen:
            raise PolicyError(f"pack id {pack.id} is used by both {seen[pack.id]} and {pack.path}",
                              Location(str(pack.path)))
        seen[pack.id] = pack.path
    return Catalog(tuple(packs))


_BUILTIN: Catalog | None = None


def builtin_catalog() -> Catalog:
    """The built-in catalogue, loaded once per process."""
    global _BUILTIN
    if _BUILTIN is None:
        from engine.cache import cached, files_digest

        folder = paths.builtin_pack_dir()
        try:
            files = [folder / "pack.ttl", *policy_files(folder)]
            key: tuple[str, ...] | None = (str(folder), files_digest(files, MAX_POLICY_BYTES))
        except OSError:
            key = None
        _BUILTIN = (cached("catalog", key, lambda: load_catalog(installed=False),
                           valid=lambda v: isinstance(v, Catalog)) if key
                    else load_catalog(installed=False))
    return _BUILTIN
