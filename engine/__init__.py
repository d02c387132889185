"""mlwa: a knowledge-graph and policy engine for well-architected ML workloads.

``engine`` is the one public API that the command line and the web app share. Heavy
dependencies (rdflib, pySHACL, Oxigraph) are imported by the sub-modules that need them,
so importing ``engine`` itself is cheap.
"""

__version__ = "0.1.0"
