"""SHACL-SPARQL constraints (sh:sparql / sh:select) for the fast backend.

A constraint runs once per focus node with ``$this`` pre-bound through Oxigraph's
``substitutions`` (SEP-0007), the pre-binding semantics SHACL-SPARQL asks for, and with the
focus node's data graph as the query's default graph, so a user's query sees exactly one
workload, just as it would with pySHACL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
import rdflib
from rdflib.namespace import OWL, SH
from rdflib.term import Literal, Node, URIRef

from engine.errors import PolicyError
from engine.shacl.fast.gate import Unsupported
from engine.shacl.fast.terms import TRUE

_STRINGS = re.compile(r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:.|\n)*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_IRIS = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_COMMENTS = re.compile(r"#[^\n]*")
_PREBOUND_ASSIGN = re.compile(r"\bAS\s*[?$](this|value|currentShape|shapesGraph)\b", re.I)


@dataclass(eq=False)
class SparqlConstraint:
    node: Node
    query: str  # prefixes + select, with $PATH/$currentShape already substituted
    messages: tuple[str, ...]
    deactivated: bool
    #: $this occurs where Oxigraph's substitutions would not reach it (BIND, inner groups):
    #: blank-node focus nodes, which cannot be written into the text, need the reference.
    needs_text: bool = False

    #: the query may run once for a whole batch (see ``for_batch``)
    batchable: bool = False

    def for_batch(self, focus: Callable[[int], str]) -> str:
        """One query for all focus nodes of all graphs: the WHERE clause goes inside
        ``GRAPH ?g`` and every group starts with the focus pattern (``focus(n)`` with
        fresh variables per group), so $this is bound wherever the user's query reads it,
        as pre-binding requires. Only for queries whose answer per focus node does not
        depend on the other focus nodes (no aggregates, sub-selects or LIMIT)."""
        return batch_query(self.query, focus)

    def for_focus(self, term_text: str) -> str:
        """The query with $this written in as a constant (exact pre-binding)."""
        return substitute_this(self.query, term_text)


_TOKENS = re.compile(
    _STRINGS.pattern + r"|" + _IRIS.pattern + r"|#[^\n]*|(?P<var>[?$]this\b)"
    r"|(?P<open>\{\s*(?P<sub>SELECT\b)?)", re.I)


def substitute_this(query: str, term_text: str) -> str:
    """Pre-bind $this by joining every group with ``VALUES ?this { term }``.

    Writing the constant in place of the variable breaks ``bound($this)`` and projections;
    a VALUES block at the start of each group gives the same solutions while every
    expression still sees a variable. Groups that hold a sub-select get it inside the
    sub-select's own WHERE instead, since ``{ VALUES … SELECT … }`` is not SPARQL.
    """
    values = f"VALUES ?this {{ {term_text} }} "
    out: list[str] = []
    pos = 0
    for m in _TOKENS.finditer(query):
        out.append(query[pos:m.start()])
        pos = m.end()
        if m.group("var"):
            out.append("?this")
        elif m.group("open") is not None:
            out.append(m.group(0) if m.group("sub") else "{ " + values)
        else:
            out.append(m.group(0))
    out.append(query[pos:])
    return "".join(out)


_BATCH_TOKENS = re.compile(
    _STRINGS.pattern + r"|" + _IRIS.pattern + r"|#[^\n]*|(?P<var>[?$]this\b)"
    r"|(?P<select>\bSELECT\s+(?:DISTINCT\s+|REDUCED\s+)?)|(?P<open>\{)|(?P<close>\})", re.I)
_NOT_BATCHABLE = re.compile(  # keywords, not variables named like them (?count, $min)
    r"(?<![?$\w])(COUNT|SUM|MIN|MAX|AVG|SAMPLE|GROUP_CONCAT|GROUP\s+BY|HAVING|LIMIT|OFFSET|"
    r"ORDER\s+BY|GRAPH|FROM|SERVICE|BNODE|RAND|NOW|UUID|STRUUID)\b", re.I)


def _batchable(sk: str) -> bool:
    return not _NOT_BATCHABLE.search(sk) and len(re.findall(r"\bSELECT\b", sk, re.I)) == 1


def batch_query(query: str, focus: Callable[[int], str]) -> str:
    out: list[str] = []
    pos = 0
    depth = 0
    groups = 0
    for m in _BATCH_TOKENS.finditer(query):
        out.append(query[pos:m.start()])
        pos = m.end()
        if m.group("var"):
            out.append("?this")
        elif m.group("select") is not None:
            out.append(m.group(0) + "?g ")
        elif m.group("open") is not None:
            groups += 1
            depth += 1
            pattern = focus(groups)
            out.append(f"{{ GRAPH ?g {{ {pattern} " if depth == 1 else f"{{ {pattern} ")
        elif m.group("close") is not None:
            out.append("} }" if depth == 1 else "}")
            depth -= 1
        else:
            out.append(m.group(0))
    out.append(query[pos:])
    return "".join(out)


def _needs_text(sk: str) -> bool:
    where = sk[sk.upper().find("WHERE"):] if "WHERE" in sk.upper() else sk
    if re.search(r"\bBIND\s*\(", where, re.I):
        return True
    groups = where.count("{") - len(re.findall(r"\bEXISTS\s*\{", where, re.I))
    return groups > 1


def _skeleton(query: str) -> str:
    """The query without strings, IRIs and comments, so keyword checks cannot be fooled."""
    text = _STRINGS.sub('""', query)
    text = _IRIS.sub("<>", text)
    return _COMMENTS.sub("", text)


def check_prebinding(select: str) -> None:
    """Refuse what SHACL-SPARQL forbids around pre-bound variables (sht:Failure in the suite)."""
    sk = _skeleton(select)
    for word in ("MINUS", "VALUES", "SERVICE"):
        if re.search(rf"\b{word}\b", sk, re.I):
            raise PolicyError(f"SHACL-SPARQL constraint uses {word}, which pre-binding forbids")
    if _PREBOUND_ASSIGN.search(sk):
        raise PolicyError("SHACL-SPARQL constraint assigns a pre-bound variable")
    selects = [m.end() for m in re.finditer(r"\bSELECT\b", sk, re.I)]
    for start in selects[1:]:
        brace = sk.find("{", start)
        head = sk[start: brace if brace >= 0 else len(sk)]
        # "SELECT *" does not count: the suite (pre-binding-006) expects it to be refused.
        if not re.search(r"[?$]this\b", head):
            raise PolicyError("SHACL-SPARQL sub-select does not project $this")


def prefixes_of(g: rdflib.Graph, constraint: Node) -> str:
    """PREFIX lines from sh:prefixes, following owl:imports as SHACL-SPARQL does."""
    lines = []
    todo, seen = list(g.objects(constraint, SH.prefixes)), set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        todo.extend(g.objects(p, OWL.imports))
        for decl in g.objects(p, SH.declare):
            prefix = g.value(decl, SH.prefix)
            ns = g.value(decl, SH.namespace)
            if prefix is not None and ns is not None:
                lines.append(f"PREFIX {prefix}: <{ns}>")
    return "\n".join(sorted(set(lines)))


def read_sparql_constraint(g: rdflib.Graph, shape: Any, node: Node) -> SparqlConstraint:
    select = g.value(node, SH.select)
    if select is None:
        raise Unsupported("sh:sparql without sh:select")
    text = str(select)
    check_prebinding(text)
    sk = _skeleton(text)
    if "$shapesGraph" in sk or "?shapesGraph" in sk:
        raise Unsupported("SHACL-SPARQL uses $shapesGraph")
    if "$currentShape" in text:
        if not isinstance(shape.node, URIRef):
            raise Unsupported("$currentShape on a blank-node shape")
        text = text.replace("$currentShape", shape.node.n3())
    if "$PATH" in text:
        if shape.sparql_path is None:
            raise Unsupported("$PATH in a node shape")
        text = text.replace("$PATH", shape.sparql_path)
    # imported here: the guard brings rdflib's SPARQL parser, which a warm fast run never needs
    from engine.sparqlguard import run_oxigraph

    try:  # a syntax error is the policy's fault: say so at prepare time, not mid-batch
        run_oxigraph(ox.Store(), prefixes_of(g, node) + "\n" + text)
    except SyntaxError as exc:
        raise PolicyError(f"SHACL-SPARQL constraint does not parse: {exc}") from None
    messages = tuple(str(m) for m in g.objects(node, SH.message)) or shape.messages
    deact = g.value(node, SH.deactivated)
    return SparqlConstraint(
        node=node,
        query=prefixes_of(g, node) + "\n" + text,
        messages=messages,
        deactivated=deact is not None and deact == TRUE,
        needs_text=_needs_text(sk),
        batchable=_batchable(sk) and shape.sparql_path is None,
    )


_VAR_IN_MESSAGE = re.compile(r"\{[?$]([A-Za-z_][A-Za-z0-9_]*)\}")


def render_message(template: str, bindings: dict[str, Node]) -> str:
    def sub(m: re.Match[str]) -> str:
        term = bindings.get(m.group(1))
        if term is None:
            return m.group(0)
        return str(term) if isinstance(term, Literal) else term.n3()

    return _VAR_IN_MESSAGE.sub(sub, template)
