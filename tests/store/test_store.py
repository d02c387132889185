"""The governance store: versions, history, rollback, roles, conflicts, validator hook,
and damage detection. Concurrency and crash tests are in test_store_concurrency.py."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.governance.store import (
    ABSENT,
    Conflict,
    NotFound,
    Store,
    StoreCorrupt,
    StoreError,
    WriteRefused,
    default_root,
)

GOV = {"actor": "gina@acme.example", "role": "governance"}
# Not "policies": policy writes are checked as policies inside Store.write (issue 16);
# these tests are about storage, so they use a collection whose content is free.
POLICY = ("profiles", "acme/ACME-001.ttl")
TTL_V1 = "@prefix sh: <http://www.w3.org/ns/shacl#> .\n# v1\n"
TTL_V2 = "@prefix sh: <http://www.w3.org/ns/shacl#> .\n# v2\n"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "store")


def test_write_read_and_history(store: Store) -> None:
    first = store.write(*POLICY, TTL_V1, reason="initial", **GOV)
    second = store.write(*POLICY, TTL_V2, reason="tighten", **GOV)
    doc = store.read(*POLICY)
    assert doc.text == TTL_V2 and doc.version == second.version and doc.current
    assert store.read(*POLICY, version=first.version[:10]).text == TTL_V1
    history = store.history(*POLICY)
    assert [e.version for e in history] == [first.version, second.version]
    assert [e.reason for e in history] == ["initial", "tighten"]
    assert store.documents() == [POLICY]
    assert store.documents("waivers") == []


def test_audit_entry_format(store: Store) -> None:
    store.write("waivers", "waivers.yaml", "waivers: []\n", reason="start", **GOV)
    store.write("profiles", "prod.yaml", "name: prod\n", reason="", **GOV)
    lines = store.log_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    # user (the OS account) and mac (the keyed chain) joined the format in issue 16
    assert list(first) == ["seq", "time", "actor", "role", "action", "collection", "name",
                           "version", "prev", "reason", "user", "mac"]
    import pwd
    assert first["user"] == pwd.getpwuid(os.geteuid()).pw_name
    assert first["seq"] == 1 and first["prev"] == "0" * 64
    assert first["time"].endswith("Z") and first["time"][10] == "T"
    assert first["actor"] == "gina@acme.example" and first["action"] == "write"
    import hashlib
    assert second["prev"] == hashlib.sha256(lines[0].encode()).hexdigest()
    assert first["version"] == hashlib.sha256(b"waivers: []\n").hexdigest()
    obj = store.root / "objects" / first["version"][:2] / first["version"]
    assert obj.read_bytes() == b"waivers: []\n"
    assert [e.collection for e in store.log(collection="profiles")] == ["profiles"]


def test_rollback_is_a_new_audited_change(store: Store) -> None:
    first = store.write(*POLICY, TTL_V1, reason="initial", **GOV)
    store.write(*POLICY, TTL_V2, reason="tighten", **GOV)
    back = store.rollback(*POLICY, first.version[:8], reason="v2 broke CI", actor="rob",
                          role="governance")
    assert back.action == "rollback" and back.version == first.version and back.seq == 3
    assert store.read(*POLICY).text == TTL_V1
    assert len(store.history(*POLICY)) == 3
    with pytest.raises(NotFound):
        store.rollback(*POLICY, "deadbeef", reason="x", **GOV)
    with pytest.raises(StoreError, match="needs a reason"):
        store.rollback(*POLICY, first.version, reason=" ", **GOV)


def test_delete_keeps_history(store: Store) -> None:
    first = store.write(*POLICY, TTL_V1, reason="initial", **GOV)
    store.delete(*POLICY, reason="retired", **GOV)
    assert not store.exists(*POLICY)
    with pytest.raises(NotFound):
        store.read(*POLICY)
    store.rollback(*POLICY, first.version, reason="needed after all", **GOV)
    assert store.read(*POLICY).text == TTL_V1


def test_only_governance_writes(store: Store) -> None:
    with pytest.raises(WriteRefused) as info:
        store.write(*POLICY, TTL_V1, actor="arch", role="architect", reason="try")
    assert isinstance(info.value, PermissionError) and isinstance(info.value, InputError)
    assert "architect" in str(info.value)
    assert store.log() == [] and not store.exists(*POLICY)
    assert not any((store.root / "objects").iterdir())


def test_refusals_can_be_logged(tmp_path: Path) -> None:
    store = Store(tmp_path / "s", log_refusals=True)
    with pytest.raises(WriteRefused):
        store.write(*POLICY, TTL_V1, actor="arch", role="architect", reason="try")
    (entry,) = store.log()
    assert entry.action == "refused" and entry.version is None and entry.role == "architect"
    assert store.history(*POLICY) == []
    assert store.verify().ok


def test_optimistic_concurrency(store: Store) -> None:
    first = store.write(*POLICY, TTL_V1, expected_version=ABSENT, reason="new", **GOV)
    with pytest.raises(Conflict):
        store.write(*POLICY, TTL_V1, expected_version=ABSENT, reason="new again", **GOV)
    # Alice and Bob both load v1; Bob saves first; Alice's save must not silently win.
    store.write(*POLICY, TTL_V2, expected_version=first.version, reason="bob", **GOV)
    with pytest.raises(Conflict) as info:
        store.write(*POLICY, "# alice\n", expected_version=first.version, reason="alice", **GOV)
    assert "changed while you edited it" in str(info.value)
    assert store.read(*POLICY).text == TTL_V2
    assert len(store.log()) == 2
    # Without expected_version a write just appends a version; nothing earlier is lost.
    store.write(*POLICY, "# carol\n", reason="carol", **GOV)
    assert len(store.versions(*POLICY)) == 3


def test_validator_refusal_stores_nothing(store: Store) -> None:
    def validator(data: bytes) -> None:
        if b"SERVICE" in data:
            raise InputError("SERVICE is refused")

    store.write(*POLICY, TTL_V1, reason="ok", validator=validator, **GOV)
    with pytest.raises(InputError, match="SERVICE"):
        store.write(*POLICY, "SERVICE <http://x>", reason="bad", validator=validator, **GOV)
    assert store.read(*POLICY).text == TTL_V1
    assert len(store.log()) == 1
    objects = [p for p in (store.root / "objects").rglob("*") if p.is_file()]
    assert len(objects) == 1


@pytest.mark.parametrize("collection,name", [
    ("policies", "../escape.ttl"), ("policies", "/etc/passwd"), ("policies", "a//b"),
    ("policies", ".hidden"), ("Policies", "x.ttl"), ("policies", ""), ("po licies", "x"),
    ("policies", "a/../../b"),
])
def test_unsafe_names_refused(store: Store, collection: str, name: str) -> None:
    with pytest.raises(StoreError):
        store.write(collection, name, "x", reason="", **GOV)


def test_size_cap(tmp_path: Path) -> None:
    store = Store(tmp_path / "s", max_bytes=100)
    with pytest.raises(StoreError, match="at most 100"):
        store.write(*POLICY, "x" * 101, reason="", **GOV)


def test_corrupt_object_falls_back_to_last_good_version(store: Store) -> None:
    store.write(*POLICY, TTL_V1, reason="v1", **GOV)
    second = store.write(*POLICY, TTL_V2, reason="v2", **GOV)
    obj = store.root / "objects" / second.version[:2] / second.version
    obj.write_bytes(b"garbage")
    doc = store.read(*POLICY)
    assert doc.text == TTL_V1 and not doc.current
    assert doc.warnings and "damaged" in doc.warnings[0]
    report = store.verify()
    assert not report.ok
    assert any(second.version[:12] in p and "line 2" in p for p in report.problems)
    with pytest.raises(StoreError, match="damaged"):
        store.read(*POLICY, version=second.version)
    # Re-opening keeps the pointer where the audit says and still reads the good version.
    again = Store(store.root)
    assert again.read(*POLICY).text == TTL_V1
    # Saving the same content again heals the object.
    store.write(*POLICY, TTL_V2, reason="re-save", **GOV)
    assert obj.read_bytes() == TTL_V2.encode()
    assert store.verify().ok


def _rewrite_line(path: Path, number: int, change: dict[str, object]) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    data = json.loads(lines[number - 1])
    data.update(change)
    lines[number - 1] = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _three(store: Store) -> None:
    for i in range(3):
        store.write(*POLICY, f"# {i}\n", reason=f"r{i}", **GOV)


def test_edited_entry_breaks_the_chain(store: Store) -> None:
    _three(store)
    _rewrite_line(store.log_path, 2, {"actor": "mallory"})
    with pytest.raises(StoreCorrupt) as info:
        Store(store.root)
    assert info.value.line == 3
    assert "chain broken at line 3" in str(info.value)
    with pytest.raises(StoreCorrupt):
        store.verify()


def test_removed_entry_is_detected(store: Store) -> None:
    _three(store)
    lines = store.log_path.read_text(encoding="utf-8").splitlines()
    store.log_path.write_text("\n".join([lines[0], lines[2]]) + "\n", encoding="utf-8")
    with pytest.raises(StoreCorrupt) as info:
        Store(store.root)
    assert info.value.line == 2


def test_cut_off_tail_is_detected(store: Store) -> None:
    _three(store)
    lines = store.log_path.read_text(encoding="utf-8").splitlines()
    store.log_path.write_text("\n".join(lines[:1]) + "\n", encoding="utf-8")
    with pytest.raises(StoreCorrupt, match="cut short"):
        Store(store.root)


def test_garbage_line_is_detected(store: Store) -> None:
    _three(store)
    with store.log_path.open("a", encoding="utf-8") as fh:
        fh.write("not json\n")
    with pytest.raises(StoreCorrupt) as info:
        Store(store.root)
    assert info.value.line == 4


def test_temp_leftovers_and_partial_log_line_cleaned_on_open(store: Store) -> None:
    store.write(*POLICY, TTL_V1, reason="v1", **GOV)
    (store.root / "objects" / "ab").mkdir(exist_ok=True)
    (store.root / "objects" / "ab" / ".tmp-killed").write_bytes(b"half")
    (store.root / "refs" / "profiles" / ".tmp-x").write_bytes(b"{")
    with store.log_path.open("ab") as fh:
        fh.write(b'{"seq":2,"time":"2026')
    again = Store(store.root)
    assert not list(store.root.rglob(".tmp-*"))
    assert any("partial" in r for r in again.repairs)
    assert again.verify().ok and len(again.log()) == 1


def test_not_a_store_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(StoreError, match="not an mlwa store"):
        Store(tmp_path)


def test_default_root_honours_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MLWA_STORE", str(tmp_path / "x"))
    assert default_root() == tmp_path / "x"
    monkeypatch.delenv("MLWA_STORE")
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    assert default_root() == Path.home() / ".local" / "share" / "mlwa" / "store"
