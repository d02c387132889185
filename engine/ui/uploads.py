"""Read workloads the Portfolio page is given: a folder under a configured root, or a zip.

Nothing here extracts to disk. A zip is refused when it has too many entries, claims or
inflates to more than the total cap, holds a member over the per-file cap, or names a
member with an absolute path, ``..``, a drive letter or a control character. Members that
are not workload files (by extension) are skipped; nested archives are not opened.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from engine.errors import InputError

WORKLOAD_SUFFIXES = (".yaml", ".yml", ".json", ".ttl", ".jsonld")
_BAD_NAME = re.compile(r"[\x00-\x1f\\]|^[A-Za-z]:")


@dataclass(frozen=True)
class WorkloadFile:
    name: str
    text: str


def _decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{name}: not UTF-8 text") from None


def _safe_member_name(name: str) -> str:
    if not name or _BAD_NAME.search(name) or name.startswith("/"):
        raise InputError(f"refused zip member name {name!r}")
    parts = PurePosixPath(name).parts
    if any(p in ("..", "") for p in parts):
        raise InputError(f"refused zip member name {name!r} (path traversal)")
    return name


def read_zip(data: bytes, *, max_entries: int, max_total: int, max_file: int) -> list[WorkloadFile]:
    """The workload files inside a zip archive, read into memory under the caps."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise InputError(f"not a zip archive: {exc}") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > max_entries:
            raise InputError(f"the archive has {len(infos):,} entries; the limit is {max_entries:,}")
        declared = sum(i.file_size for i in infos)
        if declared > max_total:
            raise InputError(f"the archive unpacks to {declared:,} bytes; the limit is {max_total:,}")
        out: list[WorkloadFile] = []
        total = 0
        for info in infos:
            name = _safe_member_name(info.filename)
            if info.is_dir() or not name.lower().endswith(WORKLOAD_SUFFIXES):
                continue
            if info.file_size > max_file:
                raise InputError(f"{name}: {info.file_size:,} bytes; the limit per file is {max_file:,}")
            # Read at most one byte past the cap: a member whose header lies is caught here.
            try:
                with archive.open(info) as fh:
                    chunk = fh.read(max_file + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,
                    RuntimeError) as exc:  # damaged, lying, encrypted or exotic members
                raise InputError(f"{name}: cannot be read from the archive ({exc})") from None
            if len(chunk) > max_file:
                raise InputError(f"{name}: inflates past the per-file limit of {max_file:,} bytes")
            total += len(chunk)
            if total > max_total:
                raise InputError(f"the archive inflates past {max_total:,} bytes")
            out.append(WorkloadFile(name, _decode(name, chunk)))
    return sorted(out, key=lambda f: f.name)


def resolve_under(root: Path, relative: str) -> Path:
    """``root / relative`` if it stays inside ``root`` (symlinks resolved), else InputError."""
    root = root.resolve()
    target = (root / relative.strip().lstrip("/")).resolve()
    if target != root and root not in target.parents:
        raise InputError(f"{relative!r} is outside the portfolio root")
    if not target.is_dir():
        raise InputError(f"{relative!r} is not a folder under the portfolio root")
    return target


def subfolders(root: Path, *, limit: int = 200) -> list[str]:
    """Folders under ``root`` (relative, depth ≤ 2) that hold workload files."""
    root = root.resolve()
    found: list[str] = []
    for folder in [root, *sorted(p for p in root.glob("*") if p.is_dir()),
                   *sorted(p for p in root.glob("*/*") if p.is_dir())]:
        if folder.name.startswith(".") or root not in [folder.resolve(), *folder.resolve().parents]:
            continue
        if any(f.suffix.lower() in WORKLOAD_SUFFIXES for f in folder.iterdir() if f.is_file()):
            found.append("." if folder == root else str(folder.relative_to(root)))
        if len(found) >= limit:
            break
    return found


def read_folder(folder: Path, *, max_entries: int, max_file: int) -> list[WorkloadFile]:
    """Workload files directly inside ``folder`` (not recursive; symlinks leaving it skipped)."""
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and p.suffix.lower() in WORKLOAD_SUFFIXES
                   and p.resolve().parent == folder.resolve())
    if len(files) > max_entries:
        raise InputError(f"the folder has {len(files):,} workload files; the limit is {max_entries:,}")
    out = []
    for p in files:
        size = p.stat().st_size
        if size > max_file:
            raise InputError(f"{p.name}: {size:,} bytes; the limit per file is {max_file:,}")
        out.append(WorkloadFile(p.name, _decode(p.name, p.read_bytes())))
    return out
