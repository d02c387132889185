"""An on-disk cache of what every ``mlwa`` process would otherwise rebuild from the same files.

Loading the built-in pack (115 Turtle files) and preparing a backend for it took about
0.5 s of a 0.8 s ``mlwa validate`` of one file; both depend only on file contents and on
mlwa's own code, so they are built once and then read back (about 0.05 s).

What keys an entry: the caller's key (file contents digests, engine, policy codes…) plus a
fingerprint of everything the built object depends on — mlwa's version and source files, the
bundled vocabularies, Python and the RDF libraries. A changed byte anywhere builds afresh.

Safety: :mod:`pickle` runs code while it loads, so an entry is read only from a directory
that belongs to the current user and that nobody else can write, from a regular file of
ours that nobody else can write (checked on the open file, no symlinks followed). Anything
else — missing, stale, corrupt, foreign, a read-only home — simply means building afresh:
the cache can make a run faster, never different. ``MLWA_NO_CACHE=1`` turns it off;
``MLWA_CACHE_DIR`` moves it (default ``$XDG_CACHE_HOME/mlwa`` or ``~/.cache/mlwa``).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

#: an entry larger than this is not written (nor read): a cache must stay cheap to read
MAX_ENTRY_BYTES = 64 * 1024 * 1024
#: entries kept per kind; older ones are removed when a new one is written
KEEP_PER_KIND = 16
_MISSING = object()


def enabled() -> bool:
    return os.environ.get("MLWA_NO_CACHE", "").strip() in ("", "0")


def cache_dir() -> Path:
    override = os.environ.get("MLWA_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base).expanduser() if base else Path.home() / ".cache") / "mlwa"


def files_digest(paths: Iterable[Path], cap: int = 64 * 1024 * 1024) -> str:
    """SHA-256 over the names and bytes of ``paths`` (in the order given); each is read
    through :func:`engine.safefile.read_bytes` (regular files of at most ``cap`` bytes)."""
    from engine.safefile import read_bytes

    h = hashlib.sha256()
    for p in paths:
        data = read_bytes(p, cap)
        h.update(f"{p.name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


@cache
def fingerprint() -> str:
    """What every entry depends on besides its own key: our code, our vocabularies, Python,
    and the installed RDF libraries (located without importing them)."""
    import importlib.util

    from engine import __version__, paths

    h = hashlib.sha256(f"{__version__}\0{sys.version}\0{pickle.HIGHEST_PROTOCOL}".encode())
    roots = [Path(__file__).resolve().parent, paths.ontology_dir()]
    for name in ("rdflib", "pyoxigraph", "pyshacl", "owlready2"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            roots.append(Path(spec.origin))
    for root in roots:
        files = [root] if root.is_file() else sorted(
            p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
        for p in files:
            st = p.stat()
            h.update(f"{p}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def cached(kind: str, key: object, build: Callable[[], T],
           valid: Callable[[Any], bool] | None = None) -> T:
    """``build()``, or its result from an earlier process with the same ``kind`` and ``key``.

    ``key`` must have a deterministic ``repr`` (tuples of strings and numbers). ``valid``
    checks what was read back (its type and shape); an entry it rejects (planted, or from
    an incompatible build) is rebuilt and overwritten, never returned."""
    if not enabled():
        return build()
    try:
        digest = hashlib.sha256(repr((fingerprint(), kind, key)).encode()).hexdigest()[:40]
        folder = cache_dir()
        path = folder / f"{kind}-{digest}.pickle"
        got = _read(folder, path)
    except (OSError, ValueError):
        return build()
    if got is not _MISSING and (valid is None or _accepts(valid, got)):
        return got  # type: ignore[no-any-return]
    value = build()
    with contextlib.suppress(Exception):  # a cache that cannot be written is no cache
        _write(folder, path, kind, value)
    return value


def _accepts(valid: Callable[[Any], bool], value: Any) -> bool:
    try:
        return bool(valid(value))
    except Exception:  # a check that trips on a strange value rejects it
        return False


def _safe(st: os.stat_result, *, directory: bool) -> bool:
    kind_ok = stat.S_ISDIR(st.st_mode) if directory else stat.S_ISREG(st.st_mode)
    owner_ok = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    return kind_ok and owner_ok and not (st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def _read(folder: Path, path: Path) -> Any:
    try:
        if not _safe(os.lstat(folder), directory=True):
            return _MISSING
        # O_NONBLOCK: a FIFO planted under the entry's name opens at once (and is then refused)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return _MISSING
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not _safe(st, directory=False) or st.st_size > MAX_ENTRY_BYTES:
            return _MISSING
        try:
            return pickle.load(fh)
        except Exception:  # corrupt or from an incompatible build: rebuild and overwrite
            return _MISSING


class _Pickler(pickle.Pickler):
    """Writes rdflib IRIs so that loading skips rdflib's per-IRI validation (they were
    valid IRIs when written): reading the built-in pack back went from 48 to 20 ms."""

    def reducer_override(self, obj: Any) -> Any:
        t = type(obj)
        if t in _IRI_TYPES:
            return str.__new__, (t, str(obj))
        if t is _LITERAL:
            return _literal, (str(obj), obj._language, obj._datatype, obj._value, obj._ill_typed)
        return NotImplemented


_LITERAL_SLOTS = ("_language", "_datatype", "_value", "_ill_typed")


def _literal(lexical: str, language: Any, datatype: Any, value: Any, ill_typed: Any) -> Any:
    """A literal exactly as it was written, without rdflib re-deriving its value (which
    the profile showed as most of the load time of a policy pack)."""
    from rdflib.term import Literal

    lit = str.__new__(Literal, lexical)
    lit._language, lit._datatype, lit._value, lit._ill_typed = language, datatype, value, ill_typed
    return lit


def _iri_types() -> tuple[tuple[type, ...], type | None]:
    if "rdflib" not in sys.modules:
        return (), None
    from rdflib.term import Literal, URIRef

    # Only for the rdflib layout this was written against; anything else pickles as usual.
    return (URIRef,), (Literal if tuple(Literal.__slots__) == _LITERAL_SLOTS else None)


_IRI_TYPES: tuple[type, ...] = ()
_LITERAL: type | None = None


def _dumps(value: object) -> bytes:
    global _IRI_TYPES, _LITERAL
    _IRI_TYPES, _LITERAL = _iri_types()
    import io

    buf = io.BytesIO()
    _Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buf.getvalue()


def _write(folder: Path, path: Path, kind: str, value: object) -> None:
    data = _dumps(value)
    if len(data) > MAX_ENTRY_BYTES:
        return
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not _safe(os.lstat(folder), directory=True):
        return
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{kind}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    old = sorted(folder.glob(f"{kind}-*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for stale in old[:-KEEP_PER_KIND]:
        with contextlib.suppress(OSError):
            stale.unlink()


def clear() -> int:
    """Remove every entry; returns how many were removed."""
    folder = cache_dir()
    n = 0
    for p in folder.glob("*.pickle") if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            p.unlink()
            n += 1
    return n
