"""Lint a custom policy's shapes graph before it is stored or run, like a compiler would.

``lint_shapes(graph, source="acme/ACME-001.ttl")`` returns :class:`LintIssue` objects:

errors (the policy is refused)
  PL001 ``owl:imports`` (would fetch other graphs)
  PL002 SHACL-JS (``sh:js*``, ``sh:JSConstraint`` and friends, ``dash:js*``)
  PL003 SHACL-SPARQL the SPARQL guard refuses (SERVICE, FROM, GRAPH, updates, extension
        functions, a query that does not parse)
  PL004 ``sh:update`` (SPARQL Update inside a shapes graph)
  PL010 an ``sh:pattern`` longer than 1,000 characters
  PL011 an ``sh:pattern`` (or ``sh:flags``) that does not compile as a Python regular
        expression (pySHACL) or as a SPARQL ``REGEX`` (Oxigraph, the fast engine)
  PL012 an ``sh:pattern`` with a backreference or a lookaround
  PL013 an ``sh:pattern`` that can backtrack catastrophically: a repeated group whose inner
        unbounded repetition can also match what follows it (``(a+)+``, ``(a*)*``,
        ``(.*a){20}``, ``([a-z]+\\s?)+``) or whose alternatives overlap (``(a|aa)+``)

warnings
  PL020 a SPARQL constraint with triple patterns that share no variable with ``$this``
        (every focus node joins against the whole graph: a cross join)

The regular-expression analysis is our own, over the tree from ``re._parser``; see
:func:`regex_problems`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from rdflib import BNode, Graph, URIRef
from rdflib import Literal as RDFLiteral
from rdflib.namespace import OWL, SH
from rdflib.term import Node, Variable

from engine.errors import Location, PolicyError, Problem, QueryRefused
from engine.sparqlguard import vet_query

Level = Literal["error", "warning"]

DASH = "http://datashapes.org/dash#"
MAX_PATTERN_CHARS = 1_000
XPATH_FLAGS = frozenset("smixq")
# Variables SHACL pre-binds in SPARQL constraints and validators.
PREBOUND = frozenset({"this", "value", "currentShape", "shapesGraph", "PATH"})


@dataclass(frozen=True)
class LintIssue:
    level: Level
    code: str
    message: str
    location: Location
    shape: str | None = None

    def __str__(self) -> str:
        where = f" ({self.shape})" if self.shape else ""
        return f"{self.location}: {self.level} {self.code}{where}: {self.message}"


# ----------------------------------------------------------------------------- helpers

def _label(graph: Graph, node: Node) -> str:
    if isinstance(node, BNode):
        return "[blank node]"
    try:
        return node.n3(graph.namespace_manager)
    except Exception:
        return str(node)


def _owner(graph: Graph, node: Node) -> Node:
    """The named shape a (usually blank) SPARQL or JS node hangs from."""
    seen: set[Node] = set()
    current = node
    while isinstance(current, BNode) and current not in seen:
        seen.add(current)
        parents = sorted(graph.subjects(None, current), key=str)
        if not parents:
            break
        current = parents[0]
    return current


def _prefixes(graph: Graph, node: Node) -> dict[str, str]:
    """Prefix declarations reachable through ``sh:prefixes`` (SHACL 5.2.1)."""
    found: dict[str, str] = {}
    for holder in graph.objects(node, SH.prefixes):
        for decl in graph.objects(holder, SH.declare):
            prefix = graph.value(decl, SH.prefix)
            namespace = graph.value(decl, SH.namespace)
            if prefix is not None and namespace is not None:
                found[str(prefix)] = str(namespace)
    return found


# ----------------------------------------------------------------------------- the lint

def lint_shapes(graph: Graph, *, source: str) -> list[LintIssue]:
    """Every problem in ``graph`` (a policy's shapes graph), errors first."""
    issues: list[LintIssue] = []

    def add(level: Level, code: str, message: str, node: Node | None) -> None:
        shape = _label(graph, _owner(graph, node)) if node is not None else None
        issues.append(LintIssue(level, code, message, Location(file=source, pointer=shape),
                                shape))

    for subject, target in graph.subject_objects(OWL.imports):
        add("error", "PL001", f"owl:imports {_label(graph, target)} is refused: a policy must "
            "be self-contained", subject)

    reported_js: set[Node] = set()
    for s, p, o in graph:
        for term, role in ((p, "property"), (o, "value")):
            if isinstance(term, URIRef) and _is_js(term) and s not in reported_js:
                reported_js.add(s)
                add("error", "PL002", f"SHACL-JS ({_label(graph, term)} as a {role}) is refused: "
                    "policies may not run JavaScript", s)

    for node, query_text, kind in _sparql_nodes(graph):
        _lint_sparql(graph, node, query_text, kind, source, add)

    for node, pattern in graph.subject_objects(SH.pattern):
        flags = graph.value(node, SH.flags)
        for code, message in pattern_problems(str(pattern), str(flags) if flags else ""):
            add("error", code, message, node)

    issues.sort(key=lambda i: (i.level != "error", i.code, i.shape or "", i.message))
    return issues


def _is_js(term: URIRef) -> bool:
    text = str(term)
    for namespace in (str(SH), DASH):
        if text.startswith(namespace):
            local = text[len(namespace):]
            if local.startswith(("js", "JS")):
                return True
    return False


def _sparql_nodes(graph: Graph) -> Iterator[tuple[Node, str, str]]:
    for predicate, kind in ((SH.select, "select"), (SH.ask, "ask"),
                            (SH.construct, "construct"), (SH.update, "update")):
        for node, text in graph.subject_objects(predicate):
            yield node, str(text), kind


def _lint_sparql(graph: Graph, node: Node, text: str, kind: str, source: str,
                 add: Any) -> None:
    where = f"{source} {_label(graph, _owner(graph, node))} sh:{kind}"
    if kind == "update":
        add("error", "PL004", "sh:update (SPARQL Update in a shapes graph) is refused", node)
        return
    try:
        parsed = vet_query(text, allow_select=kind == "select", allow_ask=kind == "ask",
                           allow_construct=kind == "construct", context=where,
                           prefixes=_prefixes(graph, node))
    except QueryRefused as exc:
        add("error", "PL003", exc.message + _at(exc.location), node)
        return
    is_constraint = kind in ("select", "ask") and (
        any(graph.subjects(SH.sparql, node)) or any(graph.subjects(SH.validator, node))
        or any(graph.subjects(SH.nodeValidator, node))
        or any(graph.subjects(SH.propertyValidator, node)))
    if is_constraint:
        parameters = _parameter_names(graph, node)
        loose = detached_patterns(parsed.triple_patterns, PREBOUND | parameters)
        if loose:
            shown = " . ".join(_triple_text(t) for t in loose[:3])
            add("warning", "PL020", f"triple patterns share no variable with $this ({shown}); "
                "they join every focus node with the whole graph (a cross join): connect them "
                "to $this", node)


def _at(location: Location) -> str:
    if location.line is None:
        return ""
    return f" (query line {location.line}" + (
        f", column {location.column})" if location.column else ")")


def _parameter_names(graph: Graph, node: Node) -> frozenset[str]:
    """Local names of sh:parameter paths of the constraint component owning ``node``."""
    names: set[str] = set()
    for component in graph.subjects(None, node):
        for parameter in graph.objects(component, SH.parameter):
            path = graph.value(parameter, SH.path)
            if isinstance(path, URIRef):
                names.add(re.split(r"[#/:]", str(path))[-1])
    return frozenset(names)


def _triple_text(triple: tuple[Node, Node, Node]) -> str:
    return " ".join(f"?{t}" if isinstance(t, Variable) else
                    (t.n3() if hasattr(t, "n3") else str(t)) for t in triple)


def detached_patterns(triples: Iterable[tuple[Node, Node, Node]],
                      anchors: frozenset[str]) -> list[tuple[Node, Node, Node]]:
    """Triple patterns with variables in no connected group that reaches an anchor variable.

    Groups are connected through shared variables (subject, variable predicate, object).
    Fully ground triples are ignored: they match at most once and multiply nothing.
    """
    triples = list(triples)
    parent: dict[str, str] = {}

    def find(v: str) -> str:
        while parent.setdefault(v, v) != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    variables_of: list[list[str]] = []
    for triple in triples:
        names = [str(t) for t in triple if isinstance(t, Variable)]
        variables_of.append(names)
        if names:
            find(names[0])  # register a lone variable (e.g. only $this) as its own group
        for other in names[1:]:
            union(names[0], other)
    anchored = {find(a) for a in anchors if a in parent}
    return [t for t, names in zip(triples, variables_of, strict=True)
            if names and find(names[0]) not in anchored]


# ----------------------------------------------------------------------------- patterns

def pattern_problems(pattern: str, flags: str = "") -> list[tuple[str, str]]:
    """(code, message) for everything wrong with one ``sh:pattern`` (and ``sh:flags``)."""
    shown = pattern if len(pattern) <= 60 else pattern[:57] + "..."
    if len(pattern) > MAX_PATTERN_CHARS:
        return [("PL010", f"sh:pattern is {len(pattern):,} characters long; the limit is "
                 f"{MAX_PATTERN_CHARS:,}")]
    problems: list[tuple[str, str]] = []
    bad_flags = sorted(set(flags) - XPATH_FLAGS)
    if bad_flags:
        problems.append(("PL011", f"sh:flags {flags!r} has letters outside s, m, i, x, q"))
    py_flags = 0
    for letter, value in (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL),
                          ("x", re.VERBOSE)):
        if letter in flags:
            py_flags |= value
    try:
        compiled = re.compile(pattern, py_flags)
    except (re.error, OverflowError, RecursionError) as exc:
        problems.append(("PL011", f"sh:pattern {shown!r} does not compile as a regular "
                         f"expression: {exc}"))
        return problems
    if not _compiles_in_sparql(pattern, flags):
        problems.append(("PL011", f"sh:pattern {shown!r} does not compile as a SPARQL REGEX "
                         "(XPath syntax; checked with Oxigraph)"))
    problems.extend(("PL012" if kind == "syntax" else "PL013", f"sh:pattern {shown!r}: {text}")
                    for kind, text in regex_problems(pattern, compiled.flags))
    return problems


