"""The governance store: custom policies, profiles and waivers, with history and an audit log.

One API for the CLI (``mlwa store ...``) and the app. A store is a directory::

    <root>/
      FORMAT                 "mlwa-store 1"
      lock                   empty; every change holds an exclusive flock on it
      objects/ab/<sha256>    every version of every document, named by its content hash
      refs/<collection>/<name, %-quoted>   the "current" pointer of one document (JSON)
      audit.log              append-only, hash-chained JSON lines: one per change
      audit.head             seq and hash of the last audit line (detects a cut-off tail)

Guarantees (tested in tests/store):

* Nothing half-written is ever visible: every file is written to a temporary file in the
  same directory, fsynced, renamed over the target, and the directory fsynced.
* Nothing is lost: every version is kept by content hash; ``write`` without
  ``expected_version`` appends a new version, with it a concurrent change raises
  :class:`Conflict` instead of silently winning.
* Every change is audited, in order: changes serialise on an exclusive ``fcntl.flock`` (so
  threads and processes alike), the audit line is appended and fsynced *before* the pointer
  moves, and ``open`` finishes a change a crash interrupted after its audit line.
* Tampering and damage are found: each audit line carries the sha256 of the line before it;
  :meth:`Store.verify` (run on open) raises :class:`StoreCorrupt` naming the line. An object
  whose bytes no longer match its hash is reported and reads fall back to the newest
  version that still verifies.
* Only the governance role writes; a refused write (role, validator, conflict) stores
  nothing.
* Identity: every audit line records the operating-system user of the writing process
  (``user``) beside the ``actor`` the caller names. A store restricted to a Unix group
  (:meth:`Store.restrict_to_group`, ``mlwa store restrict GROUP``) refuses writes from
  processes outside the group at the write, and its directory is made group-owned and
  closed to others, so the file system enforces the same boundary for any other program.
* A keyed chain: with an audit key (``$MLWA_AUDIT_KEY``, else the file
  ``$MLWA_AUDIT_KEY_FILE``, else ``~/.config/mlwa/audit.key``, created on the first write
  with mode 0600; never inside the store), each line carries ``mac``, an HMAC-SHA256 of the
  line under the key. Rewriting the log and recomputing every hash and ``audit.head`` no
  longer passes :meth:`Store.verify` for a holder of the key; without the key, ``verify``
  says plainly that it cannot tell. :meth:`Store.anchor` gives the head (sequence, hash,
  MAC) to publish elsewhere.
* Policies are always checked inside :meth:`Store.write` (parse, safety lint,
  SHACL-SHACL meta-validation), whatever validator the caller passes.

Why this file is long: one store API (atomic writes, versions, audit, roles) for three
collections.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from engine.errors import InputError, Location

_logger = logging.getLogger(__name__)

FORMAT = "mlwa-store 1"
GENESIS = "0" * 64
WRITE_ROLE = "governance"
ABSENT = "absent"  # expected_version meaning "the document must not exist yet"
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
ACTIONS = ("write", "rollback", "delete", "refused", "restrict")

_COLLECTION_RE = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")
_SEGMENT_RE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
_HEX_RE = re.compile(r"^[0-9a-f]{4,64}$")
_TMP_PREFIX = ".tmp-"

# Test hooks. ``_chunk_delay`` slows object writes down (seconds per 64 KiB chunk) so a
# test can kill a writer mid-write; ``_crash_hook`` is called with the phase name
# ("object-written", "logged", "pointer-moved") so a test can kill it between steps.
_chunk_delay: float = 0.0
_crash_hook: Callable[[str], None] | None = None
_CHUNK = 64 * 1024


def default_root() -> Path:
    """``$MLWA_STORE``, else ``$XDG_DATA_HOME/mlwa/store``, else ``~/.local/share/mlwa/store``."""
    from engine.paths import user_data_dir

    return user_data_dir("store", "MLWA_STORE")


# --------------------------------------------------------------------------------- errors

class StoreError(InputError):
    """Base class of the store's refusals (exit code 2 on the command line)."""


class StoreCorrupt(StoreError):
    """The audit log or the store layout is damaged; ``line`` names the audit line."""

    def __init__(self, message: str, path: Path, line: int | None = None) -> None:
        self.line = line
        self.path = path
        super().__init__(message, Location(file=str(path), line=line))


class Conflict(StoreError):
    """``expected_version`` no longer matches: someone else changed the document."""

    def __init__(self, collection: str, name: str, expected: str, actual: str | None) -> None:
        self.expected = expected
        self.actual = actual
        shown = (actual or ABSENT)[:12]
        super().__init__(
            f"{collection}/{name} changed while you edited it: expected version "
            f"{expected[:12]}, current is {shown}; reload, merge and save again",
            Location(file=f"{collection}/{name}"),
        )


