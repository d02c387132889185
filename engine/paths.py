"""Where mlwa's bundled data lives: the one place that knows.

In a source checkout or an editable install the data folders are the repository's top-level
``ontology/`` and ``policies/``; in a wheel they are ``engine/_data/ontology`` and
``engine/_data/policies``. Nothing here looks at the working directory.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Return the bundled data folder ``name`` (``ontology`` or ``policies``)."""
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"mlwa's bundled '{name}' folder is missing next to {_PACKAGE_DIR}; "
        "this is a packaging bug, please reinstall mlwa"
    )


def ontology_dir() -> Path:
    return data_dir("ontology")


def policies_dir() -> Path:
    return data_dir("policies")


def ontology_file(name: str) -> Path:
    return ontology_dir() / name


def builtin_pack_dir() -> Path:
    return policies_dir() / "ml-lens"


def reference_dir() -> Path | None:
    """``../shared/reference`` beside a source checkout, if present (tests and tools only)."""
    candidate = _PACKAGE_DIR.parent.parent / "shared" / "reference"
    return candidate if candidate.is_dir() else None
