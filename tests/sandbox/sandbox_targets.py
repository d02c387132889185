"""Module-level functions the sandbox tests run in a child (they must be picklable)."""

from __future__ import annotations

import re
import time

from engine.errors import Location, PolicyError


def add(a: int, b: int) -> dict[str, int]:
    return {"sum": a + b}


def spin() -> None:
    n = 0
    while True:
        n += 1


def regex_spin() -> bool:
    # catastrophic backtracking inside C code: the Python-level signal handler never runs
    return re.match(r"^(a+)+$", "a" * 40 + "!") is not None


def hog() -> int:
    chunks = []
    while True:
        chunks.append(bytearray(50 * 1024 * 1024))


def sleeper() -> None:
    time.sleep(60)


def bad_policy() -> None:
    raise PolicyError("sh:pattern does not compile", Location(file="acme/ACME-001.ttl", line=7))


def buggy() -> None:
    raise KeyError("missing")


def reach(port: int) -> dict[str, str]:
    """Try every way out to 127.0.0.1:port from the sandbox, the SPARQL guard bypassed:
    Python sockets, urllib, and Oxigraph's own SERVICE client (native code)."""
    import socket
    import urllib.request

    import pyoxigraph as ox

    from engine.policies.sandbox import cut_network

    outcome: dict[str, str] = {"layers": ",".join(cut_network())}
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            outcome["socket"] = "connected"
    except Exception as exc:
        outcome["socket"] = type(exc).__name__
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/x", timeout=2).read()
        outcome["urllib"] = "fetched"
    except Exception as exc:
        outcome["urllib"] = type(exc).__name__
    try:  # straight to Oxigraph: no run_oxigraph, no vet_query
        rows = list(ox.Store().query(
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"))
        outcome["oxigraph"] = f"{len(rows)} rows"
    except Exception as exc:
        outcome["oxigraph"] = type(exc).__name__
    return outcome


def seccomp_only_reach(port: int) -> dict[str, str]:
    """Oxigraph's SERVICE client under the seccomp layer alone (no namespace, no hook)."""
    import pyoxigraph as ox

    from engine.policies.sandbox import _seccomp_no_inet

    outcome = {"seccomp": str(_seccomp_no_inet())}
    try:
        rows = list(ox.Store().query(
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"))
        outcome["oxigraph"] = f"{len(rows)} rows"
    except Exception as exc:
        outcome["oxigraph"] = f"{type(exc).__name__}: {exc}"[:200]
    return outcome
