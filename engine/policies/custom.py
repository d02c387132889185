"""Custom policy packs are untrusted: evaluate their shapes in a sandboxed child process.

The built-in pack is ours and runs in-process as before. Every other policy (a ``--pack``
folder, an installed pack, a governance upload) is validated by a child process under CPU,
memory and wall-clock limits (:func:`engine.policies.sandbox.run_limited`). A policy that runs
over a limit is named in the error: "policy ACME-X-002 exceeded its 5 s CPU limit".

:func:`prepare_policies` is the one hook: :class:`engine.validate.validator.Validator` calls it
instead of preparing the backend directly, so ``mlwa validate --pack``, ``mlwa policies
test`` (through :mod:`engine.validate.cases`) and the app all go through the sandbox alike.

Limits come from :func:`configure` (the CLI), else the environment
(``MLWA_SANDBOX_CPU_SECONDS``, ``MLWA_SANDBOX_MEMORY_MB``, ``MLWA_SANDBOX_WALL_SECONDS``),
else :data:`DEFAULT_LIMITS`. When all custom policies run together in one child and a limit
is hit, each custom policy is run again alone to find and name the one at fault.

The child gets the shapes and the data as lists of RDF terms (blank-node ids preserved),
so the results it sends back name the caller's own shape nodes and paths.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine.errors import UsageError

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

    from engine.policies.catalog import Policy
    from engine.shacl.base import Prepared, RawResult

Triple = tuple[Any, Any, Any]


@dataclass(frozen=True)
class SandboxLimits:
    """Per child process: CPU seconds, extra address space (MB) and wall-clock seconds."""

    cpu_seconds: float = 5.0
    memory_mb: float = 1024.0
    wall_seconds: float = 20.0

    def __post_init__(self) -> None:
        for name in ("cpu_seconds", "memory_mb", "wall_seconds"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or value <= 0:
                raise UsageError(f"sandbox limit {name} must be a positive number, got {value!r}")

    @classmethod
    def from_env(cls) -> SandboxLimits:
        base = cls()
        values: dict[str, float] = {}
        for name, env in (("cpu_seconds", "MLWA_SANDBOX_CPU_SECONDS"),
                          ("memory_mb", "MLWA_SANDBOX_MEMORY_MB"),
                          ("wall_seconds", "MLWA_SANDBOX_WALL_SECONDS")):
            raw = os.environ.get(env)
            if raw is None or raw == "":
                values[name] = getattr(base, name)
                continue
            try:
                values[name] = float(raw)
            except ValueError:
                raise UsageError(f"{env} must be a number, got {raw!r}") from None
        return cls(**values)


DEFAULT_LIMITS = SandboxLimits()
_configured: SandboxLimits | None = None


def configure(limits: SandboxLimits | None) -> None:
    """Set the limits for this process (``None``: back to the environment / defaults)."""
    global _configured
    _configured = limits


def current_limits() -> SandboxLimits:
    return _configured if _configured is not None else SandboxLimits.from_env()


def is_trusted(policy: Policy) -> bool:
    """Only the built-in pack's own files run in-process."""
    from engine.paths import builtin_pack_dir

    builtin = builtin_pack_dir()
    try:
        if Path(policy.path).parent == builtin:  # same unresolved path: same place
            return True
        return Path(policy.path).resolve().parent == builtin.resolve()
    except OSError:
        return False


# ------------------------------------------------------------------------------ the child

def _graph(triples: Iterable[Triple]) -> Graph:
    from rdflib import Graph

    g = Graph()
    for t in triples:
        g.add(t)
    return g


def _child_validate(shape_triples: list[Triple], ontology_triples: list[Triple],
                    datas: list[list[Triple]], engine: str) -> list[list[RawResult]]:
    """Runs in the sandbox: prepare the custom shapes, validate every data graph."""
    from engine.shacl.backends import get_backend

    shapes = _graph(shape_triples)
    prepared = get_backend(engine).prepare(shapes, ontology=_graph(ontology_triples))  # type: ignore[arg-type]
    return [list(prepared.validate(_graph(d))) for d in datas]


_PRELOAD = ["engine.policies.custom", "rdflib", "pyshacl", "engine.shacl.reference",
            "engine.shacl.fast"]
_preloaded = False


