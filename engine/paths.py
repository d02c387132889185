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


def user_data_dir(name: str, env: str) -> Path:
    """Where mlwa keeps user data of one kind: ``$<env>``, else ``$XDG_DATA_HOME/mlwa/<name>``,
    else ``~/.local/share/mlwa/<name>`` (the store, the history, the estate)."""
    import os

    override = os.environ.get(env)
    if override:
        return Path(override).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME")
    base = Path(data_home).expanduser() if data_home else Path.home() / ".local" / "share"
    return base / "mlwa" / name


def read_capped_text(path: Path, limit: int, what: str, error: type[Exception]) -> str:
    """Read a small UTF-8 file a user named. Too large or not UTF-8 raises ``error``; an
    unreadable file raises a UsageError. Both name the file."""
    from engine.safefile import read_text

    return read_text(path, limit, what=what, error=error)  # type: ignore[arg-type]

