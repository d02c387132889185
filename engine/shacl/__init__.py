"""SHACL engines behind one contract (base, backends): the reference engine (pySHACL) and the
fast one (shapes compiled to SPARQL, run by Oxigraph or the in-process evaluator fast/mini),
plus the W3C conformance and differential runners.

Modules: backends, base, conformance, differential, reference, fast/.

May import: the core only (errors, model, vocab, paths, rdfio, cache) and
rdflib/pyshacl/pyoxigraph.
"""

from engine.shacl.backends import get_backend
from engine.shacl.base import Backend, BackendName, Prepared, RawResult

__all__ = ["Backend", "BackendName", "Prepared", "RawResult", "get_backend"]