def _preload() -> None:
    """Ask the fork server to import the heavy modules once, so each child starts fast.

    Harmless when the fork server is already running (the setting then waits for the next
    one) or on platforms without it."""
    global _preloaded
    if _preloaded:
        return
    _preloaded = True
    import multiprocessing
    import sys

    if sys.platform.startswith("linux"):
        with contextlib.suppress(ValueError, AttributeError):
            multiprocessing.get_context("forkserver").set_forkserver_preload(_PRELOAD)


# ------------------------------------------------------------------------------ the parent

class SandboxedPrepared:
    """A :class:`engine.shacl.base.Prepared` that runs trusted shapes in-process and custom
    shapes in a sandboxed child, and returns the results of both."""

    def __init__(self, trusted: Prepared | None, custom: Sequence[Policy], engine: str,
                 ontology: Graph | None, limits: SandboxLimits) -> None:
        self.trusted = trusted
        self.custom = list(custom)
        self.engine = engine
        self.limits = limits
        self._ontology = list(ontology) if ontology is not None else []
        self._shapes: dict[str, list[Triple]] = {p.code: list(p.graph) for p in self.custom}
        self.unsupported: list[tuple[Node, str]] = list(getattr(trusted, "unsupported", []) or [])


    def validate(self, data: Graph) -> list[RawResult]:
        return next(iter(self.validate_many([data])))

    def validate_many(self, datas: Iterable[Graph]) -> Iterator[list[RawResult]]:
        graphs = list(datas)
        trusted = (list(self.trusted.validate_many(graphs)) if self.trusted is not None
                   else [[] for _ in graphs])
        custom = self._run_custom(graphs)
        for a, b in zip(trusted, custom, strict=True):
            yield [*a, *b]

    def _run_custom(self, graphs: list[Graph]) -> list[list[RawResult]]:
        from engine.policies.sandbox import SandboxLimitExceeded

        datas = [list(g) for g in graphs]
        codes = [p.code for p in self.custom]
        if len(codes) == 1:
            return self._call(codes, datas, f"policy {codes[0]}")
        try:
            return self._call(codes, datas, "custom policies " + ", ".join(codes))
        except SandboxLimitExceeded as together:
            for code in codes:  # find the policy at fault: it breaches on its own too
                self._call([code], datas, f"policy {code}")
            raise together from None

    def _call(self, codes: list[str], datas: list[list[Triple]], label: str) -> list[list[RawResult]]:
        from engine.policies.sandbox import run_limited

        _preload()
        shapes = [t for c in codes for t in self._shapes[c]]
        return run_limited(_child_validate, shapes, self._ontology, datas, self.engine,
                           cpu_seconds=self.limits.cpu_seconds,
                           memory_mb=self.limits.memory_mb,
                           wall_seconds=self.limits.wall_seconds, label=label)


def prepare_policies(policies: Sequence[Policy], shapes: Graph, engine: str,
                     ontology: Graph | None = None,
                     limits: SandboxLimits | None = None) -> Prepared:
    """Prepare ``shapes`` (the merged graph of ``policies``) for ``engine``.

    All built-in: the backend's own prepared form, exactly as before. Any custom policy:
    a :class:`SandboxedPrepared` that validates the custom ones in a sandbox.
    """
    from engine.policies.catalog import shapes_graph
    from engine.shacl.backends import get_backend

    custom = [p for p in policies if not is_trusted(p)]
    backend = get_backend(engine)  # type: ignore[arg-type]
    if not custom:
        return backend.prepare(shapes, ontology=ontology)
    trusted = [p for p in policies if is_trusted(p)]
    trusted_prepared = None
    if trusted:
        trusted_shapes, _ = shapes_graph(trusted)
        trusted_prepared = backend.prepare(trusted_shapes, ontology=ontology)
    return SandboxedPrepared(trusted_prepared, custom, engine, ontology,
                             limits or current_limits())




def configure_from_options(cpu_seconds: float | None, memory_mb: float | None,
                           wall_seconds: float | None) -> None:
    """Command-line limits over the environment's (``None`` keeps that limit as it is)."""
    base = current_limits()
    configure(SandboxLimits(cpu_seconds=cpu_seconds or base.cpu_seconds,
                            memory_mb=memory_mb or base.memory_mb,
                            wall_seconds=wall_seconds or base.wall_seconds))


__all__ = ["DEFAULT_LIMITS", "SandboxLimits", "SandboxedPrepared", "configure",
           "configure_from_options", "current_limits", "is_trusted", "prepare_policies"]
