"""SHACL Core compiled to SPARQL and run by Oxigraph over many data graphs at once.

Every data graph sits in its own named graph ``?g``; every query is written so that all of
its triple patterns stay inside ``GRAPH ?g``, so one query answers for the whole batch and
results come back grouped by graph. (We never put a sub-select or a VALUES block directly
inside ``GRAPH ?g``: pyoxigraph 0.5.13 leaves ``?g`` unbound there, which would leak rows
across graphs. ``test_oxigraph_traps`` pins both behaviours.)

Constraint components that only look at value nodes become one filtering query each.
Shape-valued components (sh:node, sh:not, sh:and, sh:or, sh:xone, sh:qualifiedValueShape)
ask which candidate nodes violate the nested shape, with the same queries driven by a
composed focus pattern, and combine the answers in Python: boolean logic over sets is
clearer there than nested FILTER NOT EXISTS, and the nested shape is queried once per batch.

Why this file is long: one SPARQL template per SHACL constraint component, side by side so
they stay consistent.
"""

from __future__ import annotations

import contextlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import BNode, Literal, Node, URIRef

from engine.errors import PolicyError
from engine.shacl.fast.model import Constraint, Shape, ShapesModel, Unsupported
from engine.shacl.fast.sparql import SparqlConstraint, render_message
from engine.shacl.fast.terms import sparql_term

GRAPH_MARK = "urn:mlwa:shacl:DataGraph"
RDF_TYPE = RDF.type.n3()
SUBCLASS = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
#: Datatypes whose well-formedness Oxigraph can test by casting a literal to its own type.
CASTABLE = frozenset(
    XSD[n] for n in ["boolean", "integer", "decimal", "float", "double", "date", "dateTime", "time", "duration", "dayTimeDuration", "yearMonthDuration"]
)

# A row of a constraint query: graph, focus node, value node (or None), path (or None).
Row = tuple[Any, Any, Any, Any]
Pair = tuple[Any, Any]


@dataclass(frozen=True)
class Focus:
    """Where focus nodes come from: a shape's targets, or the value nodes of another focus.

    ``pattern(var)`` is a SPARQL group binding ``?g`` and ``var``; its text doubles as a
    cache key because it fully determines the focus set.
    """

    build: Callable[[str], str]
    key: str
    #: the focus pattern for use inside ``GRAPH ?g`` (binding ?this; argument: a suffix
    #: for fresh helper variables), when the focus comes straight from targets
    in_graph: Callable[[int], str] | None = None

    def pattern(self, var: str) -> str:
        return self.build(var)


def _subjects_of(pred: str) -> Callable[[str], str]:
    return lambda v: f"{{ GRAPH ?g {{ {v} {pred} {v}_o }} }}"


def _objects_of(pred: str) -> Callable[[str], str]:
    return lambda v: f"{{ GRAPH ?g {{ {v}_s {pred} {v} }} }}"


def _values(var: str, terms: Iterable[str]) -> str:
    return f"VALUES {var} {{ {' '.join(terms)} }}"


