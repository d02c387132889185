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