class WriteRefused(StoreError, PermissionError):
    """The caller's role may not change the store."""


class NotFound(StoreError):
    """No such document or version."""


# --------------------------------------------------------------------------------- records

@dataclass(frozen=True)
class AuditEntry:
    seq: int
    time: str
    actor: str
    role: str
    action: str
    collection: str
    name: str
    version: str | None
    prev: str
    reason: str
    user: str = ""  # the operating-system user of the writing process; "" in old lines
    mac: str = ""  # HMAC-SHA256 of the line without it, under the audit key; "" if none
    hash: str = field(default="", compare=False)  # sha256 of this line; not stored in it

    def to_line(self) -> str:
        data = asdict(self)
        data.pop("hash")
        for optional in ("user", "mac"):  # absent when empty: older lines stay canonical
            if not data[optional]:
                data.pop(optional)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    def unsigned_line(self) -> bytes:
        """The line the MAC covers: this line without its ``mac``."""
        return AuditEntry(**{**asdict(self), "mac": ""}).to_line().encode()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Document:
    collection: str
    name: str
    version: str
    content: bytes
    current: bool = True  # False when a damaged current version forced a fall-back
    warnings: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")


@dataclass
class VerifyReport:
    entries: int = 0
    documents: int = 0
    objects_checked: int = 0
    problems: list[str] = field(default_factory=list)
    repairs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what verify could not check, and why
    keyed: bool = False  # an audit key was available and every keyed line verified

    @property
    def ok(self) -> bool:
        return not self.problems


# --------------------------------------------------------------------------------- file helpers

def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _atomic_write(path: Path, data: bytes, *, slow: bool = False) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=_TMP_PREFIX, dir=path.parent)
    try:
        os.fchmod(fd, 0o644)
        with os.fdopen(fd, "wb") as fh:
            if slow and _chunk_delay > 0:
                for start in range(0, len(data), _CHUNK):
                    fh.write(data[start : start + _CHUNK])
                    fh.flush()
                    time.sleep(_chunk_delay)
            else:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _phase(name: str) -> None:
    if _crash_hook is not None:
        _crash_hook(name)


def _check_collection(collection: str) -> None:
    if not isinstance(collection, str) or not _COLLECTION_RE.match(collection):
        raise StoreError(f"collection {collection!r} is not a valid name (lower-case letters, "
                         "digits, - and _)")


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name or len(name) > 255:
        raise StoreError(f"document name {name!r} is empty or longer than 255 characters")
    for segment in name.split("/"):
        if not _SEGMENT_RE.match(segment) or segment in (".", ".."):
            raise StoreError(f"document name {name!r} is not a safe relative path (letters, "
                             "digits, . _ - and / between parts; no leading dot)")


def _check_actor(actor: str, reason: str) -> None:
    if not isinstance(actor, str) or not actor.strip() or len(actor) > 200:
        raise StoreError("an actor (who makes the change) is required, at most 200 characters")
    if not isinstance(reason, str) or len(reason) > 4000:
        raise StoreError("the reason must be text of at most 4,000 characters")


# ------------------------------------------------------------------------ identity and key