class Compiler:
    """Query text for one shapes model; pure string building, cached, store-independent."""

    def __init__(self, model: ShapesModel, class_closure: dict[URIRef, set[URIRef]],
                 data_subclass: bool) -> None:
        self.model = model
        self.closure = class_closure
        self.data_subclass = data_subclass
        self.cache: dict[tuple[Any, ...], str] = {}
        self._foci: dict[tuple[Any, ...], Focus] = {}
        self._plans: dict[int, tuple[Sequence[Shape], list[tuple[Shape, Any, Focus]]]] = {}

    # --- focus nodes -------------------------------------------------------------------
    def instance_of(self, var: str, classes: Iterable[URIRef]) -> str:
        """``var`` is a SHACL instance of one of ``classes`` (subclasses from ontology + data)."""
        classes = list(classes)
        sub: set[URIRef] = set()
        for c in classes:
            sub |= self.closure.get(c, {c})
        t = var + "_t"
        # A constant class, or VALUES before the GRAPH pattern: both let Oxigraph start from
        # the type index; VALUES after it measured about 30 % slower.
        if len(sub) == 1:
            text = f"{{ GRAPH ?g {{ {var} {RDF_TYPE} {next(iter(sub)).n3()} }} }}"
        else:
            text = (f"{{ {_values(t, sorted(x.n3() for x in sub))} "
                    f"GRAPH ?g {{ {var} {RDF_TYPE} {t} }} }}")
        if self.data_subclass:
            t2 = var + "_u"
            text += (f" UNION {{ GRAPH ?g {{ {var} {RDF_TYPE}/{SUBCLASS}* {t2} }} "
                     f"{_values(t2, sorted(x.n3() for x in sub))} }}")
        return text

    def target_focus(self, shape: Shape) -> Focus:
        key = ("target", id(shape))
        focus = self._foci.get(key)
        if focus is None:
            focus = self._foci[key] = self._target_focus(shape)
        return focus

    def _target_focus(self, shape: Shape) -> Focus:
        branches: list[Callable[[str], str]] = []
        if shape.target_nodes:
            if any(isinstance(n, BNode) for n in shape.target_nodes):
                raise Unsupported("blank node as sh:targetNode")
            nodes = sorted(sparql_term(n) for n in shape.target_nodes)
            branches.append(lambda v: f"{{ ?g a <{GRAPH_MARK}> . {_values(v, nodes)} }}")
        if shape.target_classes:
            classes = [c for c in shape.target_classes if isinstance(c, URIRef)]
            branches.append(lambda v: self.instance_of(v, classes))
        for p in shape.target_subjects_of:
            branches.append(_subjects_of(p.n3()))
        for p in shape.target_objects_of:
            branches.append(_objects_of(p.n3()))

        # Flat on purpose: a DISTINCT sub-select here costs Oxigraph about 2.5x per query;
        # duplicates are removed once, by the DISTINCT or COUNT(DISTINCT) of each query.
        def build(v: str) -> str:
            if len(branches) == 1:
                return branches[0](v)
            return "{ " + " UNION ".join(b(v) for b in branches) + " }"

        return Focus(build, build("?this"), self._in_graph_focus(shape))

    def _in_graph_focus(self, shape: Shape) -> Callable[[int], str]:
        nodes = sorted(sparql_term(n) for n in shape.target_nodes)
        classes = [c for c in shape.target_classes if isinstance(c, URIRef)]
        sub: set[URIRef] = set()
        for c in classes:
            sub |= self.closure.get(c, {c})
        class_values = " ".join(sorted(x.n3() for x in sub))

        def build(n: int) -> str:
            h = f"?mlwa_focus_{n}"
            branches = []
            # BIND, not VALUES: pyoxigraph 0.5.13 also leaves ?g unbound in
            # GRAPH ?g { VALUES … } (the same trap as a sub-select there).
            branches += [f"BIND({n} AS ?this)" for n in nodes]
            if classes and len(sub) == 1:
                branches.append(f"?this {RDF_TYPE} {class_values}")
            elif classes:
                branches.append(f"VALUES {h}t {{ {class_values} }} ?this {RDF_TYPE} {h}t")
                if self.data_subclass:
                    branches.append(f"?this {RDF_TYPE}/{SUBCLASS}* {h}u . "
                                    f"VALUES {h}u {{ {class_values} }}")
            branches += [f"?this {p.n3()} {h}o" for p in shape.target_subjects_of]
            branches += [f"{h}s {p.n3()} ?this" for p in shape.target_objects_of]
            return " UNION ".join(f"{{ {b} }}" for b in branches)

        return build

    def values_focus(self, focus: Focus, shape: Shape) -> Focus:
        """The value nodes of ``shape`` for the focus nodes of ``focus``."""
        if shape.sparql_path is None:
            return focus
        key = (focus.key, shape.sparql_path)
        cached = self._foci.get(key)
        if cached is not None:
            return cached
        path = shape.sparql_path

        def build(v: str) -> str:
            inner = v + "_f"
            return f"{{ {focus.pattern(inner)} GRAPH ?g {{ {inner} {path} {v} }} }}"

        made = self._foci[key] = Focus(build, build("?this"))
        return made

    # --- value nodes -------------------------------------------------------------------
    @staticmethod
    def value_nodes(shape: Shape, this: str, value: str) -> str:
        if shape.sparql_path is None:
            return f"BIND({this} AS {value})"
        return f"GRAPH ?g {{ {this} {shape.sparql_path} {value} }}"

    @staticmethod
    def has_value_node(shape: Shape, this: str, value: str) -> str:
        if shape.sparql_path is None:
            return f"sameTerm({this}, {value})"
        return f"EXISTS {{ GRAPH ?g {{ {this} {shape.sparql_path} {value} }} }}"

    # --- one constraint ----------------------------------------------------------------
    def query(self, shape: Shape, c: Constraint, focus: Focus) -> str:
        key = (id(shape), id(c), focus.key)
        text = self.cache.get(key)
        if text is None:
            text = self.cache[key] = self._query(shape, c, focus)
        return text

    def _value_filter(self, shape: Shape, focus: Focus, cond: str) -> str:
        return (f"SELECT DISTINCT ?g ?this ?value WHERE {{ {focus.pattern('?this')} "
                f"{self.value_nodes(shape, '?this', '?value')} FILTER({cond}) }}")

    def _query(self, shape: Shape, c: Constraint, focus: Focus) -> str:
        p, v = c.param, c.value
        F = focus.pattern("?this")
        if p == SH["class"]:
            return (f"SELECT DISTINCT ?g ?this ?value WHERE {{ {F} "
                    f"{self.value_nodes(shape, '?this', '?value')} "
                    f"FILTER NOT EXISTS {{ {self.instance_of('?value', [v])} }} }}")
        if p == SH.datatype:
            return self._value_filter(shape, focus, f"!({self.datatype_ok('?value', v)})")
        if p == SH.nodeKind:
            return self._value_filter(shape, focus, f"!({_NODE_KINDS[v]})")
        if p in _COMPARE:
            op = _COMPARE[p]
            return self._value_filter(
                shape, focus, f"!COALESCE(?value {op} {sparql_term(v)}, false)")
        if p in (SH.minLength, SH.maxLength):
            op = ">=" if p == SH.minLength else "<="
            return self._value_filter(
                shape, focus,
                f"isBlank(?value) || !COALESCE(STRLEN(STR(?value)) {op} {int(v)}, false)")
        if p == SH.pattern:
            pat, flags = v
            return self._value_filter(
                shape, focus,
                f"isBlank(?value) || !COALESCE(REGEX(STR(?value), {Literal(pat).n3()}, "
                f"{Literal(flags).n3()}), false)")
        if p == SH.languageIn:
            tests = " || ".join(f"langMatches(lang(?value), {Literal(str(t)).n3()})" for t in v)
            return self._value_filter(shape, focus, f"!isLiteral(?value) || !({tests or 'false'})")
        if p == SH["in"]:
            tests = " || ".join(f"sameTerm(?value, {sparql_term(t)})" for t in v)
            return self._value_filter(shape, focus, f"!({tests or 'false'})")
        if p == SH.hasValue:
            if shape.sparql_path is None:  # reported without a value, like pySHACL and the suite
                return (f"SELECT DISTINCT ?g ?this WHERE {{ {F} "
                        f"FILTER(!sameTerm(?this, {sparql_term(v)})) }}")
            # The nodes that HAVE the value: few, where the violators are nearly every
            # focus node (twenty attestation policies each asking for their own practice).
            # ``rows`` subtracts them from the focus nodes.
            return (f"SELECT DISTINCT ?g ?this WHERE {{ {F} "
                    f"GRAPH ?g {{ ?this {shape.sparql_path} ?hv }} "
                    f"FILTER(sameTerm(?hv, {sparql_term(v)})) }}")
        if p in (SH.minCount, SH.maxCount):
            op = "<" if p == SH.minCount else ">"
            return (f"SELECT ?g ?this WHERE {{ {F} OPTIONAL {{ "
                    f"GRAPH ?g {{ ?this {shape.sparql_path} ?value }} }} }} "
                    f"GROUP BY ?g ?this HAVING (COUNT(DISTINCT ?value) {op} {int(v)})")
        if p == SH.uniqueLang:
            return (f"SELECT DISTINCT ?g ?this (LCASE(lang(?a)) AS ?lang) WHERE {{ {F} "
                    f"GRAPH ?g {{ ?this {shape.sparql_path} ?a . ?this {shape.sparql_path} ?b }} "
                    f"FILTER(!sameTerm(?a, ?b) && lang(?a) != \"\" && "
                    f"LCASE(lang(?a)) = LCASE(lang(?b))) }}")
        if p == SH.equals:
            vn = self.value_nodes(shape, "?this", "?value")
            other = f"GRAPH ?g {{ ?this {v.n3()} ?value }}"
            # F sits inside each branch: a BIND in a branch only sees that branch's bindings.
            return (f"SELECT DISTINCT ?g ?this ?value WHERE {{ {{ {F} {vn} FILTER NOT EXISTS "
                    f"{{ {other} }} }} UNION {{ {F} {other} FILTER(!("
                    f"{self.has_value_node(shape, '?this', '?value')})) }} }}")
        if p == SH.disjoint:
            return (f"SELECT DISTINCT ?g ?this ?value WHERE {{ {F} "
                    f"{self.value_nodes(shape, '?this', '?value')} "
                    f"GRAPH ?g {{ ?this {v.n3()} ?value }} }}")
        if p in (SH.lessThan, SH.lessThanOrEquals):
            op = "<" if p == SH.lessThan else "<="
            return (f"SELECT DISTINCT ?g ?this ?value WHERE {{ {F} "
                    f"{self.value_nodes(shape, '?this', '?value')} "
                    f"GRAPH ?g {{ ?this {v.n3()} ?o }} FILTER(!COALESCE(?value {op} ?o, false)) }}")
        if p == SH.closed:
            allowed = sorted(a.n3() for a in self.model.closed_allowed(shape))
            not_in = f"FILTER(?path NOT IN ({', '.join(allowed)}))" if allowed else ""
            return (f"SELECT DISTINCT ?g ?this ?value ?path WHERE {{ {F} "
                    f"{self.value_nodes(shape, '?this', '?vn')} "
                    f"GRAPH ?g {{ ?vn ?path ?value }} {not_in} }}")
        if p in _SHAPE_PARAMS:  # candidates only; the verdict comes from the nested shape
            return (f"SELECT DISTINCT ?g ?this ?value WHERE {{ {F} "
                    f"{self.value_nodes(shape, '?this', '?value')} }}")
        raise Unsupported(f"no translation for {p}")

    @staticmethod
    def datatype_ok(var: str, dt: Node) -> str:
        if dt == RDF.langString:
            return f"isLiteral({var}) && lang({var}) != \"\""
        if not isinstance(dt, URIRef):
            return "false"
        test = f"isLiteral({var}) && sameTerm(datatype({var}), {dt.n3()})"
        if dt in CASTABLE:
            test += f" && COALESCE(isLiteral({dt.n3()}({var})), false)"
        return test

    def batch_query(self, sc: SparqlConstraint, focus: Focus) -> str:
        """``sc.for_batch`` for a focus that comes straight from targets, built once."""
        key = ("batch", id(sc), focus.key)
        text = self.cache.get(key)
        if text is None:
            assert focus.in_graph is not None
            text = self.cache[key] = sc.for_batch(focus.in_graph)
        return text

    def focus_query(self, focus: Focus) -> str:
        return f"SELECT DISTINCT ?g ?this WHERE {{ {focus.pattern('?this')} }}"

    def plan(self, shapes: Sequence[Shape]) -> list[tuple[Shape, Any, Focus]]:
        """What validating ``shapes`` evaluates, in order and worked out once: each
        (shape, constraint or SHACL-SPARQL constraint, focus) of every active shape and of
        its property shapes over their value nodes (a deactivated shape, with its property
        shapes, reports nothing)."""
        got = self._plans.get(id(shapes))
        if got is not None and got[0] is shapes:
            return got[1]
        steps: list[tuple[Shape, Any, Focus]] = []

        def walk(shape: Shape, focus: Focus) -> None:
            if shape.deactivated:
                return
            steps.extend((shape, c, focus) for c in shape.constraints)
            child = self.values_focus(focus, shape)
            for prop in shape.properties:
                walk(prop, child)
            steps.extend((shape, sc, focus) for sc in shape.sparql)

        for shape in shapes:
            walk(shape, self.target_focus(shape))
        self._plans[id(shapes)] = (shapes, steps)  # the list is kept: its id stays its own
        return steps

    def pairs_query(self, focus: Focus, shape: Shape) -> str:
        return (f"SELECT DISTINCT ?g ?this ?value WHERE {{ {focus.pattern('?this')} "
                f"{self.value_nodes(shape, '?this', '?value')} }}")


