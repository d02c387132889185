"""Fast backend: shapes compiled once to SPARQL and run by Oxigraph."""

from __future__ import annotations

from typing import Any


class FastBackend:
    """Placeholder until the compiler lands: everything goes through the reference engine."""

    def __init__(self, gate: bool = True, name: str = "fast") -> None:
        self.name = name
        self.gate = gate

    def prepare(self, shapes: Any, ontology: Any = None) -> Any:
        from engine.shacl.reference import ReferencePrepared

        prepared = ReferencePrepared(shapes, ontology)
        prepared.unsupported = [(s, "fast compiler not available yet") for s in ()]
        return prepared
