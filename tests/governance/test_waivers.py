"""Waivers: expiry, matching, validation, the store-backed commands and concurrent grants."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest

from engine.errors import PolicyError
from engine.governance.store import WriteRefused, open_store
from engine.governance.waivers import (
    load_store_waivers,
    load_waivers,
    load_waivers_text,
    update_store_waivers,
)
from engine.validate.validator import validate_paths
from tests.conftest import REPO
from tests.governance.conftest import mlwa

BAD = """id: demo
name: Demo
data_stores:
  - name: raw
    type: s3
    encryption: {at_rest: false, in_transit: true}
  - name: curated
    type: s3
    encryption: {at_rest: false, in_transit: true}
"""

WAIVERS = """waivers:
  - id: W-1
    workload: demo
    policy: WA-SEC-001
    focus: data_stores/raw
    reason: legacy bucket, migration in Q3
    approver: ciso
    created: 2026-01-01
    expires: 2026-10-01
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_a_valid_waiver_hides_from_the_exit_code_but_stays_listed(tmp_path: Path) -> None:
    wl = write(tmp_path, "bad.yaml", BAD.split("  - name: curated")[0])
    wv = write(tmp_path, "waivers.yaml", WAIVERS)
    r = mlwa("validate", str(wl), "--policy", "WA-SEC-001", "--waivers", str(wv),
             "--as-of", "2026-09-30", "--format", "json")
    assert r.returncode == 0, r.stdout + r.stderr
    wr = json.loads(r.stdout)["workloads"][0]
    assert wr["summary"]["findings"]["waived"] == 1 and wr["summary"]["findings"]["high"] == 0
    [f] = wr["findings"]
    assert f["waived"] and f["waiver"] == "W-1" and f["waiverReason"].startswith("legacy bucket")


def test_an_expired_waiver_no_longer_hides_its_finding_and_the_report_says_so(tmp_path: Path) -> None:
    wl = write(tmp_path, "bad.yaml", BAD)
    wv = load_waivers(write(tmp_path, "waivers.yaml", WAIVERS))
    report = validate_paths([wl], codes=["WA-SEC-001"], waivers=wv, as_of=dt.date(2026, 10, 1))
    wr = report.workloads[0]
    assert not wr.waived_findings and len(wr.open_findings) == 2
    assert "waiver W-1 expired on 2026-10-01 and no longer applies" in wr.notes
    assert report.fails("high")
    before = validate_paths([wl], codes=["WA-SEC-001"], waivers=wv, as_of=dt.date(2026, 9, 30))
    assert [f.focus_label for f in before.workloads[0].waived_findings] == ["data_stores/raw"]
    assert before.workloads[0].notes == []  # only the focus it names is waived


def test_practice_waivers_and_the_wildcard_workload(tmp_path: Path) -> None:
    wl = write(tmp_path, "bad.yaml", BAD)
    wv = load_waivers_text(WAIVERS.replace("workload: demo", "workload: '*'")
                           .replace("policy: WA-SEC-001", "practice: MLSEC-02")
                           .replace("    focus: data_stores/raw\n", ""), "w.yaml")
    report = validate_paths([wl], codes=["WA-SEC-001"], waivers=wv, as_of=dt.date(2026, 5, 1))
    assert len(report.workloads[0].waived_findings) == 2 and not report.fails("low")


@pytest.mark.parametrize("change,line,needle", [
    (("expires: 2026-10-01", "expires: 2025-10-01"), 9, "must be after created"),
    (("    approver: ciso\n", ""), 2, "waiver needs 'approver'"),
    (("    reason: legacy bucket, migration in Q3\n", ""), 2, "waiver needs 'reason'"),
    (("expires: 2026-10-01", "expires: 2026-13-01"), 9, "is not a date"),
    (("policy: WA-SEC-001", "practice: MLSEC-02\n    policy: WA-SEC-001"), 2, "exactly one of"),
    (("    focus:", "    colour: red\n    focus:"), 5, "unknown key 'colour'"),
])
def test_invalid_waivers_name_the_line(change: tuple[str, str], line: int, needle: str) -> None:
    with pytest.raises(PolicyError) as info:
        load_waivers_text(WAIVERS.replace(*change), "w.yaml")
    hit = [x for x in info.value.lines() if needle in x]
    assert hit and hit[0].startswith(f"w.yaml:{line}:"), info.value.lines()