def os_user() -> str:
    """The operating-system user of this process (not what the caller claims)."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError, OSError):
        return f"uid {os.geteuid()}" if hasattr(os, "geteuid") else os.environ.get("USERNAME", "?")


def audit_key_path() -> Path:
    override = os.environ.get("MLWA_AUDIT_KEY_FILE")
    if override:
        return Path(override).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME")
    return (Path(base).expanduser() if base else Path.home() / ".config") / "mlwa" / "audit.key"


def load_audit_key(*, create: bool = False) -> bytes | None:
    """The audit key: ``$MLWA_AUDIT_KEY`` (its text), else the key file; with ``create``,
    a missing key file is made (32 random bytes, hex, mode 0600). ``None``: no key."""
    value = os.environ.get("MLWA_AUDIT_KEY")
    if value:
        return value.strip().encode("utf-8")
    path = audit_key_path()
    if not path.exists() and not path.is_symlink():
        if not create:
            return None
        try:
            _make_key(path)
        except OSError as exc:  # no writable home: the chain stays unkeyed, and says so
            _logger.warning("cannot create the audit key %s (%s); audit lines are not keyed",
                            path, exc.strerror or exc)
            return None
    from engine.safefile import read_bytes

    data = read_bytes(path, 4096, what="audit key file", error=StoreError,
                      follow_symlinks=False).strip()
    if len(data) < 16:
        raise StoreError("the audit key is shorter than 16 characters", Location(str(path)))
    return data


def _make_key(path: Path) -> None:
    """Write a new key beside ``path`` and link it into place: the key appears whole or not
    at all, and when two writers race, both use the one that won."""
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _mac(key: bytes, line: bytes) -> str:
    import hmac

    return hmac.new(key, line, hashlib.sha256).hexdigest()


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --------------------------------------------------------------------------------- the store

class Store:
    """A governance store rooted at a directory; safe across threads and processes.

    Opening a store creates it if needed, removes temporary leftovers, finishes a change
    that a crash interrupted after it was audited, and verifies the audit chain (raising
    :class:`StoreCorrupt` if it is broken).
    """

    def __init__(self, root: Path | str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 log_refusals: bool = False) -> None:
        self.root = Path(root).expanduser() if root is not None else default_root()
        self.max_bytes = max_bytes
        self.log_refusals = log_refusals
        self.objects_dir = self.root / "objects"
        self.refs_dir = self.root / "refs"
        self.log_path = self.root / "audit.log"
        self.head_path = self.root / "audit.head"
        self.lock_path = self.root / "lock"
        self._thread_lock = threading.Lock()  # serialises this instance's threads cheaply
        self.repairs: list[str] = []
        self._chain_cache: tuple[int, int, tuple[AuditEntry, ...]] | None = None
        self.access_path = self.root / "access.json"
        self._key: bytes | None = None
        self._init_layout()
        with self._locked():
            self.repairs = self._recover()

    # ----------------------------------------------------------------- layout and locking

    def _init_layout(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        marker = self.root / "FORMAT"
        if marker.exists():
            found = marker.read_text(encoding="utf-8").strip()
            if found != FORMAT:
                raise StoreCorrupt(f"not an mlwa store (FORMAT says {found!r})", marker)
        else:
            entries = [p.name for p in self.root.iterdir() if not p.name.startswith(".")]
            if entries and not {"objects", "refs", "audit.log"} & set(entries):
                raise StoreError(f"{self.root} is not empty and not an mlwa store; refusing "
                                 "to use it", Location(file=str(self.root)))
            _atomic_write(marker, (FORMAT + "\n").encode())
        for directory in (self.objects_dir, self.refs_dir):
            directory.mkdir(exist_ok=True)
        self.lock_path.touch(exist_ok=True)
        self.log_path.touch(exist_ok=True)

    @contextlib.contextmanager
    def _locked(self, shared: bool = False) -> Iterator[None]:
        """Exclusive (or shared, for readers) lock across processes and threads.

        flock locks belong to an open file description, so each holder opens the lock file
        itself: two threads of one process exclude each other just as two processes do.
        """
        with self._thread_lock:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
                yield
            finally:
                with contextlib.suppress(OSError):
                    fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)

    # ----------------------------------------------------------------- objects

    def _object_path(self, version: str) -> Path:
        return self.objects_dir / version[:2] / version

    def _put_object(self, data: bytes, version: str, *, slow: bool = False) -> None:
        path = self._object_path(version)
        if path.exists():
            try:
                if _sha256(path.read_bytes()) == version:
                    return
            except OSError:
                pass
            _logger.warning("object %s was damaged; rewriting it from the new save", version)
        _atomic_write(path, data, slow=slow)

    def _get_object(self, version: str) -> bytes | None:
        """The bytes of ``version``, or None when missing or damaged."""
        try:
            data = self._object_path(version).read_bytes()
        except FileNotFoundError:
            return None
        return data if _sha256(data) == version else None

    # ----------------------------------------------------------------- refs

    def _ref_path(self, collection: str, name: str) -> Path:
        return self.refs_dir / collection / quote(name, safe="")

    def _read_ref(self, collection: str, name: str) -> dict[str, Any] | None:
        try:
            raw = self._ref_path(collection, name).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise StoreCorrupt(f"pointer of {collection}/{name} is damaged: {exc}",
                               self._ref_path(collection, name)) from None
        return data if isinstance(data, dict) else None

    def _write_ref(self, collection: str, name: str, version: str | None, seq: int) -> None:
        path = self._ref_path(collection, name)
        if version is None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                _fsync_dir(path.parent)
            return
        payload = json.dumps({"version": version, "seq": seq}).encode()
        _atomic_write(path, payload)

    def current_version(self, collection: str, name: str) -> str | None:
        _check_collection(collection)
        _check_name(name)
        ref = self._read_ref(collection, name)
        return str(ref["version"]) if ref else None

    # ----------------------------------------------------------------- audit log

    def _read_lines(self) -> list[bytes]:
        data = self.log_path.read_bytes()
        if not data:
            return []
        lines = data.split(b"\n")
        if lines[-1] == b"":
            lines.pop()
        return lines

    def _parse_chain(self, *, full: bool = True) -> list[AuditEntry]:
        """Every audit entry, checking sequence and hash chain; raise on the first break.

        ``full=False`` (plain reads) re-uses the entries this instance already checked and
        parses only lines appended since, and ignores a partial last line (a change still
        being written, or one a crash interrupted: not committed either way). ``verify``
        and ``open`` always check the whole file.
        """
        with open(self.log_path, "rb") as fh:
            ino = os.fstat(fh.fileno()).st_ino
            cache = self._chain_cache
            if (not full and cache is not None and cache[0] == ino
                    and os.fstat(fh.fileno()).st_size >= cache[1]):
                _ino, offset, cached = cache
                fh.seek(offset)
                entries = list(cached)
            else:
                offset, entries = 0, []
            raw = fh.read()
        complete = raw[: raw.rfind(b"\n") + 1]
        if full and complete != raw:
            raise StoreCorrupt("audit log ends in a partial line", self.log_path,
                               raw.count(b"\n") + 1)
        prev = entries[-1].hash if entries else GENESIS
        lines = complete.split(b"\n")[:-1] if complete else []
        for number, line in enumerate(lines, start=len(entries) + 1):
            try:
                data = json.loads(line)
                entry = AuditEntry(**data, hash=_sha256(line))
            except (json.JSONDecodeError, TypeError, UnicodeDecodeError) as exc:
                raise StoreCorrupt(f"audit log line {number} is not a valid entry: {exc}",
                                   self.log_path, number) from None
            if entry.seq != number:
                raise StoreCorrupt(f"audit log line {number} has sequence number {entry.seq}; "
                                   "lines were removed, reordered or inserted",
                                   self.log_path, number)
            if entry.prev != prev:
                raise StoreCorrupt(f"audit log chain broken at line {number}: the line before "
                                   "it was changed or removed", self.log_path, number)
            if entry.to_line().encode() != line:
                raise StoreCorrupt(f"audit log line {number} is not in canonical form",
                                   self.log_path, number)
            entries.append(entry)
            prev = entry.hash
        self._chain_cache = (ino, offset + len(complete), tuple(entries))
        return entries

    def _verify_chain(self) -> list[AuditEntry]:
        entries = self._parse_chain()
        self._check_head(entries)
        return entries

    def _check_head(self, entries: list[AuditEntry]) -> None:
        head = self._read_head()
        if head is not None:
            seq, digest = head
            last = entries[-1] if entries else None
            if last is None or seq > last.seq:
                raise StoreCorrupt(f"audit log is cut short: audit.head records entry {seq} but "
                                   f"the log has {len(entries)}", self.log_path, len(entries))
            if seq >= 1 and entries[seq - 1].hash != digest:
                raise StoreCorrupt(f"audit log line {seq} differs from the hash recorded in "
                                   "audit.head", self.log_path, seq)

    def _read_head(self) -> tuple[int, str] | None:
        try:
            data = json.loads(self.head_path.read_text(encoding="utf-8"))
            return int(data["seq"]), str(data["hash"])
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError):
            raise StoreCorrupt("audit.head is damaged", self.head_path) from None

    def _append(self, entry: AuditEntry) -> AuditEntry:
        if self._key is None:
            self._key = load_audit_key(create=True)
        entry = AuditEntry(**{**asdict(entry), "user": os_user(), "mac": ""})
        if self._key is not None:
            entry = AuditEntry(**{**asdict(entry), "mac": _mac(self._key, entry.to_line().encode())})
        line = entry.to_line().encode()
        fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)
        digest = _sha256(line)
        _phase("logged")
        _atomic_write(self.head_path, json.dumps({"seq": entry.seq, "hash": digest}).encode())
        return AuditEntry(**{**asdict(entry), "hash": digest})

    def _last(self) -> tuple[int, str]:
        """Sequence number and hash of the last audit line (lock held).

        Reads only the tail of the log, so a save costs the same at entry 10 and 100,000.
        A partial last line (a writer killed inside its append) is cut off first.
        """
        self._drop_partial_tail()
        with open(self.log_path, "rb") as fh:
            end = fh.seek(0, os.SEEK_END)
            if end == 0:
                return 0, GENESIS
            block = 4096
            pos = end
            tail = b""
            while pos > 0:
                step = min(block, pos)
                pos -= step
                fh.seek(pos)
                tail = fh.read(step) + tail
                if tail.count(b"\n") >= 2 or pos == 0:
                    break
                block *= 2
        last = tail.rstrip(b"\n").rsplit(b"\n", 1)[-1]
        try:
            seq = int(json.loads(last)["seq"])
        except (ValueError, KeyError, TypeError):
            raise StoreCorrupt("the last audit line is damaged", self.log_path) from None
        return seq, _sha256(last)

    def _drop_partial_tail(self) -> bool:
        """Cut a partial last audit line left by a writer killed mid-append (lock held).

        That change never happened: its pointer moves only after the line is complete.
        """
        with open(self.log_path, "r+b") as fh:
            end = fh.seek(0, os.SEEK_END)
            if end == 0:
                return False
            fh.seek(end - 1)
            if fh.read(1) == b"\n":
                return False
            data = self.log_path.read_bytes()
            fh.truncate(data.rfind(b"\n") + 1)
            fh.flush()
            os.fsync(fh.fileno())
        _logger.warning("store %s: removed a partial last audit line", self.root)
        return True

    # ----------------------------------------------------------------- recovery

    def _recover(self) -> list[str]:
        """Clean up after a crash (lock held): temp files, a torn log tail, lagging pointers."""
        repairs: list[str] = []
        for directory, _dirs, files in os.walk(self.root):
            for file in files:
                if file.startswith(_TMP_PREFIX):
                    os.unlink(os.path.join(directory, file))
                    repairs.append(f"removed unfinished temporary file {file}")
        if self._drop_partial_tail():
            repairs.append("removed a partial last audit line left by an interrupted change")
        # Only a verified chain may drive repairs.
        entries = self._parse_chain()
        head = self._read_head()
        if entries:
            last = entries[-1]
            lagging = (head is not None and len(entries) >= 2 and head[0] == last.seq - 1
                       and entries[-2].hash == head[1])
            if head is None or lagging:
                # Killed between the audit append and the head update.
                _atomic_write(self.head_path,
                              json.dumps({"seq": last.seq, "hash": last.hash}).encode())
                if lagging:
                    repairs.append("brought audit.head up to the last audit line")
        self._check_head(entries)
        latest: dict[tuple[str, str], AuditEntry] = {}
        for entry in entries:
            if entry.action in ("write", "rollback", "delete"):
                latest[(entry.collection, entry.name)] = entry
        for (collection, name), entry in latest.items():
            ref = self._read_ref(collection, name)
            if (ref or {}).get("version") == entry.version:
                continue
            if entry.version is not None and self._get_object(entry.version) is None:
                continue  # reported by verify; reads fall back to the last good version
            self._write_ref(collection, name, entry.version, entry.seq)
            repairs.append(f"finished the interrupted change of {collection}/{name} "
                           f"(audit entry {entry.seq})")
        for repair in repairs:
            _logger.warning("store %s: %s", self.root, repair)
        return repairs

    # ----------------------------------------------------------------- public API: writes

    def write(self, collection: str, name: str, content: bytes | str, *, actor: str,
              role: str, reason: str = "", expected_version: str | None = None,
              validator: Callable[[bytes], object] | None = None) -> AuditEntry:
        """Store a new version of a document and make it current; return its audit entry.

        ``expected_version`` (a version hash, or :data:`ABSENT` for a new document) makes the
        write conditional: if the current version differs, :class:`Conflict` is raised and
        nothing is stored. ``validator`` is called with the bytes first; if it raises, the
        exception propagates and nothing is stored.
        """
        _check_collection(collection)
        _check_name(name)
        _check_actor(actor, reason)
        data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
        self._check_role(role, actor, collection, name)
        self._check_group()
        if len(data) > self.max_bytes:
            raise StoreError(f"{collection}/{name} is {len(data):,} bytes; the store accepts at "
                             f"most {self.max_bytes:,}", Location(file=f"{collection}/{name}"))
        version = _sha256(data)
        validators = [v for v in (_policy_gate(collection, name), validator) if v is not None]
        for check in validators:
            try:
                check(data)
            except BaseException:
                if self.log_refusals:
                    self._log_only("refused", collection, name, version, actor, role, reason)
                raise
        with self._locked():
            current = self._read_ref(collection, name)
            actual = str(current["version"]) if current else None
            self._check_expected(collection, name, expected_version, actual)
            self._put_object(data, version, slow=True)
            _phase("object-written")
            return self._commit("write", collection, name, version, actor, role, reason)

    def rollback(self, collection: str, name: str, version: str, *, actor: str, role: str,
                 reason: str, expected_version: str | None = None) -> AuditEntry:
        """Make an earlier version current again; itself a new, audited change."""
        _check_collection(collection)
        _check_name(name)
        _check_actor(actor, reason)
        self._check_role(role, actor, collection, name)
        self._check_group()
        if not reason.strip():
            raise StoreError("a rollback needs a reason")
        with self._locked():
            full = self._resolve_version(collection, name, version)
            if self._get_object(full) is None:
                raise StoreError(f"version {full[:12]} of {collection}/{name} is damaged or "
                                 "missing and cannot be restored")
            current = self._read_ref(collection, name)
            actual = str(current["version"]) if current else None
            self._check_expected(collection, name, expected_version, actual)
            return self._commit("rollback", collection, name, full, actor, role, reason)

    def delete(self, collection: str, name: str, *, actor: str, role: str, reason: str,
               expected_version: str | None = None) -> AuditEntry:
        """Retire a document (its history stays; a rollback brings it back)."""
        _check_collection(collection)
        _check_name(name)
        _check_actor(actor, reason)
        self._check_role(role, actor, collection, name)
        self._check_group()
        with self._locked():
            current = self._read_ref(collection, name)
            if current is None:
                raise NotFound(f"no document {collection}/{name}")
            self._check_expected(collection, name, expected_version, str(current["version"]))
            return self._commit("delete", collection, name, None, actor, role, reason)

    def _check_role(self, role: str, actor: str, collection: str, name: str) -> None:
        if role != WRITE_ROLE:
            if self.log_refusals:
                with contextlib.suppress(StoreError):
                    self._log_only("refused", collection, name, None, actor, str(role),
                                   f"role {role!r} may not write")
            raise WriteRefused(f"role {role!r} may not change the governance store; only the "
                               f"{WRITE_ROLE!r} role writes", Location(file=f"{collection}/{name}"))

    # ----------------------------------------------------------------- group restriction

    def restricted_group(self) -> str | None:
        """The Unix group this store is restricted to, or None."""
        try:
            data = json.loads(self.access_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise StoreCorrupt(f"access.json is damaged: {exc}", self.access_path) from None
        group = data.get("group") if isinstance(data, dict) else None
        return str(group) if group else None

    def restrict_to_group(self, group: str, *, actor: str, reason: str = "") -> AuditEntry:
        """Restrict writes to members of Unix ``group`` (audited): the directory becomes
        group-owned, setgid and closed to others; :meth:`write` refuses non-members."""
        import grp

        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            raise StoreError(f"no Unix group named {group!r}") from None
        if not _in_group(gid):
            raise WriteRefused(f"you ({os_user()}) are not a member of group {group!r}; only "
                               "a member may restrict the store to it")
        _check_actor(actor, reason)
        with self._locked():
            for path in [self.root, *self.root.rglob("*")]:
                with contextlib.suppress(OSError):
                    os.chown(path, -1, gid, follow_symlinks=False)
                    if path.is_dir() and not path.is_symlink():
                        os.chmod(path, 0o2770)
                    elif path.is_file() and not path.is_symlink():
                        os.chmod(path, 0o660)
            _atomic_write(self.access_path, json.dumps({"group": group}).encode())
            seq, prev = self._last()
            return self._append(AuditEntry(seq=seq + 1, time=_now(), actor=actor,
                                           role=WRITE_ROLE, action="restrict",
                                           collection="store", name="access", version=None,
                                           prev=prev, reason=reason or f"group {group}"))

    def _check_group(self) -> None:
        group = self.restricted_group()
        if group is None:
            return
        import grp

        try:
            gid = grp.getgrnam(group).gr_gid
        except KeyError:
            raise WriteRefused(f"this store is restricted to Unix group {group!r}, which does "
                               "not exist on this machine; writes are refused",
                               Location(str(self.root))) from None
        if not _in_group(gid):
            raise WriteRefused(f"this store is restricted to Unix group {group!r}; "
                               f"{os_user()} is not a member, so writes are refused",
                               Location(str(self.root)))

    @staticmethod
    def _check_expected(collection: str, name: str, expected: str | None,
                        actual: str | None) -> None:
        if expected is None:
            return
        if expected == ABSENT:
            if actual is not None:
                raise Conflict(collection, name, ABSENT, actual)
            return
        if actual is None or not (expected == actual or
                                  (len(expected) >= 8 and actual.startswith(expected))):
            raise Conflict(collection, name, expected, actual)

    def _commit(self, action: str, collection: str, name: str, version: str | None,
                actor: str, role: str, reason: str) -> AuditEntry:
        """Append the audit line, then move the pointer (lock held)."""
        seq, prev = self._last()
        entry = AuditEntry(seq=seq + 1, time=_now(), actor=actor, role=role, action=action,
                           collection=collection, name=name, version=version, prev=prev,
                           reason=reason)
        written = self._append(entry)
        self._write_ref(collection, name, version, written.seq)
        _phase("pointer-moved")
        return written

    def _log_only(self, action: str, collection: str, name: str, version: str | None,
                  actor: str, role: str, reason: str) -> None:
        with self._locked():
            seq, prev = self._last()
            self._append(AuditEntry(seq=seq + 1, time=_now(), actor=actor or "?", role=role,
                                    action=action, collection=collection, name=name,
                                    version=version, prev=prev, reason=reason))

    # ----------------------------------------------------------------- public API: reads

    def read(self, collection: str, name: str, version: str | None = None) -> Document:
        """The current version (or a given one) of a document.

        If the current version's object is damaged, the newest earlier version that still
        verifies is returned, with ``current=False`` and a warning; a damaged explicit
        ``version`` raises :class:`StoreError`.
        """
        _check_collection(collection)
        _check_name(name)
        with self._locked(shared=True):
            return self._read(collection, name, version)

    def _read(self, collection: str, name: str, version: str | None) -> Document:
        if version is not None:
            full = self._resolve_version(collection, name, version)
            data = self._get_object(full)
            if data is None:
                raise StoreError(f"version {full[:12]} of {collection}/{name} is damaged or "
                                 "missing (its bytes no longer match its hash)")
            return Document(collection, name, full, data,
                            current=full == (self._read_ref(collection, name) or {}).get("version"))
        ref = self._read_ref(collection, name)
        if ref is None:
            raise NotFound(f"no document {collection}/{name} in the store",
                           Location(file=f"{collection}/{name}"))
        wanted = str(ref["version"])
        data = self._get_object(wanted)
        if data is not None:
            return Document(collection, name, wanted, data)
        warning = (f"current version {wanted[:12]} of {collection}/{name} is damaged (hash "
                   "mismatch or missing); using the last good version")
        _logger.error("store %s: %s", self.root, warning)
        for entry in reversed(self._history(collection, name)):
            if entry.version is None or entry.version == wanted:
                continue
            data = self._get_object(entry.version)
            if data is not None:
                return Document(collection, name, entry.version, data, current=False,
                                warnings=(warning + f" {entry.version[:12]}",))
        raise StoreError(f"every version of {collection}/{name} is damaged or missing",
                         Location(file=f"{collection}/{name}"))

    def exists(self, collection: str, name: str) -> bool:
        return self.current_version(collection, name) is not None

    def documents(self, collection: str | None = None) -> list[tuple[str, str]]:
        """(collection, name) of every current document, sorted."""
        found: list[tuple[str, str]] = []
        if collection is not None:
            _check_collection(collection)
        dirs = [self.refs_dir / collection] if collection else sorted(self.refs_dir.iterdir())
        for directory in dirs:
            if not directory.is_dir():
                continue
            for ref in sorted(directory.iterdir()):
                if not ref.name.startswith(_TMP_PREFIX):
                    found.append((directory.name, unquote(ref.name)))
        return sorted(found)

    def log(self, collection: str | None = None, name: str | None = None) -> list[AuditEntry]:
        """Audit entries, oldest first, optionally for one collection or document."""
        with self._locked(shared=True):
            return self._select(collection, name)

    def _select(self, collection: str | None, name: str | None) -> list[AuditEntry]:
        return [e for e in self._parse_chain(full=False)
                if (collection is None or e.collection == collection)
                and (name is None or e.name == name)]

    def history(self, collection: str, name: str) -> list[AuditEntry]:
        """The changes of one document, oldest first (writes, rollbacks, deletes)."""
        with self._locked(shared=True):
            return self._history(collection, name)

    def _history(self, collection: str, name: str) -> list[AuditEntry]:
        return [e for e in self._select(collection, name)
                if e.action in ("write", "rollback", "delete")]

    def versions(self, collection: str, name: str) -> list[str]:
        """Distinct version hashes a document has had, oldest first."""
        with self._locked(shared=True):
            return self._versions(collection, name)

    def _versions(self, collection: str, name: str) -> list[str]:
        seen: dict[str, None] = {}
        for entry in self._history(collection, name):
            if entry.version is not None:
                seen.setdefault(entry.version, None)
        return list(seen)

    def _resolve_version(self, collection: str, name: str, version: str) -> str:
        if not isinstance(version, str) or not _HEX_RE.match(version.lower()):
            raise StoreError(f"{version!r} is not a version (a sha256 hash or a prefix of at "
                             "least 4 hex digits)")
        version = version.lower()
        matches = [v for v in self._versions(collection, name) if v.startswith(version)]
        if not matches:
            raise NotFound(f"{collection}/{name} has no version {version}",
                           Location(file=f"{collection}/{name}"))
        if len(matches) > 1:
            raise StoreError(f"version prefix {version} of {collection}/{name} is ambiguous; "
                             "give more digits")
        return matches[0]

    # ----------------------------------------------------------------- verification

    def anchor(self) -> dict[str, Any]:
        """The head of the audit chain (sequence, hash, MAC) to publish outside the store;
        a later ``verify`` against a published anchor shows the history was not rewritten."""
        with self._locked(shared=True):
            entries = self._verify_chain()
        last = entries[-1] if entries else None
        return {"store": str(self.root), "seq": last.seq if last else 0,
                "hash": last.hash if last else GENESIS, "mac": last.mac if last else "",
                "time": last.time if last else ""}

    def _verify_macs(self, entries: list[AuditEntry], report: VerifyReport) -> None:
        try:
            key = load_audit_key(create=False)
        except StoreError as exc:
            report.problems.append(f"the audit key cannot be read: {exc}")
            return
        if key is None:
            report.notes.append(
                "no audit key (MLWA_AUDIT_KEY or " + str(audit_key_path()) + "): the hash "
                "chain is consistent, but a full rewrite of the log cannot be detected "
                "without the key; compare with a published `mlwa store anchor`")
            return
        first_keyed = next((e.seq for e in entries if e.mac), None)
        for entry in entries:
            if not entry.mac:
                if first_keyed is not None and entry.seq > first_keyed:
                    report.problems.append(f"audit line {entry.seq} carries no MAC, but "
                                           f"line {first_keyed} does: the log was rewritten")
                continue
            if _mac(key, entry.unsigned_line()) != entry.mac:
                report.problems.append(
                    f"audit line {entry.seq} has a MAC that this audit key does not produce: "
                    "the line was rewritten, or it was written with another key")
        if first_keyed is None and entries:
            report.notes.append(f"none of the {len(entries)} audit lines carries a MAC: they "
                                "were written without a key, or the MACs were stripped; "
                                "compare with a published `mlwa store anchor`")
        elif first_keyed is not None and first_keyed > 1:
            report.notes.append(f"audit lines 1-{first_keyed - 1} predate the audit key and "
                                "are checked by the hash chain only")
        report.keyed = first_keyed is not None and not report.problems

    def verify(self) -> VerifyReport:
        """Check the audit chain (raises :class:`StoreCorrupt`), every pointer and object,
        and, with the audit key, every line's MAC."""
        report = VerifyReport()
        with self._locked():
            self._drop_partial_tail()
            entries = self._verify_chain()
        report.entries = len(entries)
        self._verify_macs(entries, report)
        latest: dict[tuple[str, str], str | None] = {}
        checked: dict[str, bool] = {}
        for entry in entries:
            if entry.action in ("write", "rollback", "delete"):
                latest[(entry.collection, entry.name)] = entry.version
            if entry.version and entry.action != "refused" and entry.version not in checked:
                ok = self._get_object(entry.version) is not None
                checked[entry.version] = ok
                if not ok:
                    report.problems.append(
                        f"object {entry.version[:12]} ({entry.collection}/{entry.name}, audit "
                        f"line {entry.seq}) is damaged or missing")
        report.objects_checked = len(checked)
        report.documents = sum(1 for v in latest.values() if v is not None)
        for (collection, name), version in sorted(latest.items()):
            ref = self._read_ref(collection, name)
            pointed = ref.get("version") if ref else None
            if pointed != version:
                report.problems.append(f"{collection}/{name}: pointer says {str(pointed)[:12]}, "
                                       f"the audit log says {str(version)[:12]}")
        for collection, name in self.documents():
            if (collection, name) not in latest:
                report.problems.append(f"{collection}/{name} has a pointer but no audit entry")
        return report


