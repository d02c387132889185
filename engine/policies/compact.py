"""The compact YAML policy form, compiled to SHACL for people who do not write SHACL.

A ``<CODE>.policy.yaml`` file::

    code: ACME-SEC-001
    title: Production endpoints run in a VPC
    severity: high              # high | medium | low  ->  sh:Violation | sh:Warning | sh:Info
    status: stable              # stable | preview | deprecated (default stable)
    kind: automated             # automated | attestation (default automated)
    evidence: structure         # structure | declaration: what a pass rests on (default structure)
    needs: production endpoints # silence rule: what it needs to assess (optional)
    when_absent: not-assessed   # gap | not-assessed (default not-assessed)
    assessed_from: production   # optional lifecycle stage from which it applies
    implements: [MLSEC05-BP01]  # practice ids of either lens edition
    rationale: ...
    remediation: ...
    target: endpoints           # a workload kind id (spec.py), "workload", or a class mlwa:Endpoint
    where: {environment.purpose: production}   # optional: only these focus nodes
    checks:
      - path: network.vpc       # keys as written in a workload file, or a raw mlwa:predicate
        required: true
        equals: true
        message: endpoint is not attached to a VPC

compiles to one ``sh:NodeShape`` (IRI ``pol:<CODE>``) carrying the same metadata as the
built-in Turtle policies, and one property shape per check with its own ``sh:message``.

*Paths* follow the workload file: a dotted list of keys. Group keys (``network``,
``encryption``) flatten onto the same node as the lifter does; a reference key
(``environment``) or a list of nested items (``variants``) steps to the node it names, so
``environment.purpose`` is the sequence path ``mlwa:environment/mlwa:purpose``. A raw
predicate (``mlwa:inVpc``, or ``mlwa:environment/mlwa:purpose``) is accepted when the
vocabulary declares it.

*Check keys*: ``required`` (``sh:minCount 1``), ``equals`` (``sh:hasValue``, which also
fails when the value is missing), ``one_of`` (``sh:in``), ``min``/``max``
(``sh:minInclusive``/``sh:maxInclusive``), ``pattern`` (``sh:pattern``, refused when it can
backtrack catastrophically), ``count_min``/``count_max`` (``sh:minCount``/``sh:maxCount``),
``refers_to: <kind>`` (``sh:class``), ``message``. Values are typed as the lifter types them
(booleans, integers, decimals, dates, strings), so ``equals: 2`` on an integer field matches.

*where* narrows the focus nodes: ``{path: value}`` (equal to) or ``{path: [v1, v2]}`` (one of);
several entries must all hold. It compiles to a SPARQL-based target (``sh:target`` /
``sh:SPARQLTarget``, SHACL Advanced Features): focus nodes the filter excludes are not
checked at all, and findings keep their property path. The fast engine routes such shapes
to the reference engine (its gate), so results are the same on both.

Every problem is a :class:`engine.errors.PolicyError` naming the file and line.

Why this file is long: the compact YAML form: parse, check and compile each construct to
SHACL in one place.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import Location, PolicyError
from engine.model import STAGES
from engine.workload.safeyaml import PositionalProblems

if TYPE_CHECKING:
    from rdflib import Graph, URIRef
    from rdflib.term import Node

    from engine.workload.safeyaml import Path_, Positions
    from engine.workload.spec import Field

MAX_COMPACT_BYTES = 256 * 1024
SEVERITIES = {"high": "Violation", "medium": "Warning", "low": "Info"}
TOP_KEYS = ("code", "title", "severity", "status", "kind", "evidence", "needs", "when_absent",
            "assessed_from", "implements", "rationale", "remediation", "target", "where",
            "checks")
REQUIRED_TOP = ("code", "title", "severity", "implements", "rationale", "remediation",
                "target", "checks")
CHECK_KEYS = ("path", "required", "equals", "one_of", "min", "max", "pattern", "count_min",
              "count_max", "refers_to", "message")
CONSTRAINT_KEYS = tuple(k for k in CHECK_KEYS if k not in ("path", "message"))
_RAW_PRED = re.compile(r"^mlwa:[A-Za-z][A-Za-z0-9_]*$")
_VAR_SAFE = re.compile(r"[^A-Za-z0-9_]")


# ------------------------------------------------------------------ the vocabulary, as paths

@dataclass(frozen=True)
class Step:
    """One step of a resolved path: the predicate and the field it came from (if any)."""

    predicate: str  # local name in mlwa:
    field: Field | None


@dataclass(frozen=True)
class Resolved:
    steps: tuple[Step, ...]

    @property
    def last(self) -> Field | None:
        return self.steps[-1].field if self.steps else None

    def text(self) -> str:
        return "/".join(f"mlwa:{s.predicate}" for s in self.steps)


@cache
def _known_predicates() -> frozenset[str]:
    """Every predicate local name the workload vocabulary can produce (for raw paths)."""
    from engine.workload.spec import DERIVED, KINDS, WORKLOAD_FIELDS

    found: set[str] = set()

    def walk(fields: Sequence[Field]) -> None:
        for f in fields:
            if f.type == "group":
                walk(f.fields)
            else:
                found.add(f.predicate)
                if f.predicate == "instanceType":
                    found.update(("instanceFamily", "hardwareClass"))

    walk(WORKLOAD_FIELDS)
    for k in KINDS:
        walk(k.fields)
        if k.link:
            found.add(k.link)
    found.update(d[0] for d in DERIVED)
    return frozenset(found)


def _kind_for_target(target: str) -> tuple[str, tuple[Field, ...]] | None:
    """(class local name, its fields) for a kind id, ``workload`` or ``mlwa:Class``."""
    from engine.workload.spec import KIND_BY_ID, KINDS, WORKLOAD_FIELDS

    if target in ("workload", "mlwa:Workload"):
        return "Workload", WORKLOAD_FIELDS
    if target in KIND_BY_ID:
        k = KIND_BY_ID[target]
        return k.cls, k.fields
    if target.startswith("mlwa:"):
        local = target[5:]
        for k in KINDS:
            if k.cls == local:
                return k.cls, k.fields
    return None


def _fields_of(kind_id: str) -> tuple[Field, ...]:
    from engine.workload.spec import KIND_BY_ID

    return KIND_BY_ID[kind_id].fields


def _lookup(fields: Sequence[Field], key: str) -> list[tuple[Field, ...]]:
    """Chains of fields (groups flattened) whose last member has this key."""
    out: list[tuple[Field, ...]] = []
    for f in fields:
        if f.key == key:
            out.append((f,))
        if f.type == "group":
            for chain in _lookup(f.fields, key):
                out.append((f, *chain))
    return out


def resolve_path(path: str, fields: tuple[Field, ...]) -> Resolved:
    """Resolve ``network.vpc`` against a kind's fields; raise ValueError with a hint."""
    path = path.strip()
    if path.startswith("mlwa:"):
        parts = path.split("/")
        known = _known_predicates()
        steps = []
        for part in parts:
            if not _RAW_PRED.match(part):
                raise ValueError(f"{part!r} is not a predicate like mlwa:inVpc")
            if part[5:] not in known:
                raise ValueError(f"{part} is not in the workload vocabulary"
                                 + _hint(part[5:], sorted(known), "mlwa:"))
            steps.append(Step(part[5:], None))
        return Resolved(tuple(steps))
    keys = path.split(".")
    if not all(keys):
        raise ValueError(f"path {path!r} has an empty key")
    steps = []
    current: tuple[Field, ...] | None = fields
    group_scope: tuple[Field, ...] | None = None
    for idx, key in enumerate(keys):
        scope = group_scope if group_scope is not None else current
        if scope is None:
            raise ValueError(f"{'.'.join(keys[:idx])} is a value, it has no key {key!r}")
        matches = [f for f in scope if f.key == key]
        if not matches:
            options = [f.key for f in scope]
            raise ValueError(f"unknown key {key!r} in path {path!r}" + _hint(key, options))
        f = matches[0]
        group_scope = None
        if f.type == "group":
            if idx == len(keys) - 1:
                raise ValueError(f"{path!r} names a group; name one of its keys: "
                                 + ", ".join(m.key for m in f.fields))
            group_scope = f.fields  # the group's keys sit on the same node
            continue
        steps.append(Step(f.predicate, f))
        if f.type == "items":
            assert f.kind is not None
            current = _fields_of(f.kind)
        elif f.type == "ref":
            kinds = {r for r in f.refs}
            if len(kinds) == 1:
                current = _fields_of(next(iter(kinds)))
            else:  # several kinds: only keys they all share
                sets = [_fields_of(k) for k in kinds]
                shared = [x for x in sets[0] if all(any(y.key == x.key for y in s) for s in sets[1:])]
                current = tuple(shared)
        else:
            current = None
    return Resolved(tuple(steps))