_NODE_KINDS = {
    SH.IRI: "isIRI(?value)",
    SH.BlankNode: "isBlank(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "isBlank(?value) || isIRI(?value)",
    SH.BlankNodeOrLiteral: "isBlank(?value) || isLiteral(?value)",
    SH.IRIOrLiteral: "isIRI(?value) || isLiteral(?value)",
}
_COMPARE = {SH.minInclusive: ">=", SH.maxInclusive: "<=", SH.minExclusive: ">",
            SH.maxExclusive: "<"}
_SHAPE_PARAMS = {SH["not"], SH["and"], SH["or"], SH.xone, SH.node, SH.qualifiedValueShape}
#: the same as Constraint.kind values (the evaluator dispatches on those)
_SHAPE_KINDS = frozenset(str(p).rsplit("#", 1)[-1] for p in _SHAPE_PARAMS)
_QMIN, _QMAX = SH.QualifiedMinCountConstraintComponent, SH.QualifiedMaxCountConstraintComponent
_SPARQL_COMPONENT = SH.SPARQLConstraintComponent


@dataclass(slots=True)
class Finding:
    """A result before it is mapped back to the caller's terms (Oxigraph terms here)."""

    graph: Any
    focus: Any
    value: Any
    path_term: Any  # Oxigraph term of a dynamic path (sh:closed, SPARQL ?path) or None
    shape: Shape
    component: URIRef
    messages: tuple[str, ...]
    constraint: Node | None = None
    bindings: dict[str, Any] | None = None