def _compiles_in_sparql(pattern: str, flags: str) -> bool:
    import pyoxigraph

    query = (f"SELECT (REGEX(\"\", {RDFLiteral(pattern).n3()}, {RDFLiteral(flags).n3()}) "
             "AS ?r) {}")
    try:
        rows = list(pyoxigraph.Store().query(query))  # type: ignore[arg-type]
    except (SyntaxError, ValueError, OSError):
        return False
    return bool(rows) and rows[0][0] is not None


# A small regex-structure analyser over sre's parse tree. Character sets are lists of
# inclusive code-point ranges, enough to ask "can these two overlap?".

_MAXCP = 0x10FFFF
Ranges = tuple[tuple[int, int], ...]
_ALL: Ranges = ((0, _MAXCP),)
_NONE: Ranges = ()


def _norm(ranges: Iterable[tuple[int, int]]) -> Ranges:
    merged: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(hi, merged[-1][1]))
        else:
            merged.append((lo, hi))
    return tuple(merged)


def _negate(ranges: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    start = 0
    for lo, hi in _norm(ranges):
        if lo > start:
            out.append((start, lo - 1))
        start = hi + 1
    if start <= _MAXCP:
        out.append((start, _MAXCP))
    return tuple(out)


def _overlap(a: Ranges, b: Ranges) -> bool:
    return any(alo <= bhi and blo <= ahi for alo, ahi in a for blo, bhi in b)


_DIGIT: Ranges = ((48, 57), (0x660, 0x669), (0x6F0, 0x6F9), (0x966, 0x96F), (0xFF10, 0xFF19))
_SPACE: Ranges = ((9, 13), (28, 32), (0x85, 0x85), (0xA0, 0xA0), (0x1680, 0x1680),
                  (0x2000, 0x200A), (0x2028, 0x2029), (0x202F, 0x202F), (0x205F, 0x205F),
                  (0x3000, 0x3000))
_WORD: Ranges = ((48, 57), (65, 90), (95, 95), (97, 122), (0xAA, _MAXCP))


def _category(name: str) -> Ranges:
    table = {"DIGIT": _DIGIT, "SPACE": _SPACE, "WORD": _WORD, "LINEBREAK": ((10, 10),)}
    for key, ranges in table.items():
        if name.endswith("NOT_" + key):
            return _negate(ranges)
        if name.endswith(key):
            return ranges
    return _ALL


def _case_fold(ranges: Ranges, ignore_case: bool) -> Ranges:
    if not ignore_case:
        return ranges
    extra: list[tuple[int, int]] = list(ranges)
    for lo, hi in ranges:
        for a, b, delta in ((65, 90, 32), (97, 122, -32)):
            x, y = max(lo, a), min(hi, b)
            if x <= y:
                extra.append((x + delta, y + delta))
    return _norm(extra)


def sre_maxrepeat() -> int:
    import re._constants as sre_constants  # the stdlib's own; private but stable in 3.11+

    return int(sre_constants.MAXREPEAT)


class _Analyser:
    def __init__(self, flags: int) -> None:
        self.ignore_case = bool(flags & re.IGNORECASE)
        self.problems: list[tuple[str, str]] = []
        self._seen: set[str] = set()

    def report(self, kind: str, text: str) -> None:
        if text not in self._seen:
            self._seen.add(text)
            self.problems.append((kind, text))

    # first(), nullable() and chars() of sequences and items ----------------------
    def item_first(self, op: Any, av: Any) -> tuple[Ranges, bool]:
        name = str(op)
        if name == "LITERAL":
            return _case_fold(((av, av),), self.ignore_case), False
        if name == "NOT_LITERAL":
            return _negate(_case_fold(((av, av),), self.ignore_case)), False
        if name == "ANY":
            return _ALL, False
        if name == "IN":
            return self.in_set(av), False
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            return _NONE, True
        if name == "SUBPATTERN":
            return self.seq_first(av[-1])
        if name == "ATOMIC_GROUP":
            return self.seq_first(av)
        if name == "BRANCH":
            firsts = [self.seq_first(alt) for alt in av[1]]
            return _norm(r for f, _ in firsts for r in f), any(n for _, n in firsts)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            lo, _hi, body = av
            first, nullable = self.seq_first(body)
            return first, nullable or lo == 0
        if name in ("GROUPREF", "GROUPREF_EXISTS"):
            return _ALL, True
        if name == "CATEGORY":
            return _category(str(av)), False
        return _ALL, True

    def seq_first(self, seq: Any) -> tuple[Ranges, bool]:
        first: list[tuple[int, int]] = []
        for op, av in seq:
            f, nullable = self.item_first(op, av)
            first.extend(f)
            if not nullable:
                return _norm(first), False
        return _norm(first), True

    def in_set(self, items: Any) -> Ranges:
        negate = False
        ranges: list[tuple[int, int]] = []
        for op, av in items:
            name = str(op)
            if name == "NEGATE":
                negate = True
            elif name == "LITERAL":
                ranges.append((av, av))
            elif name == "RANGE":
                ranges.append((av[0], av[1]))
            elif name == "CATEGORY":
                ranges.extend(_category(str(av)))
            else:
                ranges.append((0, _MAXCP))
        folded = _case_fold(_norm(ranges), self.ignore_case)
        return _negate(folded) if negate else folded

    def chars(self, seq: Any) -> Ranges:
        """Every character ``seq`` can consume anywhere (an over-approximation)."""
        out: list[tuple[int, int]] = []
        for op, av in seq:
            name = str(op)
            if name in ("LITERAL", "NOT_LITERAL", "ANY", "IN", "CATEGORY"):
                out.extend(self.item_first(op, av)[0])
            elif name == "SUBPATTERN":
                out.extend(self.chars(av[-1]))
            elif name == "ATOMIC_GROUP":
                out.extend(self.chars(av))
            elif name == "BRANCH":
                for alt in av[1]:
                    out.extend(self.chars(alt))
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                out.extend(self.chars(av[2]))
            elif name in ("GROUPREF", "GROUPREF_EXISTS"):
                out.append((0, _MAXCP))
        return _norm(out)

    # the walk ------------------------------------------------------------------
    def check_adjacent(self, seq: Any) -> None:
        """Unbounded repetitions in one sequence, with only empty-matching items between
        them, whose characters overlap (``a*a*b``, ``\\w+\\w+@``): the engine tries every
        way to share a run between them, polynomial in its length with one more power per
        repetition, which a failing match pays in full."""
        items = list(seq)
        for i, (op, av) in enumerate(items):
            if str(op) not in ("MAX_REPEAT", "MIN_REPEAT") or av[1] != sre_maxrepeat():
                continue
            mine = self.chars(av[2])
            for op2, av2 in items[i + 1:]:
                name2 = str(op2)
                if name2 in ("MAX_REPEAT", "MIN_REPEAT") and av2[1] == sre_maxrepeat():
                    if _overlap(mine, self.seq_first(av2[2])[0]):
                        self.report("redos", "adjacent unbounded repetitions that can match "
                                    "the same characters make matching polynomially slow "
                                    "(e.g. a*a*b); merge them into one")
                    break
                if not self.item_first(op2, av2)[1]:  # it must consume: the run is cut
                    break

    def walk(self, seq: Any, inside_repeat: bool = False) -> None:
        self.check_adjacent(seq)
        for op, av in seq:
            name = str(op)
            if name in ("GROUPREF", "GROUPREF_EXISTS"):
                self.report("syntax", "backreferences are refused (they make matching "
                            "exponential and SPARQL REGEX has none)")
            elif name in ("ASSERT", "ASSERT_NOT"):
                self.report("syntax", "lookahead and lookbehind are refused (not in SPARQL "
                            "REGEX syntax)")
                self.walk(av[1], inside_repeat)
            elif name == "SUBPATTERN":
                self.walk(av[-1], inside_repeat)
            elif name == "ATOMIC_GROUP":
                self.walk(av, inside_repeat)
            elif name == "BRANCH":
                for alt in av[1]:
                    self.walk(alt, inside_repeat)
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                _lo, hi, body = av
                # The outermost repetition's scan covers every repetition nested in it.
                if hi > 1 and not inside_repeat:
                    first, _ = self.seq_first(body)
                    self.check_repeated_body(body, wrap=first)
                self.walk(body, inside_repeat or hi > 1)

    def check_repeated_body(self, body: Any, wrap: Ranges) -> None:
        """Inside a repeated body: an unbounded repetition whose characters can also start
        what follows it (within the body, or the next round of the outer repetition) lets
        the engine split the same text in exponentially many ways; so do overlapping
        alternatives."""
        self._follow_scan(body, wrap)

    def _follow_scan(self, seq: Any, after: Ranges) -> None:
        """Scan ``seq`` right to left, knowing what may follow each item (``after`` is what
        may follow the whole sequence). An item that matches a variable amount of text
        (``x*``, ``x+``, ``x?``, ``x{1,3}``, an alternation with an empty or overlapping
        branch) and whose characters can also begin what follows it is ambiguous: the
        engine may split the same text between them in many ways."""
        follow = after
        for op, av in reversed(list(seq)):
            name = str(op)
            if name in ("MAX_REPEAT", "MIN_REPEAT"):
                lo, hi, body = av
                if hi > lo and _overlap(self.chars(body), follow):
                    self.report("redos", "inside a repeated group, a repetition can also match "
                                "what follows it (as in (a+)+, (.*a){20} or ([a-z]+\\s?)+): "
                                "matching can take exponential time; make the parts mutually "
                                "exclusive or drop the outer repetition")
                self._follow_scan(body, _norm(self.seq_first(body)[0] + follow))
            elif name == "SUBPATTERN":
                self._follow_scan(av[-1], follow)
            elif name == "ATOMIC_GROUP":
                pass  # no backtracking into an atomic group
            elif name == "BRANCH":
                alternatives = av[1]
                firsts = [self.seq_first(alt) for alt in alternatives]
                overlapping = any(_overlap(a, b) for i, (a, _) in enumerate(firsts)
                                  for b, _ in firsts[i + 1:])
                optional = any(nullable for _, nullable in firsts)
                if overlapping or (optional and _overlap(self.chars([(op, av)]), follow)):
                    self.report("redos", "inside a repeated group, alternatives can match the "
                                "same text (as in (a|aa)+): matching can take exponential "
                                "time; make the alternatives mutually exclusive")
                for alt in alternatives:
                    self._follow_scan(alt, follow)
            first, nullable = self.item_first(op, av)
            follow = _norm(first + follow) if nullable else first


def regex_problems(pattern: str, flags: int = 0) -> list[tuple[str, str]]:
    """("syntax" | "redos", message) for a pattern that already compiles.

    Refused: backreferences and lookaround (``syntax``), and structures that backtrack
    catastrophically (``redos``): a repetition (``+``, ``*``, ``{n,}``, ``{n}`` with n > 1)
    of a body that holds an unbounded repetition whose characters overlap what may follow
    it, including the start of the next round, or that holds alternatives with a common
    first character.
    """
    import re._parser as sre_parse  # the stdlib's own parser; private but stable in 3.11+

    tree = sre_parse.parse(pattern, flags)
    analyser = _Analyser(flags | tree.state.flags)
    analyser.walk(tree)
    return analyser.problems


# ----------------------------------------------------------------------------- store hook

def lint_text(data: bytes | str, *, source: str, fmt: str = "turtle") -> list[LintIssue]:
    """Parse a policy file's text and lint it; a parse failure is one error."""
    graph = Graph()
    try:
        graph.parse(data=data, format=fmt)
    except Exception as exc:  # rdflib raises many kinds; all mean "not a valid file"
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return [LintIssue("error", "PL000", f"cannot be parsed as {fmt}: {first}",
                          Location(file=source))]
    return lint_shapes(graph, source=source)


def raise_for_errors(issues: list[LintIssue], *, source: str) -> None:
    """Raise :class:`PolicyError` listing every error-level issue, if any."""
    errors = [i for i in issues if i.level == "error"]
    if errors:
        problems = [Problem(i.location, f"{i.code}: {i.message}") for i in errors]
        raise PolicyError(f"{source}: {len(errors)} lint error(s); the policy is refused",
                          problems[0].location, problems)


def shapes_validator(source: str, fmt: str = "turtle") -> Any:
    """A ``validator`` for :meth:`engine.governance.store.Store.write` that refuses unsafe shapes."""

    def validate(data: bytes) -> None:
        raise_for_errors(lint_text(data, source=source, fmt=fmt), source=source)

    return validate


__all__ = [
    "LintIssue",
    "detached_patterns",
    "lint_shapes",
    "lint_text",
    "pattern_problems",
    "raise_for_errors",
    "regex_problems",
    "shapes_validator",
]