def _hint(word: str, options: Sequence[str], prefix: str = "") -> str:
    import difflib

    close = difflib.get_close_matches(word, list(options), n=3)
    return f"; did you mean {', '.join(prefix + c for c in close)}?" if close else ""


# ------------------------------------------------------------------ compiling

class _Compiler(PositionalProblems):
    def __init__(self, data: Any, positions: Positions, source: str) -> None:
        super().__init__(positions, source)
        self.data = data

    def text(self, key: str, required: bool = True) -> str:
        value = self.data.get(key)
        if value is None:
            if required:
                self.err((), f"missing required key {key!r}")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.err((key,), f"{key} must be non-empty text")
            return ""
        return " ".join(value.split())

    # -- the whole policy
    def compile(self) -> Graph:
        from rdflib import RDF, RDFS, Graph, Literal
        from rdflib.namespace import SH

        from engine.model import CODE_RE
        from engine.vocab import MLWA, POL, PREFIXES

        if not isinstance(self.data, dict):
            raise PolicyError("a compact policy is a YAML mapping (code, title, checks, ...)",
                              Location(self.source, 1))
        for key in self.data:
            if key not in TOP_KEYS:
                self.err((key,), f"unknown key {key!r}" + _hint(str(key), TOP_KEYS)
                         + f"; allowed: {', '.join(TOP_KEYS)}", key=True)
        for key in REQUIRED_TOP:
            if key not in self.data:
                self.err((), f"missing required key {key!r}")
        code = self.text("code")
        if code and not CODE_RE.match(code):
            self.err(("code",), f"policy code {code!r} does not look like PREFIX-AREA-NNN "
                     "(e.g. ACME-SEC-001)")
        g = Graph()
        for prefix, ns in PREFIXES.items():
            g.bind(prefix, ns)
        shape: URIRef = POL[code or "INVALID"]
        g.add((shape, RDF.type, SH.NodeShape))
        g.add((shape, RDF.type, MLWA.Policy))
        g.add((shape, MLWA.policyCode, Literal(code)))
        for key, pred in (("title", RDFS.label), ("rationale", MLWA.rationale),
                          ("remediation", MLWA.remediation)):
            value = self.text(key)
            if value:
                g.add((shape, pred, Literal(value, lang="en")))
        severity = self.data.get("severity")
        if severity not in SEVERITIES:
            if "severity" in self.data:
                self.err(("severity",), f"severity must be high, medium or low, got {severity!r}")
            severity = "high"
        g.add((shape, SH.severity, SH[SEVERITIES[str(severity)]]))
        for key, allowed, default, pred in (
                ("status", ("stable", "preview", "deprecated"), "stable", MLWA.policyStatus),
                ("kind", ("automated", "attestation"), "automated", MLWA.checkKind),
                ("evidence", ("structure", "declaration"), "structure", MLWA.evidenceKind),
                ("when_absent", ("gap", "not-assessed"), "not-assessed", MLWA.whenAbsent),
                ("assessed_from", (None, *STAGES), None, MLWA.assessedFrom)):
            value = self.data.get(key, default)
            if value not in allowed:
                shown = ", ".join(a for a in allowed if a)
                self.err((key,), f"{key} must be one of {shown}, got {value!r}")
                value = default
            if value is not None:
                g.add((shape, pred, Literal(value)))
        needs = self.text("needs", required=False)
        if needs:
            g.add((shape, MLWA.needs, Literal(needs, lang="en")))
        self.implements(g, shape)
        cls, fields = self.target(g, shape)
        checks = self.data.get("checks")
        if not isinstance(checks, list) or not checks:
            if "checks" in self.data:
                self.err(("checks",), "checks must be a non-empty list of {path: ..., ...}")
        else:
            for i, check in enumerate(checks):
                self.check(g, shape, fields, check, ("checks", i))
        if fields is not None and cls is not None and "where" in self.data:
            self.where(g, shape, cls, fields)
        if self.problems:
            raise PolicyError(f"{len(self.problems)} problem(s) in compact policy "
                              f"{Path(self.source).name}", self.problems[0].location,
                              self.problems)
        return g

    def implements(self, g: Graph, shape: URIRef) -> None:
        from rdflib import URIRef

        from engine.lens.ontology import load_lens
        from engine.vocab import MLWA

        value = self.data.get("implements")
        if value is None:
            return
        ids = [value] if isinstance(value, str) else value
        if not isinstance(ids, list) or not ids:
            self.err(("implements",), "implements is a list of practice ids, e.g. [MLSEC05-BP01]")
            return
        lens = load_lens()
        for i, pid in enumerate(ids):
            path: Path_ = ("implements", i) if isinstance(value, list) else ("implements",)
            found = lens.find(str(pid)) if isinstance(pid, str) else None
            if found is None:
                self.err(path, f"unknown practice {pid!r}{lens.suggest(str(pid))}")
                continue
            g.add((shape, MLWA.implements, URIRef(found.iri)))

    def target(self, g: Graph, shape: URIRef) -> tuple[str | None, tuple[Field, ...] | None]:
        from rdflib.namespace import SH

        from engine.vocab import MLWA
        from engine.workload.spec import KIND_BY_ID

        target = self.data.get("target")
        if target is None:
            return None, None
        found = _kind_for_target(target) if isinstance(target, str) else None
        if found is None:
            options = ["workload", *KIND_BY_ID]
            self.err(("target",), f"unknown target {target!r}: use a workload kind id "
                     f"({', '.join(options)}) or a class such as mlwa:Endpoint"
                     + _hint(str(target), options))
            return None, None
        cls, fields = found
        if "where" not in self.data:
            g.add((shape, SH.targetClass, MLWA[cls]))
        return cls, fields

    # -- one check
    def check(self, g: Graph, shape: URIRef, fields: tuple[Field, ...] | None, check: Any,
              path: Path_) -> None:
        from rdflib import BNode, Literal
        from rdflib.collection import Collection
        from rdflib.namespace import SH

        if not isinstance(check, dict):
            self.err(path, "a check is a mapping with a path and at least one constraint")
            return
        for key in check:
            if key not in CHECK_KEYS:
                self.err((*path, key), f"unknown check key {key!r}" + _hint(str(key), CHECK_KEYS)
                         + f"; allowed: {', '.join(CHECK_KEYS)}", key=True)
        raw_path = check.get("path")
        if not isinstance(raw_path, str) or not raw_path.strip():
            self.err(path, "a check needs a path (keys as in a workload file, e.g. network.vpc)")
            return
        if fields is None:
            return  # the target is wrong; already reported
        try:
            resolved = resolve_path(raw_path, fields)
        except ValueError as exc:
            self.err((*path, "path"), str(exc))
            return
        present = [k for k in CONSTRAINT_KEYS if k in check]
        if not present:
            self.err(path, "a check needs at least one of " + ", ".join(CONSTRAINT_KEYS))
            return
        prop = BNode()
        g.add((shape, SH.property, prop))
        g.add((prop, SH.path, self.shacl_path(g, resolved)))
        last = resolved.last
        if check.get("required") is True:
            g.add((prop, SH.minCount, Literal(1)))
        elif "required" in check and check["required"] is not False:
            self.err((*path, "required"), "required is true or false")
        if "equals" in check:
            lit = self.literal(check["equals"], last, (*path, "equals"))
            if lit is not None:
                g.add((prop, SH.hasValue, lit))
        if "one_of" in check:
            values = check["one_of"]
            if not isinstance(values, list) or not values:
                self.err((*path, "one_of"), "one_of is a non-empty list of values")
            else:
                lits = [self.literal(v, last, (*path, "one_of", i)) for i, v in enumerate(values)]
                if all(x is not None for x in lits):
                    head = BNode()
                    Collection(g, head, [x for x in lits if x is not None])
                    g.add((prop, SH["in"], head))
        for key, pred in (("min", SH.minInclusive), ("max", SH.maxInclusive)):
            if key in check:
                value = check[key]
                if isinstance(value, bool) or not isinstance(value, int | float):
                    self.err((*path, key), f"{key} is a number")
                elif last is not None and last.type not in ("integer", "number"):
                    self.err((*path, key), f"{key} applies to numbers; {raw_path} is a {last.type}")
                else:
                    lit = self.literal(value, last, (*path, key))
                    if lit is not None:
                        g.add((prop, pred, lit))
        for key, pred in (("count_min", SH.minCount), ("count_max", SH.maxCount)):
            if key in check:
                value = check[key]
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    self.err((*path, key), f"{key} is a whole number of values (0 or more)")
                else:
                    g.add((prop, pred, Literal(value)))
        if "pattern" in check:
            self.pattern(g, prop, check["pattern"], (*path, "pattern"))
        if "refers_to" in check:
            found = _kind_for_target(check["refers_to"]) if isinstance(check["refers_to"], str) else None
            if found is None:
                self.err((*path, "refers_to"), f"refers_to names a kind (e.g. iam_roles), got "
                         f"{check['refers_to']!r}")
            else:
                from engine.vocab import MLWA

                g.add((prop, SH["class"], MLWA[found[0]]))
        message = check.get("message")
        if message is None:
            message = _default_message(raw_path, check)
        elif not isinstance(message, str) or not message.strip():
            self.err((*path, "message"), "message must be non-empty text")
            message = _default_message(raw_path, check)
        g.add((prop, SH.message, Literal(" ".join(str(message).split()), lang="en")))

    def shacl_path(self, g: Graph, resolved: Resolved) -> Node:
        from rdflib import BNode
        from rdflib.collection import Collection

        from engine.vocab import MLWA

        preds = [MLWA[s.predicate] for s in resolved.steps]
        if len(preds) == 1:
            return preds[0]
        head = BNode()
        Collection(g, head, list(preds))
        return head

    def literal(self, value: Any, f: Field | None, path: Path_) -> Node | None:
        from decimal import Decimal

        from rdflib import Literal
        from rdflib.namespace import XSD

        ftype = f.type if f is not None else None
        if isinstance(value, dict | list) or value is None:
            self.err(path, "a value here is a single scalar (text, number, true/false)")
            return None
        if ftype == "boolean" or (ftype is None and isinstance(value, bool)):
            if not isinstance(value, bool):
                self.err(path, f"{f.key if f else 'this field'} is true or false, got {value!r}")
                return None
            return Literal(value)
        if ftype == "integer" or (ftype is None and isinstance(value, int)):
            if isinstance(value, bool) or not isinstance(value, int):
                self.err(path, f"{f.key if f else 'this field'} is a whole number, got {value!r}")
                return None
            return Literal(value, datatype=XSD.integer)
        if ftype == "number" or (ftype is None and isinstance(value, float)):
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.err(path, f"{f.key if f else 'this field'} is a number, got {value!r}")
                return None
            return Literal(Decimal(str(value)), datatype=XSD.decimal)
        if ftype == "date":
            try:
                return Literal(dt.date.fromisoformat(str(value)))
            except ValueError:
                self.err(path, f"{value!r} is not a date like 2026-11-30")
                return None
        if ftype == "uri":
            return Literal(str(value), datatype=XSD.anyURI)
        if ftype == "enum" and f is not None and str(value) not in f.values:
            self.err(path, f"{value!r} is not a value of {f.key}: {', '.join(f.values)}")
            return None
        if ftype == "ref":
            self.err(path, f"{f.key if f else 'this field'} refers to another node; compare one of "
                     "its keys instead (e.g. environment.purpose)")
            return None
        if ftype in ("items", "tags"):
            self.err(path, f"{f.key if f else 'this field'} holds nested items; compare one of "
                     "their keys instead")
            return None
        return Literal(str(value))

    def pattern(self, g: Graph, prop: Node, value: Any, path: Path_) -> None:
        from rdflib import Literal
        from rdflib.namespace import SH

        from engine.policies.lint import MAX_PATTERN_CHARS, regex_problems

        if not isinstance(value, str) or not value:
            self.err(path, "pattern is a regular expression (text)")
            return
        if len(value) > MAX_PATTERN_CHARS:
            self.err(path, f"pattern is longer than {MAX_PATTERN_CHARS} characters")
            return
        try:
            re.compile(value)
        except re.error as exc:
            self.err(path, f"pattern does not compile: {exc}")
            return
        for _kind, message in regex_problems(value):
            self.err(path, f"pattern refused: {message}")
            return
        g.add((prop, SH.pattern, Literal(value)))

    # -- where: a SPARQL-based target
    def where(self, g: Graph, shape: URIRef, cls: str, fields: tuple[Field, ...]) -> None:
        from rdflib import BNode, Literal
        from rdflib.namespace import RDF, SH

        from engine.vocab import MLWA

        where = self.data["where"]
        if not isinstance(where, dict) or not where:
            self.err(("where",), "where is a mapping of path: value (or path: [values])")
            return
        lines = [f"?this a ?type . VALUES ?type {{ {' '.join(c.n3() for c in _subclasses(cls))} }}"]
        for i, (key, value) in enumerate(where.items()):
            wpath: Path_ = ("where", key)
            try:
                resolved = resolve_path(str(key), fields)
            except ValueError as exc:
                self.err(("where", key), str(exc), key=True)
                continue
            values = value if isinstance(value, list) else [value]
            if not values:
                self.err(wpath, "an empty list matches nothing")
                continue
            lits = [self.literal(v, resolved.last, wpath) for v in values]
            if any(x is None for x in lits):
                continue
            var = f"?w{i}"
            seq = "/".join(MLWA[s.predicate].n3() for s in resolved.steps)
            terms = ", ".join(x.n3() for x in lits if x is not None)
            lines.append(f"?this {seq} {var} . FILTER ({var} IN ({terms}))")
        target = BNode()
        g.add((shape, SH.target, target))
        g.add((target, RDF.type, SH.SPARQLTarget))
        query = "SELECT ?this WHERE {\n    " + "\n    ".join(lines) + "\n}"
        g.add((target, SH.select, Literal(query)))