def test_ids_are_unique() -> None:
    twice = WAIVERS + WAIVERS.split("waivers:\n")[1]
    with pytest.raises(PolicyError, match="W-1 is used twice"):
        load_waivers_text(twice, "w.yaml")


def test_the_sample_waivers_file_is_valid() -> None:
    wv = load_waivers(REPO / "examples" / "governance" / "waivers.yaml")
    assert [w.status(dt.date(2026, 11, 30)) for w in wv] == ["active", "expired"]


def test_grant_list_revoke_through_the_store(store_dir: Path) -> None:
    base = ["waivers", "--store", str(store_dir)]
    grant = [*base, "grant", "--id", "W-9", "--workload", "demo", "--policy", "WA-SEC-001",
             "--reason", "accepted risk", "--approver", "ciso", "--created", "2026-01-01",
             "--expires", "2027-01-01"]
    refused = mlwa(*grant, env={"MLWA_ROLE": "architect"})
    assert refused.returncode == 2 and "only the 'governance' role" in refused.stderr
    assert mlwa(*grant, "--role", "governance").returncode == 0
    bad = mlwa(*grant[:-1], "2025-01-01", "--id", "W-10", "--role", "governance")
    assert bad.returncode == 2 and "must be after created" in bad.stderr
    listed = mlwa(*base, "list", "--as-of", "2026-06-01", "--format", "json")
    assert [(w["id"], w["status"]) for w in json.loads(listed.stdout)["data"]] == [("W-9", "active")]
    assert mlwa(*base, "revoke", "W-9", "--reason", "fixed", "--role", "governance").returncode == 0
    assert len(load_store_waivers(root=store_dir)) == 0
    log = open_store(store_dir).log("waivers")
    assert [e.reason for e in log] == ["grant W-9: accepted risk", "revoke W-9: fixed"]
    assert {e.role for e in log} == {"governance"}


def test_store_waivers_feed_validate(store_dir: Path, tmp_path: Path) -> None:
    wv = load_waivers_text(WAIVERS, "w.yaml")
    update_store_waivers(store_dir, "waivers", lambda _old: list(wv), actor="t",
                         role="governance", reason="seed")
    wl = write(tmp_path, "bad.yaml", BAD.split("  - name: curated")[0])
    r = mlwa("validate", str(wl), "--policy", "WA-SEC-001", "--waivers", "store:waivers",
             "--as-of", "2026-09-30", env={"MLWA_STORE": str(store_dir)})
    assert r.returncode == 0, r.stdout + r.stderr


def test_only_governance_writes() -> None:
    with pytest.raises(WriteRefused):
        update_store_waivers("/nonexistent-never-opened", "waivers", lambda w: w, actor="a",
                             role="architect", reason="x")


def test_concurrent_grants_lose_nothing(store_dir: Path) -> None:
    from engine.governance.waivers import Waiver

    open_store(store_dir)
    errors: list[BaseException] = []

    def grant(i: int) -> None:
        w = Waiver(id=f"W-{i}", workload="demo", reason="r", approver="a",
                   created=dt.date(2026, 1, 1), expires=dt.date(2027, 1, 1), policy="WA-SEC-001")
        try:
            update_store_waivers(store_dir, "waivers", lambda old: [*old, w], actor=f"t{i}",
                                 role="governance", reason=f"grant W-{i}")
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=grant, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ids = {w.id for w in load_store_waivers(root=store_dir)}
    assert ids == {f"W-{i}" for i in range(24)}
    assert len(open_store(store_dir).log("waivers")) == 24
