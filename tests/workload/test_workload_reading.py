"""Reading a file: exactly the first ``max_bytes + 1`` bytes decide, whatever the file's
size says; text that is only whitespace is empty; the format is sniffed past blank lines."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.workload import _decode, _read, _read_capped, detect_format

CAP = 1000


@pytest.mark.parametrize("size", [0, 1, CAP - 1, CAP, CAP + 1, CAP + 2, 5 * CAP])
def test_the_cap_is_exact(tmp_path: Path, size: int) -> None:
    path = tmp_path / "w.yaml"
    content = bytes(i % 251 for i in range(size))
    path.write_bytes(content)
    if size > CAP:
        with pytest.raises(InputError, match=f"over the {CAP:,}-byte limit"):
            _read(path, None, CAP)
    else:
        assert _read(path, None, CAP) == (content, str(path))
    with path.open("rb") as fh:
        assert _read_capped(fh, CAP) == content[:CAP + 1]


class _Growing(io.BytesIO):
    """A file whose size (as fstat says) is smaller than what reading it gives."""

    def __init__(self, content: bytes, fd: int) -> None:
        super().__init__(content)
        self._fd = fd

    def fileno(self) -> int:
        return self._fd


@pytest.mark.parametrize(("content", "cap"), [(b"x" * 100, 50), (b"x" * 100, 100),
                                               (b"x" * 100, 1000), (b"", 10)])
def test_a_file_longer_than_it_says_is_read_to_the_cap(tmp_path: Path, content: bytes,
                                                         cap: int) -> None:
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    with empty.open("rb") as real:
        assert _read_capped(_Growing(content, real.fileno()), cap) == content[:cap + 1]


def test_no_file_descriptor_reads_to_the_cap() -> None:
    class NoFd(io.BytesIO):
        def fileno(self) -> int:
            raise OSError("no descriptor")

    assert _read_capped(NoFd(b"y" * 30), 20) == b"y" * 21
    assert _read_capped(NoFd(b"y" * 10), 20) == b"y" * 10


@pytest.mark.parametrize("text", ["", " ", "\n\n", " \t\r\n\x0b\x0c", "\u00a0\u2003\n",
                                  "\x1c\x1d\x1e\x1f", "\ufeff", "\ufeff  \n"])
def test_whitespace_only_is_empty(text: str) -> None:
    assert not text.lstrip("\ufeff").strip()
    with pytest.raises(InputError, match="the document is empty"):
        _decode(text.encode("utf-8"), "w.yaml")


@pytest.mark.parametrize("text", ["x: 1", " \u00a0\n{\"id\": 1}", "\n" * 500 + "@prefix x: <u:> .",
                                  "  [1]", "\t<?xml version='1.0'?>", " " * 401 + "{}"])
def test_format_sniffing_skips_leading_whitespace(text: str) -> None:
    def reference(text: str) -> str:
        head = text.lstrip()[:400]
        if head.startswith("{") or head.startswith("["):
            return "json"
        if head.startswith("@prefix"):
            return "turtle"
        if head.startswith("<?xml"):
            return "refused"
        return "yaml"

    try:
        found = detect_format(text, None)
    except InputError:
        found = "refused"
    assert found == reference(text)


def test_garbage_collection_is_paused_during_a_load_and_restored(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from engine.workload import lift as lift_module
    from engine.workload import load_workload_text

    seen: list[bool] = []
    real_lift = lift_module.lift

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(gc.isenabled())
        return real_lift(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lift_module, "lift", spy)
    good = "id: w\nname: W\n"
    was = gc.isenabled()
    try:
        gc.enable()
        load_workload_text(good, filename="w.yaml")
        assert seen == [False] and gc.isenabled()
        with pytest.raises(InputError):  # refused by the schema, and by the lifter
            load_workload_text("id: w\n", filename="w.yaml")
        assert gc.isenabled()
        with pytest.raises(InputError):
            load_workload_text(good + "attestations:\n  - {practice: MLXX-99, status: "
                               "implemented, owner: me, date: 2026-01-01}\n", filename="w.yaml")
        assert gc.isenabled()
        gc.disable()  # a caller that turned it off keeps it off
        load_workload_text(good, filename="w.yaml")
        assert not gc.isenabled()
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()
