"""Read a file a user named, safely: the one helper every reader of user input uses
(workloads, packs and their policy files, cases, profiles, waivers, lenses, answers, query
files, caches).

* The file is opened with ``O_NONBLOCK`` (a FIFO opens at once instead of waiting for a
  writer) and, where the caller asks, ``O_NOFOLLOW`` (a symlink is refused; caches).
* ``fstat`` on the open descriptor must say "regular file": a FIFO, a socket, a device
  (``/dev/zero``, also reached through a symlink), a directory are refused before one byte
  is read.
* At most ``cap + 1`` bytes are read, in chunks: a file longer than the cap is refused
  without reading it all, whatever size it claims.

Every refusal raises the caller's error class (an :class:`engine.errors.InputError`
subclass: exit code 2) with one line naming the file. No byte of the file's content is
ever put in a message.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from engine.errors import InputError, Location

_CHUNK = 1 << 16

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def read_bytes(path: str | Path, cap: int, *, what: str = "file",
               error: type[InputError] = InputError, follow_symlinks: bool = True,
               shown: str | None = None, hint: str = "") -> bytes:
    """The bytes of the regular file ``path``, refused past ``cap`` bytes.

    ``what`` names the kind of file in messages ("policy file", "cases file");
    ``shown`` is the name to print (default: ``path``); ``hint`` ends the too-large message
    (how to raise the cap)."""
    name = shown or str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow_symlinks:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        if not follow_symlinks and os.path.islink(path):
            raise error(f"cannot read the {what}: it is a symbolic link", Location(name)) from None
        reason = "no such file" if isinstance(exc, FileNotFoundError) else (exc.strerror or exc)
        raise error(f"cannot read the {what}: {reason}", Location(name)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise error(f"cannot read the {what}: it is {_kind(st.st_mode)}, not a regular "
                        "file", Location(name))
        if st.st_size > cap:
            raise _too_big(error, what, cap, name, st.st_size, hint)
        chunks: list[bytes] = []
        total = 0
        while total <= cap:
            try:
                chunk = os.read(fd, min(_CHUNK, cap + 1 - total))
            except BlockingIOError:  # a regular file never blocks; be safe anyway
                raise error(f"cannot read the {what}: it would block", Location(name)) from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > cap:
            raise _too_big(error, what, cap, name, None, hint)
        return b"".join(chunks)
    except OSError as exc:
        raise error(f"cannot read the {what}: {exc.strerror or exc}", Location(name)) from None
    finally:
        os.close(fd)


def read_text(path: str | Path, cap: int, *, what: str = "file",
              error: type[InputError] = InputError, encoding: str = "utf-8",
              follow_symlinks: bool = True, shown: str | None = None) -> str:
    """:func:`read_bytes` decoded; a decoding failure names the byte, not the content."""
    data = read_bytes(path, cap, what=what, error=error, follow_symlinks=follow_symlinks,
                      shown=shown)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise error(f"the {what} is not UTF-8 text (byte {exc.start})",
                    Location(shown or str(path))) from None


def _too_big(error: type[InputError], what: str, cap: int, name: str,
             size: int | None, hint: str = "") -> InputError:
    shown = f"{size:,} bytes" if size is not None else "larger"
    tail = f"; {hint}" if hint else ""
    return error(f"the {what} is {shown}, over the {cap:,}-byte limit{tail}", Location(name))


__all__ = ["read_bytes", "read_text"]
