"""The three example queries of docs/scale.md, run exactly as documented."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest

from engine.estate.history import record_run
from engine.estate.store import run_query, source_key, workload_root_iri
from engine.validate.validator import validate_paths
from tests.conftest import REPO
from tests.scale.conftest import fault, template, write_doc

AS_OF = dt.date(2026, 11, 30)


def doc_queries() -> dict[str, str]:
    text = (REPO / "docs" / "scale.md").read_text(encoding="utf-8")
    found = re.findall(r"<!-- query: ([\w-]+) -->.*?```sparql\n(.*?)```", text, re.S)
    return dict(found)


def test_docs_have_four_queries() -> None:
    assert set(doc_queries()) == {"production-violations", "top-policies", "risks-grew", "endpoints"}


@pytest.fixture
def estate(tmp_path: Path) -> dict[str, object]:
    """Run 1: prod-bad (production, stores unencrypted), prod-ok (production, clean),
    pilot-bad (pilot, stores unencrypted), worse (production, clean).
    Run 2: worse again, now with faults that raise its high risks; and pilot-bad fixed. Both
    are the same files, edited (a workload is its id and its file, issue #24)."""
    def doc(wid: str, stage: str, *faults: str) -> dict[str, object]:
        d = template()
        d["id"], d["name"], d["lifecycle_stage"] = wid, wid, stage
        for f in faults:
            fault(d, f)
        return d

    run1 = [write_doc(tmp_path / "r1", doc("prod-bad", "production", "store-unencrypted")),
            write_doc(tmp_path / "r1", doc("prod-ok", "production")),
            write_doc(tmp_path / "r1", doc("pilot-bad", "pilot", "store-unencrypted")),
            write_doc(tmp_path / "r1", doc("worse", "production"))]
    rep1 = validate_paths(run1, engine="fast", as_of=AS_OF)
    record_run(rep1)
    run2 = [write_doc(tmp_path / "r1", doc("worse", "production", "store-unencrypted",
                                           "endpoint-no-autoscaling", "no-owner", "notebook-root")),
            write_doc(tmp_path / "r1", doc("pilot-bad", "pilot"))]
    rep2 = validate_paths(run2, engine="fast", as_of=AS_OF)
    record_run(rep2)
    return {"rep1": rep1, "rep2": rep2}


def test_production_violations(estate: dict[str, object]) -> None:
    res = run_query(doc_queries()["production-violations"])
    rows = {r[0]: r[1] for r in res.plain_rows()}
    # pilot-bad is not production; prod-ok is clean; worse's latest run violates it
    files = {w.workload: w.file for w in estate["rep1"].workloads}  # type: ignore[attr-defined]
    root = {wid: workload_root_iri(wid, source_key(f)) for wid, f in files.items()}
    assert set(rows) == {root["prod-bad"], root["worse"]}
    assert "WA-SEC-001" in (rows[root["prod-bad"]] or "").split()


def test_top_policies(estate: dict[str, object]) -> None:
    latest = {}
    for rep in (estate["rep1"], estate["rep2"]):
        for w in rep.workloads:  # type: ignore[attr-defined]
            latest[w.workload] = w
    per_policy: Counter[str] = Counter()
    wl_per_policy: dict[str, set[str]] = {}
    for w in latest.values():
        for f in w.open_findings:
            per_policy[f.policy] += 1
            wl_per_policy.setdefault(f.policy, set()).add(w.workload)
    want = sorted(per_policy, key=lambda p: (-len(wl_per_policy[p]), -per_policy[p], p))[:10]
    res = run_query(doc_queries()["top-policies"])
    rows = res.plain_rows()
    assert [r[0] for r in rows] == want
    assert [(int(r[1] or 0), int(r[2] or 0)) for r in rows] == [
        (len(wl_per_policy[p]), per_policy[p]) for p in want]


def test_risks_grew(estate: dict[str, object]) -> None:
    w1 = {w.workload: w for w in estate["rep1"].workloads}  # type: ignore[attr-defined]
    w2 = {w.workload: w for w in estate["rep2"].workloads}  # type: ignore[attr-defined]

    def high(w: object) -> int:
        return sum(1 for r in w.questions.values() if r.value == "HIGH")  # type: ignore[attr-defined]

    assert high(w2["worse"]) > high(w1["worse"])
    assert high(w2["pilot-bad"]) <= high(w1["pilot-bad"])
    res = run_query(doc_queries()["risks-grew"])
    assert res.plain_rows() == [["worse", source_key(w2["worse"].file), str(high(w1["worse"])),
                                 str(high(w2["worse"]))]]