def _subclasses(cls: str) -> list[Node]:
    """The class and its subclasses in the bundled ontology (a SPARQL target sees no
    inference, so subclasses are listed explicitly)."""
    from rdflib import RDFS

    from engine.lens.ontology import class_hierarchy
    from engine.vocab import MLWA

    h = class_hierarchy()
    root = MLWA[cls]
    out: list[Node] = [root]
    todo: list[Node] = [root]
    while todo:
        c = todo.pop()
        for sub in h.subjects(RDFS.subClassOf, c):
            if sub not in out:
                out.append(sub)
                todo.append(sub)
    return sorted(out, key=str)


def _default_message(path: str, check: dict[str, Any]) -> str:
    parts = []
    if check.get("required"):
        parts.append("is required")
    if "equals" in check:
        parts.append(f"must be {check['equals']!r}")
    if "one_of" in check:
        parts.append(f"must be one of {check['one_of']!r}")
    if "min" in check:
        parts.append(f"must be at least {check['min']}")
    if "max" in check:
        parts.append(f"must be at most {check['max']}")
    if "pattern" in check:
        parts.append("does not match the expected pattern")
    if "count_min" in check:
        parts.append(f"needs at least {check['count_min']} value(s)")
    if "count_max" in check:
        parts.append(f"allows at most {check['count_max']} value(s)")
    if "refers_to" in check:
        parts.append(f"must refer to one of the {check['refers_to']}")
    return f"{path} " + " and ".join(parts or ["is not as required"])


def compile_policy(data: Any, source: str, positions: Positions | None = None) -> Graph:
    """Compile a parsed compact policy (plain data) to its SHACL shapes graph."""
    from engine.workload.safeyaml import Positions

    return _Compiler(data, positions or Positions(), source).compile()


def compile_policy_text(text: str, source: str) -> Graph:
    from engine.errors import InputError
    from engine.workload.safeyaml import load_yaml

    try:
        data, positions = load_yaml(text, filename=source)
    except PolicyError:
        raise
    except InputError as exc:  # the hardened loader's refusals, reported as policy errors
        raise PolicyError(exc.message, exc.location, exc.problems) from None
    return compile_policy(data, source, positions)


def compile_policy_file(path: Path | str) -> Graph:
    """Read and compile ``<CODE>.policy.yaml``; every problem is a PolicyError with a line."""
    from engine.safefile import read_text

    path = Path(path)
    text = read_text(path, MAX_COMPACT_BYTES, what="policy file", error=PolicyError)
    return compile_policy_text(text, str(path))


__all__ = ["compile_policy", "compile_policy_file", "compile_policy_text", "resolve_path"]
