"""SHACL validation backends: a reference engine (pySHACL) and a fast one (SPARQL on Oxigraph).

Both return :class:`RawResult` objects whose terms belong to the caller's graphs.
"""

from engine.shacl.backends import get_backend
from engine.shacl.base import Backend, BackendName, Prepared, RawResult

__all__ = ["Backend", "BackendName", "Prepared", "RawResult", "get_backend"]