def _in_group(gid: int) -> bool:
    return gid == os.getegid() or gid in os.getgroups()


def _policy_gate(collection: str, name: str) -> Callable[[bytes], object] | None:
    """The check every policy write passes, whoever calls :meth:`Store.write`: documents of
    the policies collection that the catalogue loads as policies (``*.ttl``,
    ``*.policy.yaml``); cases files are data for the sandboxed harness."""
    if collection != "policies" or not name.endswith((".ttl", ".policy.yaml")):
        return None
    from engine.policies.admit import check_policy_document

    return lambda data: check_policy_document(data, source=name)


def open_store(root: Path | str | None = None, **options: Any) -> Store:
    """Open (creating if needed) the store at ``root`` or the default location."""
    try:
        return Store(root, **options)
    except PermissionError as exc:
        if isinstance(exc, StoreError):
            raise
        raise StoreError(f"cannot open the store at {root or default_root()}: {exc.strerror}"
                         ) from None
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.ENOSPC, errno.ENOTDIR):
            raise StoreError(f"cannot open the store at {root or default_root()}: "
                             f"{exc.strerror}") from None
        raise


__all__ = [
    "ABSENT",
    "WRITE_ROLE",
    "AuditEntry",
    "Conflict",
    "Document",
    "NotFound",
    "Store",
    "StoreCorrupt",
    "StoreError",
    "VerifyReport",
    "WriteRefused",
    "default_root",
    "open_store",
]
