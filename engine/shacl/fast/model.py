"""The shapes graph read once into plain objects the compiler walks.

Reading is where the gate decides: anything the compiler cannot translate faithfully is
recorded as a reason on the shape, so the backend can route that shape to the reference
engine instead of silently skipping it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import rdflib
import rdflib.collection
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import BNode, Literal, Node, URIRef

from engine.shacl.fast.gate import Unsupported
from engine.shacl.fast.sparql import read_sparql_constraint
from engine.shacl.fast.terms import INTEGER_SUBTYPES, TRUE

_SH = str(SH)

#: Parameters of the core constraint components, each mapped to the component it belongs to.
CORE_PARAMS: dict[URIRef, URIRef] = {
    SH["class"]: SH.ClassConstraintComponent,
    SH.datatype: SH.DatatypeConstraintComponent,
    SH.nodeKind: SH.NodeKindConstraintComponent,
    SH.minCount: SH.MinCountConstraintComponent,
    SH.maxCount: SH.MaxCountConstraintComponent,
    SH.minInclusive: SH.MinInclusiveConstraintComponent,
    SH.maxInclusive: SH.MaxInclusiveConstraintComponent,
    SH.minExclusive: SH.MinExclusiveConstraintComponent,
    SH.maxExclusive: SH.MaxExclusiveConstraintComponent,
    SH.minLength: SH.MinLengthConstraintComponent,
    SH.maxLength: SH.MaxLengthConstraintComponent,
    SH.pattern: SH.PatternConstraintComponent,
    SH.languageIn: SH.LanguageInConstraintComponent,
    SH.uniqueLang: SH.UniqueLangConstraintComponent,
    SH.equals: SH.EqualsConstraintComponent,
    SH.disjoint: SH.DisjointConstraintComponent,
    SH.lessThan: SH.LessThanConstraintComponent,
    SH.lessThanOrEquals: SH.LessThanOrEqualsConstraintComponent,
    SH["not"]: SH.NotConstraintComponent,
    SH["and"]: SH.AndConstraintComponent,
    SH["or"]: SH.OrConstraintComponent,
    SH.xone: SH.XoneConstraintComponent,
    SH.node: SH.NodeConstraintComponent,
    SH.hasValue: SH.HasValueConstraintComponent,
    SH["in"]: SH.InConstraintComponent,
    SH.closed: SH.ClosedConstraintComponent,
}
_PROPERTY_ONLY = {SH.minCount, SH.maxCount, SH.uniqueLang, SH.lessThan, SH.lessThanOrEquals}
_TARGETS = (SH.targetNode, SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf)
#: Predicates that mean "the compiler cannot do this": SHACL-JS, SHACL-AF rules and targets.
_GATED = {
    SH.target: "SPARQL-based or custom target (sh:target)",
    SH.rule: "SHACL-AF rules (sh:rule)",
    SH.js: "SHACL-JS",
    SH.jsFunctionName: "SHACL-JS",
    SH.jsLibrary: "SHACL-JS",
}
_PATH_KINDS = {
    SH.alternativePath: "|",
    SH.inversePath: "^",
    SH.zeroOrMorePath: "*",
    SH.oneOrMorePath: "+",
    SH.zeroOrOnePath: "?",
}


@dataclass
class Constraint:
    component: URIRef
    param: URIRef
    value: Any  # parameter value(s), already decoded (lists, shapes, flags)
    #: the parameter's local name ("minCount"): what the evaluator dispatches on, since an
    #: rdflib IRI compares in Python code, a str in C
    kind: str = field(init=False)

    def __post_init__(self) -> None:
        self.kind = str(self.param).rsplit("#", 1)[-1]


@dataclass(eq=False)
class Shape:
    node: Node
    path: Node | None = None  # the path node in the shapes graph
    sparql_path: str | None = None
    severity: URIRef = SH.Violation
    messages: tuple[str, ...] = ()
    deactivated: bool = False
    target_nodes: list[Node] = field(default_factory=list)
    target_classes: list[Node] = field(default_factory=list)
    target_subjects_of: list[URIRef] = field(default_factory=list)
    target_objects_of: list[URIRef] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    properties: list[Shape] = field(default_factory=list)
    sparql: list[Any] = field(default_factory=list)  # engine.shacl.fast.sparql.SparqlConstraint
    unsupported: str | None = None

    @property
    def is_property(self) -> bool:
        return self.path is not None

    @property
    def has_targets(self) -> bool:
        return bool(self.target_nodes or self.target_classes or self.target_subjects_of
                    or self.target_objects_of)


def sparql_path(g: rdflib.Graph, node: Node, depth: int = 0) -> str:
    """SHACL property path → SPARQL property path text."""
    if depth > 32:
        raise Unsupported("property path nested too deeply")
    if isinstance(node, URIRef):
        return node.n3()
    if not isinstance(node, BNode):
        raise Unsupported(f"invalid property path {node!r}")
    if g.value(node, RDF.first) is not None:
        items = list(rdflib.collection.Collection(g, node))
        if len(items) < 2:
            raise Unsupported("sequence path with fewer than two members")
        return "(" + "/".join(sparql_path(g, i, depth + 1) for i in items) + ")"
    for pred, op in _PATH_KINDS.items():
        inner = g.value(node, pred)
        if inner is None:
            continue
        if op == "|":
            items = list(rdflib.collection.Collection(g, inner))
            if len(items) < 2:
                raise Unsupported("alternative path with fewer than two members")
            return "(" + "|".join(sparql_path(g, i, depth + 1) for i in items) + ")"
        text = sparql_path(g, inner, depth + 1)
        return f"^({text})" if op == "^" else f"({text}){op}"
    raise Unsupported("unknown kind of property path")


def _check_regex(pattern: str, flags: str) -> None:
    """Oxigraph's regex engine (Rust, linear time) refuses backreferences and look-around
    that pySHACL's Python engine accepts; such a shape is routed, not failed."""
    import pyoxigraph as ox

    # An invalid regex is an evaluation error, not a query error: ask for it explicitly.
    query = (f"SELECT (COALESCE(REGEX(\"\", {Literal(pattern).n3()}, {Literal(flags).n3()}), "
             f"\"invalid\") AS ?r) {{}}")
    try:
        rows = list(ox.Store().query(query))  # type: ignore[arg-type]
    except Exception:
        rows = []
    if not rows or str(rows[0]["r"]) == '"invalid"':
        raise Unsupported(f"sh:pattern {pattern!r} (flags {flags!r}) is not a regex Oxigraph runs")


