"""The governance store: a keyed audit chain that a full rewrite cannot pass, the OS user
beside the claimed actor, Unix-group restriction checked at the write, and policies checked
inside Store.write whatever the caller passes (issue 16, holes 4 and 5)."""

from __future__ import annotations

import hashlib
import json
import os
import pwd
from pathlib import Path

import pytest

from engine.errors import PolicyError
from engine.governance.store import GENESIS, Store, StoreCorrupt, WriteRefused
from tests.security.conftest import mlwa

GOV = {"actor": "claimed-admin", "role": "governance"}
ME = pwd.getpwuid(os.geteuid()).pw_name


@pytest.fixture()
def keyed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    key = tmp_path / "keys" / "audit.key"
    monkeypatch.setenv("MLWA_AUDIT_KEY_FILE", str(key))
    monkeypatch.delenv("MLWA_AUDIT_KEY", raising=False)
    return key


def _rewrite_everything(store: Store, change: dict[str, str]) -> None:
    """What an attacker with write access to the store does: change a line, recompute every
    hash after it and audit.head, so the plain chain checks pass."""
    lines = [json.loads(x) for x in store.log_path.read_text(encoding="utf-8").splitlines()]
    lines[0].update(change)
    prev, out = GENESIS, []
    for data in lines:
        data["prev"] = prev
        if not data.get("mac"):
            data.pop("mac", None)  # the canonical form omits an empty MAC
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        out.append(text)
        prev = hashlib.sha256(text.encode()).hexdigest()
    store.log_path.write_text("\n".join(out) + "\n", encoding="utf-8")
    store.head_path.write_text(json.dumps({"seq": len(out), "hash": prev}), encoding="utf-8")


def test_the_key_is_made_on_first_write_outside_the_store(tmp_path: Path, keyed: Path) -> None:
    store = Store(tmp_path / "store")
    assert not keyed.exists()
    store.write("profiles", "p.yaml", "name: p\n", reason="r", **GOV)
    assert keyed.exists() and (keyed.stat().st_mode & 0o777) == 0o600
    assert not str(keyed).startswith(str(store.root))
    entry = store.log()[0]
    assert entry.mac and entry.user == ME and entry.actor == "claimed-admin"


def test_a_full_rewrite_is_detected_with_the_key(tmp_path: Path, keyed: Path) -> None:
    store = Store(tmp_path / "store")
    store.write("profiles", "p.yaml", "name: p\n", reason="first", **GOV)
    store.write("profiles", "p.yaml", "name: q\n", reason="second", **GOV)
    assert store.verify().ok and store.verify().keyed
    _rewrite_everything(store, {"actor": "someone-else"})
    reopened = Store(tmp_path / "store")  # the plain chain still holds after the rewrite
    report = reopened.verify()
    assert not report.ok
    assert "audit line 1 has a MAC that this audit key does not produce" in report.problems[0]


def test_stripping_the_macs_is_detected_or_said(tmp_path: Path, keyed: Path) -> None:
    store = Store(tmp_path / "store")
    store.write("profiles", "p.yaml", "name: p\n", reason="first", **GOV)
    store.write("profiles", "p.yaml", "name: q\n", reason="second", **GOV)
    _rewrite_everything(store, {"mac": ""})  # line 1 unsigned, line 2 still signed
    assert any("carries no MAC" in p or "does not produce" in p
               for p in Store(tmp_path / "store").verify().problems)


def test_without_the_key_verify_says_it_cannot_tell(tmp_path: Path, keyed: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "store")
    store.write("profiles", "p.yaml", "name: p\n", reason="first", **GOV)
    monkeypatch.setenv("MLWA_AUDIT_KEY_FILE", str(tmp_path / "elsewhere" / "none.key"))
    out = mlwa("store", "--store", str(store.root), "verify",
               env={"MLWA_AUDIT_KEY_FILE": str(tmp_path / "elsewhere" / "none.key")})
    assert out.code == 0, out.stderr
    assert "no audit key" in out.stdout and "cannot be detected" in out.stdout


def test_anchor_prints_the_head(tmp_path: Path, keyed: Path) -> None:
    store = Store(tmp_path / "store")
    entry = store.write("profiles", "p.yaml", "name: p\n", reason="first", **GOV)
    out = mlwa("store", "--store", str(store.root), "anchor", "--format", "json",
               env={"MLWA_AUDIT_KEY_FILE": str(keyed)})
    assert out.code == 0, out.stderr
    head = json.loads(out.stdout)
    head = head.get("data", head)
    assert head["seq"] == 1 and head["hash"] == entry.hash and head["mac"] == entry.mac


def test_a_policy_that_is_not_a_policy_is_refused_inside_write(tmp_path: Path,
                                                               keyed: Path) -> None:
    store = Store(tmp_path / "store")
    for text in ("this is not turtle at all", "SERVICE <http://127.0.0.1:1/x>",
                 "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
                 "<urn:s> a sh:NodeShape ; sh:minCount \"many\" ."):
        with pytest.raises(PolicyError):
            store.write("policies", "acme/X.ttl", text, reason="no validator passed", **GOV)
    assert store.log() == []


def test_a_group_restricted_store_refuses_non_members(tmp_path: Path, keyed: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import grp

    store = Store(tmp_path / "store")
    mine = grp.getgrgid(os.getegid()).gr_name
    store.restrict_to_group(mine, actor="admin")
    assert store.restricted_group() == mine
    store.write("profiles", "p.yaml", "name: p\n", reason="member", **GOV)  # a member writes
    assert (store.root.stat().st_mode & 0o7777) == 0o2770
    monkeypatch.setattr("engine.governance.store._in_group", lambda gid: False)  # now: not a member
    with pytest.raises(WriteRefused, match=f"restricted to Unix group '{mine}'"):
        store.write("profiles", "p.yaml", "name: q\n", reason="outsider", **GOV)
    assert store.read("profiles", "p.yaml").text == "name: p\n"


def test_verify_of_an_unkeyed_rewrite_still_checks_the_chain(tmp_path: Path, keyed: Path) -> None:
    store = Store(tmp_path / "store")
    store.write("profiles", "p.yaml", "name: p\n", reason="first", **GOV)
    lines = store.log_path.read_text(encoding="utf-8").replace("first", "forged")
    store.log_path.write_text(lines, encoding="utf-8")
    with pytest.raises(StoreCorrupt):
        Store(tmp_path / "store")


def test_writers_racing_to_make_the_key_share_one(tmp_path: Path, keyed: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from engine.governance.store import load_audit_key

    with ThreadPoolExecutor(8) as pool:
        keys = list(pool.map(lambda _: load_audit_key(create=True), range(16)))
    assert len(set(keys)) == 1 and keys[0] is not None and len(keys[0]) == 64
    assert sorted(p.name for p in keyed.parent.iterdir()) == ["audit.key"]  # no leftovers
