"""Admission of a policy document into the governance store: it parses (Turtle, or the compact
YAML form), the safety lint finds no error, and the shapes graph conforms to SHACL-SHACL.

May import: the core, and the other modules of engine.policies."""

from __future__ import annotations

from typing import Any

from engine.errors import Location, PolicyError
from engine.policies.lint import lint_shapes, raise_for_errors

_META: Any = None


def shacl_shacl() -> Any:
    """The W3C shapes graph for shapes graphs, as pySHACL ships it (loaded once)."""
    global _META
    if _META is None:
        from importlib.resources import files

        from rdflib import Graph

        text = (files("pyshacl") / "assets" / "shacl-shacl.ttl").read_text(encoding="utf-8")
        _META = Graph().parse(data=text, format="turtle")
    return _META


def check_policy_document(data: bytes | str, *, source: str) -> None:
    """Everything a policy must pass before the store keeps it: it parses (Turtle, or the
    YAML form for ``*.policy.yaml``), the safety lint finds no error, and the shapes graph
    conforms to SHACL-SHACL. Raises :class:`PolicyError` naming the first problem."""
    from pyshacl import validate

    text = data.decode("utf-8") if isinstance(data, bytes) else data
    if source.endswith(".policy.yaml"):
        from engine.policies.compact import compile_policy_text

        graph = compile_policy_text(text, source)
        raise_for_errors(lint_shapes(graph, source=source), source=source)
    else:
        from engine.policies.catalog import parse_turtle_text

        graph = parse_turtle_text(text, source)
        raise_for_errors(lint_shapes(graph, source=source), source=source)
    conforms, _, report = validate(graph, shacl_graph=shacl_shacl(), inference="none",
                                   allow_warnings=True)
    if not conforms:
        first = next((ln.strip() for ln in str(report).splitlines()
                      if ln.strip().startswith("Message:")), "")
        raise PolicyError(f"{source}: not a valid SHACL shapes graph {first}".strip(),
                          Location(file=source))
