"""Choose a SHACL backend by name.

Kept apart from :mod:`engine.shacl.base` (the contract) so that the backends can import the
contract without the contract importing them back.
"""

from __future__ import annotations

from engine.shacl.base import Backend, BackendName


def get_backend(name: BackendName) -> Backend:
    """Return a backend by name; imports lazily so choosing one never loads the other."""
    if name == "reference":
        from engine.shacl.reference import ReferenceBackend

        return ReferenceBackend()
    if name in ("fast", "auto"):
        from engine.shacl.fast import FastBackend

        return FastBackend(gate=True, name=name)
    from engine.errors import UsageError

    raise UsageError(f"unknown SHACL backend {name!r}; choose reference, fast or auto")