class Evaluator:
    """Runs a compiled shapes model over one Oxigraph store holding a batch of graphs.

    The store may be anything with Oxigraph's ``query(text, default_graph=…,
    substitutions=…)``; the class attributes below say what its terms look like (the
    in-process engine of ``engine.shacl.fast.small`` answers in rdflib terms)."""

    BLANK: type = ox.BlankNode
    NAMED: type = ox.NamedNode
    RESULTS: type = ox.QuerySolutions

    @staticmethod
    def term_text(term: Any) -> str:
        """A data term written into query text (N-Triples syntax)."""
        return str(term)

    @staticmethod
    def variable(name: str) -> Any:
        return ox.Variable(name)

    def __init__(self, compiler: Compiler, store: Any) -> None:
        self.c = compiler
        self.store = store
        self._violators: dict[tuple[int, str], set[Pair]] = {}
        self._answers: dict[str, list[dict[str, Any]]] = {}
        self._pairs: dict[str, set[Pair]] = {}
        self._cands: dict[str, list[tuple[Any, Any, Any]]] = {}
        #: graphs the compiled queries could not answer exactly; validated by the reference
        self.needs_reference: set[Any] = set()

    def solutions(self, query: str, **kwargs: Any) -> Any:
        from engine.sparqlguard import run_oxigraph

        sols = run_oxigraph(self.store, query, **kwargs)
        if not isinstance(sols, self.RESULTS):
            raise PolicyError("a SHACL-SPARQL constraint must be a SELECT query")
        return sols

    def select(self, query: str) -> list[dict[str, Any]]:
        """Run a query once per batch: shapes of a pack repeat the same checks (every
        attestation policy asks for the workload's attestations), so identical texts share
        one answer."""
        rows = self._answers.get(query)
        if rows is None:
            sols = self.solutions(query)
            names = [v.value for v in sols.variables]
            rows = self._answers[query] = [dict(zip(names, sol, strict=True)) for sol in sols]
        return rows

    # --- rows of one constraint --------------------------------------------------------
    def rows(self, shape: Shape, c: Constraint, focus: Focus) -> list[Row]:
        q = self.c.query(shape, c, focus)
        kind = c.kind
        if kind in _SHAPE_KINDS:
            cands = self._cands.get(q)
            if cands is None:  # twenty attestation policies share one candidate query
                cands = self._cands[q] = [(s["g"], s["this"], s["value"])
                                          for s in self.select(q)]
            return self._shape_rows(shape, c, focus, cands)
        if kind == "hasValue" and shape.sparql_path is not None:
            return [(g, this, None, None) for g, this in self.lacking_value(shape, c, focus)]
        return self.plain_rows(q)

    def plain_rows(self, query: str) -> list[Row]:
        """The rows of a constraint query that projects ``?g ?this`` and, for some
        constraints, ``?value`` and ``?path`` (callers do not change the list)."""
        return [(s["g"], s["this"], s.get("value"), s.get("path")) for s in self.select(query)]

    def focus_pairs(self, focus: Focus) -> set[Pair]:
        key = "pairs " + focus.key
        pairs = self._pairs.get(key)
        if pairs is None:
            pairs = self._pairs[key] = {(s["g"], s["this"])
                                        for s in self.select(self.c.focus_query(focus))}
        return pairs

    def lacking_value(self, shape: Shape, c: Constraint, focus: Focus) -> set[Pair]:
        """The focus nodes without the ``sh:hasValue`` value among ``shape``'s value nodes:
        the focus nodes less those the constraint's query finds having it, as a set
        difference (C speed): nested hasValue checks leave nearly every focus node lacking."""
        having = self.select(self.c.query(shape, c, focus))
        return self.focus_pairs(focus) - {(s["g"], s["this"]) for s in having}

    def violating_pairs(self, shape: Shape, c: Constraint, focus: Focus) -> set[Pair]:
        if c.kind == "hasValue" and shape.sparql_path is not None:
            return self.lacking_value(shape, c, focus)
        return {(r[0], r[1]) for r in self.rows(shape, c, focus)}

    def _shape_rows(self, shape: Shape, c: Constraint, focus: Focus,
                    cands: list[tuple[Any, Any, Any]]) -> list[Row]:
        vfocus = self.c.values_focus(focus, shape)
        kind, v = c.kind, c.value
        if kind == "qualifiedValueShape":
            return self._qualified(shape, c, focus, vfocus, cands)
        if not cands:  # no value nodes: nothing to check them against
            return []
        members = v if isinstance(v, list) else [v]
        bad = [self.violators(m, vfocus) for m in members]

        def fails(g: Any, node: Any) -> bool:
            k = (g, node)
            if kind == "node" or kind == "and":
                return any(k in b for b in bad)
            if kind == "not":
                return k not in bad[0]
            if kind == "or":
                return all(k in b for b in bad)
            return sum(k not in b for b in bad) != 1  # xone

        return [(g, this, val, None) for g, this, val in cands if fails(g, val)]

    def _qualified(self, shape: Shape, c: Constraint, focus: Focus, vfocus: Focus,
                   cands: list[tuple[Any, Any, Any]]) -> list[Row]:
        spec = c.value
        # without value nodes (cands: every one of them) the nested shapes check nothing
        bad_q = self.violators(spec["shape"], vfocus) if cands else set()
        bad_sibs = [self.violators(s, vfocus) for s in spec["siblings"]] if cands else []
        counts: Counter[Pair] = Counter()
        for g, this, val in cands:
            k = (g, val)
            if k in bad_q:
                continue
            if any(k not in b for b in bad_sibs):
                continue  # conforms to a sibling shape: not counted when disjoint
            counts[(g, this)] += 1
        out: list[Row] = []
        for g, this in self.focus_pairs(focus):
            n = counts.get((g, this), 0)
            if spec["min"] is not None and n < spec["min"]:
                out.append((g, this, None, _QMIN))
            if spec["max"] is not None and n > spec["max"]:
                out.append((g, this, None, _QMAX))
        return out

    # --- nested conformance ------------------------------------------------------------
    def violators(self, shape: Shape, focus: Focus) -> set[Pair]:
        """(graph, node) pairs among ``focus`` that do not conform to ``shape``."""
        key = (id(shape), focus.key)
        if key in self._violators:
            return self._violators[key]
        bad: set[Pair] = set()
        if not shape.deactivated:
            for c in shape.constraints:
                bad |= self.violating_pairs(shape, c, focus)
            for prop in shape.properties:
                if shape.sparql_path is None:
                    bad |= self.violators(prop, focus)
                else:
                    inner = self.violators(prop, self.c.values_focus(focus, shape))
                    for s in self.select(self.c.pairs_query(focus, shape)):
                        if (s["g"], s["value"]) in inner:
                            bad.add((s["g"], s["this"]))
            for sc in shape.sparql:
                bad.update((f.graph, f.focus) for f in self.sparql_findings(shape, sc, focus))
        self._violators[key] = bad
        return bad

    # --- SHACL-SPARQL --------------------------------------------------------------------
    def sparql_findings(self, shape: Shape, sc: SparqlConstraint, focus: Focus) -> list[Finding]:
        if sc.deactivated:
            return []
        out: list[Finding] = []
        if sc.batchable and focus.in_graph is not None:
            for sol in self.select(self.c.batch_query(sc, focus)):
                bindings = {n: t for n, t in sol.items() if t is not None and n != "g"}
                self._sparql_finding(shape, sc, sol["g"], bindings, out)
            return out
        this_var = self.variable("this")
        for s in self.select(self.c.focus_query(focus)):
            g, this = s["g"], s["this"]
            if isinstance(this, self.BLANK):
                if sc.needs_text:
                    self.needs_reference.add(g)
                    continue
                sols = self.solutions(sc.query, default_graph=g,
                                      substitutions={this_var: this})
            else:
                sols = self.solutions(sc.for_focus(self.term_text(this)), default_graph=g)
            names = [v.value for v in sols.variables]
            for sol in sols:
                bindings = {n: t for n, t in zip(names, sol, strict=True) if t is not None}
                bindings["this"] = this
                self._sparql_finding(shape, sc, g, bindings, out)
        return out

    def _sparql_finding(self, shape: Shape, sc: SparqlConstraint, g: Any,
                        bindings: dict[str, Any], out: list[Finding]) -> None:
        this = bindings["this"]
        value = bindings.get("value")
        if value is None and shape.sparql_path is None:
            value = this
        path = bindings.get("path")
        out.append(Finding(g, this, value, path if isinstance(path, self.NAMED) else None,
                           shape, _SPARQL_COMPONENT, sc.messages, sc.node, bindings))

    # --- top level -----------------------------------------------------------------------
    def run(self, shapes: Sequence[Shape]) -> list[Finding]:
        return self.run_steps(self.c.plan(shapes))

    def run_steps(self, steps: Iterable[tuple[Shape, Any, Focus]]) -> list[Finding]:
        """The findings of ``steps`` (see Compiler.plan)."""
        out: list[Finding] = []
        rows_of, sparql_findings = self.rows, self.sparql_findings
        for shape, item, focus in steps:
            if type(item) is not Constraint:
                out.extend(sparql_findings(shape, item, focus))
                continue
            rows = rows_of(shape, item, focus)
            if not rows:
                continue
            kind, component, messages = item.kind, item.component, shape.messages
            if kind == "qualifiedValueShape":  # the row says which of min and max failed
                out.extend(Finding(g, this, value, None, shape, extra, messages)
                           for g, this, value, extra in rows)
            elif kind == "closed":  # the row names the predicate that is not allowed
                out.extend(Finding(g, this, value, extra, shape, component, messages)
                           for g, this, value, extra in rows)
            else:
                out.extend(Finding(g, this, value, None, shape, component, messages)
                           for g, this, value, _ in rows)
        return out