def _list(g: rdflib.Graph, node: Node) -> list[Node]:
    if node == RDF.nil:
        return []
    if g.value(node, RDF.first) is None:
        raise Unsupported("expected an RDF list")
    return list(rdflib.collection.Collection(g, node))


class ShapesModel:
    """All shapes of one shapes graph, read once, with the gate's verdict on each."""

    def __init__(self, g: rdflib.Graph) -> None:
        self.g = g
        self.shapes: dict[Node, Shape] = {}
        self._reading: set[Node] = set()
        self.custom_params = self._custom_component_params()
        self.top: list[Shape] = [self.shape(n) for n in self._top_level_nodes()]
        # A shape is only as supported as everything it references.
        for shape in self.top:
            reason = self._first_unsupported(shape, set())
            if reason and not shape.unsupported:
                shape.unsupported = reason

    def _custom_component_params(self) -> set[Node]:
        params: set[Node] = set()
        # Any node with sh:parameter is a component, whatever subclass of
        # sh:ConstraintComponent it is typed with.
        for comp in set(self.g.subjects(SH.parameter, None)):
            for param in self.g.objects(comp, SH.parameter):
                path = self.g.value(param, SH.path)
                if path is not None:
                    params.add(path)
        return params

    def _top_level_nodes(self) -> list[Node]:
        nodes: dict[Node, None] = {}
        for pred in (*_TARGETS, SH.target):
            for s in self.g.subjects(pred, None):
                nodes[s] = None
        for cls in (RDFS.Class, OWL.Class):
            for s in self.g.subjects(RDF.type, cls):
                if ((s, RDF.type, SH.NodeShape) in self.g
                        or (s, RDF.type, SH.PropertyShape) in self.g):
                    nodes[s] = None
        return list(nodes)

    def _first_unsupported(self, shape: Shape, seen: set[int]) -> str | None:
        if id(shape) in seen:
            return None
        seen.add(id(shape))
        if shape.unsupported:
            return shape.unsupported
        for child in self.children(shape):
            reason = self._first_unsupported(child, seen)
            if reason:
                return f"references an unsupported shape: {reason}"
        return None

    @staticmethod
    def children(shape: Shape) -> list[Shape]:
        out = list(shape.properties)
        for c in shape.constraints:
            if isinstance(c.value, Shape):
                out.append(c.value)
            elif c.param == SH.qualifiedValueShape:
                out.append(c.value["shape"])
                out.extend(c.value["siblings"])
            elif isinstance(c.value, list) and c.value and isinstance(c.value[0], Shape):
                out.extend(c.value)
        return out

    def shape(self, node: Node) -> Shape:
        if node in self.shapes:
            return self.shapes[node]
        shape = Shape(node)
        self.shapes[node] = shape
        self._reading.add(node)
        try:
            self._read(shape)
        except Unsupported as exc:
            shape.unsupported = str(exc)
        finally:
            self._reading.discard(node)
        return shape

    def _ref(self, node: Node) -> Shape:
        if node in self._reading:
            raise Unsupported("recursive shape reference")
        ref = self.shape(node)
        if ref.unsupported:
            raise Unsupported(ref.unsupported)
        return ref

    def _read(self, shape: Shape) -> None:
        g, node = self.g, shape.node
        preds = set(g.predicates(node, None))
        for pred, reason in _GATED.items():
            if pred in preds:
                raise Unsupported(reason)
        custom = preds & self.custom_params
        if custom:
            raise Unsupported("SPARQL-based constraint component "
                              + ", ".join(sorted(str(p) for p in custom)))
        deact = g.value(node, SH.deactivated)
        shape.deactivated = deact is not None and deact == TRUE
        sev = g.value(node, SH.severity)
        if isinstance(sev, URIRef):
            shape.severity = sev
        shape.messages = tuple(str(m) for m in g.objects(node, SH.message))
        path = g.value(node, SH.path)
        if path is not None:
            shape.path = path
            shape.sparql_path = sparql_path(g, path)
        shape.target_nodes = list(g.objects(node, SH.targetNode))
        shape.target_classes = list(g.objects(node, SH.targetClass))
        if (node, RDF.type, RDFS.Class) in g or (node, RDF.type, OWL.Class) in g:
            shape.target_classes.append(node)
        shape.target_subjects_of = [p for p in g.objects(node, SH.targetSubjectsOf)
                                    if isinstance(p, URIRef)]
        shape.target_objects_of = [p for p in g.objects(node, SH.targetObjectsOf)
                                   if isinstance(p, URIRef)]
        if isinstance(node, BNode) and shape.target_classes and node in shape.target_classes:
            raise Unsupported("blank node used as an implicit target class")
        for cls in shape.target_classes:
            if not isinstance(cls, URIRef):
                raise Unsupported("sh:targetClass is not an IRI")
        for param, component in CORE_PARAMS.items():
            for value in g.objects(node, param):
                if param in _PROPERTY_ONLY and shape.path is None:
                    continue  # ill-formed on a node shape; SHACL ignores it
                if param in (SH.closed, SH.uniqueLang) and value != TRUE:
                    continue  # only "true" switches these on
                shape.constraints.append(Constraint(component, param, self._decode(node, param, value)))
        for q in g.objects(node, SH.qualifiedValueShape):
            if shape.path is None:
                continue
            shape.constraints.append(self._qualified(shape, q))
        for p in g.objects(node, SH.property):
            shape.properties.append(self._ref(p))
        for s in g.objects(node, SH.sparql):
            shape.sparql.append(read_sparql_constraint(g, shape, s))

    def _decode(self, node: Node, param: URIRef, value: Node) -> Any:
        g = self.g
        if param in (SH["not"], SH.node):
            return self._ref(value)
        if param in (SH["and"], SH["or"], SH.xone):
            return [self._ref(m) for m in _list(g, value)]
        if param in (SH["in"], SH.languageIn):
            members = _list(g, value)
            if param == SH["in"] and any(isinstance(m, BNode) for m in members):
                raise Unsupported("blank node in sh:in")
            if any(isinstance(m, Literal) and m.datatype in INTEGER_SUBTYPES for m in members):
                raise Unsupported("sh:in member typed with an xsd:integer subtype")
            return members
        if param == SH.hasValue:
            if isinstance(value, BNode):
                raise Unsupported("blank node in sh:hasValue")
            if isinstance(value, Literal) and value.datatype in INTEGER_SUBTYPES:
                raise Unsupported("sh:hasValue typed with an xsd:integer subtype")
            return value
        if param == SH.pattern:
            flags = g.value(node, SH.flags)
            pattern = (str(value), str(flags) if flags is not None else "")
            _check_regex(*pattern)
            return pattern
        if param == SH["class"] and isinstance(value, BNode):
            raise Unsupported("blank node as sh:class")
        return value

    def _qualified(self, shape: Shape, qnode: Node) -> Constraint:
        g, node = self.g, shape.node
        q = self._ref(qnode)
        disjoint = g.value(node, SH.qualifiedValueShapesDisjoint) == TRUE
        siblings: list[Shape] = []
        if disjoint:
            for parent in g.subjects(SH.property, node):
                for sib_prop in g.objects(parent, SH.property):
                    for sib in g.objects(sib_prop, SH.qualifiedValueShape):
                        if sib != qnode:
                            siblings.append(self._ref(sib))
        lo = g.value(node, SH.qualifiedMinCount)
        hi = g.value(node, SH.qualifiedMaxCount)
        return Constraint(
            SH.QualifiedMinCountConstraintComponent,
            SH.qualifiedValueShape,
            {"shape": q, "siblings": siblings,
             "min": int(lo) if isinstance(lo, Literal) else None,
             "max": int(hi) if isinstance(hi, Literal) else None},
        )

    def closed_allowed(self, shape: Shape) -> list[URIRef]:
        g = self.g
        allowed = [p.path for p in shape.properties if isinstance(p.path, URIRef)]
        for lst in g.objects(shape.node, SH.ignoredProperties):
            allowed.extend(m for m in _list(g, lst) if isinstance(m, URIRef))
        return allowed