def closure(pairs: Iterable[tuple[Node, Node]]) -> dict[URIRef, set[URIRef]]:
    """Class → itself and all its (transitive) subclasses."""
    children: dict[Node, set[Node]] = defaultdict(set)
    for sub, sup in pairs:
        children[sup].add(sub)
    out: dict[URIRef, set[URIRef]] = {}
    for cls in list(children):
        if not isinstance(cls, URIRef):
            continue
        seen: set[URIRef] = {cls}
        stack = [cls]
        while stack:
            for ch in children.get(stack.pop(), ()):
                if isinstance(ch, URIRef) and ch not in seen:
                    seen.add(ch)
                    stack.append(ch)
        out[cls] = seen
    return out


def message_texts(f: Finding) -> tuple[str, ...]:
    if not f.messages:
        return (f"{f.component.split('#')[-1]} violated",)
    if f.bindings is None or not any("{" in m for m in f.messages):
        return f.messages
    from engine.shacl.fast.terms import from_ox_shared

    b = {k: t if isinstance(t, Node) else from_ox_shared(t) for k, t in f.bindings.items()}
    with contextlib.suppress(Exception):
        return tuple(render_message(m, b) for m in f.messages)
    return f.messages


__all__ = ["Compiler", "Evaluator", "Finding", "closure", "message_texts"]
