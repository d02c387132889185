"""History: recorded runs, milestones, baselines (--new-only) and diffs."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.estate.history import (
    BaselinedReport,
    apply_baseline,
    atomic_write,
    diff_runs,
    list_runs,
    load_run,
    record_run,
    render_diff,
)
from engine.validate.validator import validate_paths
from tests.scale.conftest import fault, mlwa, template, write_doc

AS_OF = dt.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLWA_ESTATE", str(tmp_path / "estate"))
    monkeypatch.setenv("MLWA_HISTORY", str(tmp_path / "history"))


@pytest.fixture
def before_after(tmp_path: Path) -> tuple[Path, Path]:
    """The fraud-detection example with unencrypted stores and no autoscaling, then fixed."""
    before = fault(fault(template(), "store-unencrypted"), "endpoint-no-autoscaling")
    return (write_doc(tmp_path / "before", before, "fraud"),
            write_doc(tmp_path / "after", template(), "fraud"))


def validate(path: Path) -> object:
    return validate_paths([path], engine="fast", as_of=AS_OF)


def test_record_writes_one_json_document(before_after: tuple[Path, Path], tmp_path: Path) -> None:
    report = validate(before_after[0])
    run_id = record_run(report, milestone="q4-review")  # type: ignore[arg-type]
    runs = tmp_path / "history" / "runs"
    assert [p.name for p in runs.iterdir()] == [f"{run_id}.json"]  # no temp file left
    doc = json.loads((runs / f"{run_id}.json").read_text(encoding="utf-8"))
    assert len(run_id) == 12 and int(run_id, 16) >= 0
    assert doc["milestone"] == "q4-review" and doc["engine"] == "fast"
    assert doc["lensEdition"] == "2025" and doc["packs"]
    assert doc["workloads"][0]["contentHash"] == report.workloads[0].content_hash  # type: ignore[attr-defined]
    assert len(doc["findings"]) == len(report.findings)  # type: ignore[attr-defined]
    assert load_run("q4-review")["id"] == run_id
    assert load_run(run_id[:6])["id"] == run_id
    assert load_run("latest")["id"] == run_id
    with pytest.raises(InputError, match="already names"):
        record_run(report, milestone="q4-review")  # type: ignore[arg-type]
    with pytest.raises(InputError):
        record_run(report, milestone="../escape")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="no run"):
        load_run("nothing-like-this")


def test_atomic_write_leaves_nothing_half_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "d" / "run.json"
    atomic_write(target, b"old")

    def boom(src: str, dst: str) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in target.parent.iterdir()) == ["run.json"]


def test_diff_before_and_after_a_fix_lists_exactly_the_fixed_findings(
        before_after: tuple[Path, Path]) -> None:
    rep_a, rep_b = validate(before_after[0]), validate(before_after[1])
    a, b = record_run(rep_a), record_run(rep_b)  # type: ignore[arg-type]
    d = diff_runs(load_run(a), load_run(b))
    keys_a = {f.key() for f in rep_a.findings}  # type: ignore[attr-defined]
    keys_b = {f.key() for f in rep_b.findings}  # type: ignore[attr-defined]
    fixed = {(f["workload"], f["policy"], f["focusLabel"], f["path"], f["value"], f["component"],
              f["message"]) for f in d.fixed}
    assert fixed == keys_a - keys_b
    assert {f["policy"] for f in d.fixed} >= {"WA-SEC-001"}
    assert d.new == [] and len(d.unchanged) == len(keys_a & keys_b)
    assert any(c["trend"] == "better" for c in d.question_changes)
    assert all(c["before"] != c["after"] for c in d.question_changes)
    text = render_diff(d, "text")
    assert f"{len(fixed)} fixed" in text and "WA-SEC-001" in text
    md = render_diff(d, "markdown")
    assert "### Fixed findings" in md and "| workload | policy |" in md
    data = json.loads(render_diff(d, "json"))["data"]
    assert data["summary"]["fixed"] == len(fixed) and data["summary"]["new"] == 0
    # and the other way round the fixed findings are new
    back = diff_runs(load_run(b), load_run(a))
    assert len(back.new) == len(fixed) and back.fixed == []


def test_baseline_new_only(before_after: tuple[Path, Path], tmp_path: Path) -> None:
    rep_before = validate(before_after[0])
    base = record_run(rep_before)  # type: ignore[arg-type]
    again = apply_baseline(validate(before_after[0]), base, new_only=True)  # type: ignore[arg-type]
    assert isinstance(again, BaselinedReport)
    assert again.findings and again.new_findings == []
    assert not again.fails("low") and again.worst() is None
    assert any("also in the baseline" in n for n in again.notes)
    # without --new-only the baseline only annotates
    plain = apply_baseline(validate(before_after[0]), base)  # type: ignore[arg-type]
    assert plain.fails("high")
    # a baseline with fewer findings: the extra ones are new and fail
    clean_base = record_run(validate(before_after[1]))  # type: ignore[arg-type]
    worse = apply_baseline(validate(before_after[0]), clean_base, new_only=True)  # type: ignore[arg-type]
    assert worse.fails("high")
    assert {f.policy for f in worse.new_findings} >= {"WA-SEC-001"}
    # a JSON report file works as a baseline too
    report_file = tmp_path / "baseline.json"
    report_file.write_text(json.dumps(rep_before.to_json()), encoding="utf-8")  # type: ignore[attr-defined]
    from_file = apply_baseline(validate(before_after[0]), str(report_file), new_only=True)  # type: ignore[arg-type]
    assert not from_file.fails("low")


def test_list_filters_by_workload(before_after: tuple[Path, Path], tmp_path: Path) -> None:
    other = template("churn-batch")
    p = write_doc(tmp_path / "other", other)
    r1 = record_run(validate(before_after[0]))  # type: ignore[arg-type]
    r2 = record_run(validate(p))  # type: ignore[arg-type]
    assert [r["id"] for r in list_runs()] == [r2, r1]
    assert [r["id"] for r in list_runs(workload="fraud-detection")] == [r1]


def test_cli_record_baseline_history_and_diff(before_after: tuple[Path, Path], tmp_path: Path) -> None:
    env = {"MLWA_ESTATE": str(tmp_path / "estate"), "MLWA_HISTORY": str(tmp_path / "history")}
    before, after = before_after
    r = mlwa("validate", str(before), "--engine", "fast", "--milestone", "before", env=env)
    assert r.returncode == 1, r.stderr
    r = mlwa("validate", str(before), "--engine", "fast", "--baseline", "before", "--new-only",
             env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    r = mlwa("validate", str(after), "--engine", "fast", "--record", "--fail-on", "none", env=env)
    assert r.returncode == 0, r.stderr
    r = mlwa("history", "list", "--format", "json", env=env)
    runs = json.loads(r.stdout)["data"]
    assert len(runs) == 2 and runs[1]["milestone"] == "before"
    r = mlwa("history", "show", "before", env=env)
    assert r.returncode == 0 and "milestone before" in r.stdout and "WA-SEC-001" in r.stdout
    r = mlwa("diff", "before", "latest", "--format", "json", env=env)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)["data"]
    assert data["summary"]["new"] == 0 and data["summary"]["fixed"] > 0
    r = mlwa("history", "show", "no-such-run", env=env)
    assert r.returncode == 2
    # the estate holds both runs
    q = mlwa("query", "SELECT (COUNT(?r) AS ?n) WHERE { ?r a mlwa:Run }", "--format", "csv", env=env)
    assert q.stdout.splitlines() == ["n", "2"], q.stderr


def test_portfolio_record_and_milestone(before_after: tuple[Path, Path]) -> None:
    from engine.estate.portfolio import PortfolioOptions, run_portfolio

    # Two workloads with ids of their own: two files that share one are refused for --record
    # (issue #24; tests/scale/test_estate_identity.py), as before_after's two files would be.
    other = before_after[1].with_name("fraud-2.yaml")
    other.write_text(before_after[1].read_text(encoding="utf-8").replace(
        "id: fraud-detection", "id: fraud-detection-2", 1), encoding="utf-8")
    before_after[1].unlink()
    res = run_portfolio([str(before_after[0]), str(other)],
                        PortfolioOptions(engine="fast", as_of="2026-11-30"),
                        workers=1, record=True, milestone="estate-q4", use_store=True)
    doc = load_run("estate-q4")
    assert doc["id"] == res.run_id and len(doc["workloads"]) == 2
    assert len(doc["findings"]) == sum(s.high + s.medium + s.low for s in res.summaries)
    assert res.reports is None  # the spool was only for the run document
    from engine.estate.store import run_query

    ids = run_query("SELECT ?m WHERE { ?r a mlwa:Run ; mlwa:milestone ?m }").plain_rows()
    assert ids == [["estate-q4"]]
    with pytest.raises(InputError, match="already names"):  # refused before any work
        run_portfolio([str(before_after[0])], PortfolioOptions(engine="fast"), milestone="estate-q4")


# ------------------------------------------------------------------ failed runs, one run identity

def test_a_validation_that_failed_on_input_is_not_recorded(tmp_path: Path) -> None:
    good = write_doc(tmp_path / "good", template(), "fraud")
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n", encoding="utf-8")
    ok = mlwa("validate", str(good), "--engine", "fast", "--as-of", "2026-11-30",
              "--milestone", "after", "--fail-on", "none")
    assert ok.returncode == 0, ok.stderr
    failed = mlwa("validate", str(bad), "--milestone", "after2")
    assert failed.returncode == 2
    assert "not recorded in the history: 1 input error" in failed.stdout
    assert [r["milestone"] for r in list_runs()] == ["after"]  # after2 is still free
    with pytest.raises(InputError, match="not recorded"):
        record_run(validate_paths([bad], engine="fast", as_of=AS_OF, keep_going=True))  # type: ignore[arg-type]


def test_diff_refuses_a_run_that_validated_nothing(before_after: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    """A failed run written by an earlier version is never compared (it made every finding
    of the other run look fixed)."""
    a = load_run(record_run(validate(before_after[0])))  # type: ignore[arg-type]
    failed = {**a, "id": "f00dfeed0001", "workloads": [], "findings": [],
              "errors": ["bad.yaml:1: not YAML"]}
    with pytest.raises(InputError, match="validated no workload"):
        diff_runs(a, failed)


def test_a_portfolio_run_id_is_accepted_by_diff_and_history(tmp_path: Path) -> None:
    folder = tmp_path / "estate-run"
    write_doc(folder, fault(template(), "store-unencrypted"), "fraud")
    first = mlwa("portfolio", str(folder), "--format", "json", "--as-of", "2026-11-30",
                 "--workers", "1")
    assert first.returncode in (0, 1), first.stderr
    run_a = json.loads(first.stdout)["data"]["runId"]
    write_doc(folder, template(), "fraud")
    second = mlwa("portfolio", str(folder), "--format", "json", "--as-of", "2026-11-30",
                  "--workers", "1")
    run_b = json.loads(second.stdout)["data"]["runId"]
    assert not list_runs()  # neither was recorded in the history folder
    shown = mlwa("history", "show", run_a, "--format", "json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["id"] == run_a
    diff = mlwa("diff", run_a, run_b, "--format", "json")
    assert diff.returncode == 0, diff.stderr
    data = json.loads(diff.stdout)["data"]
    assert data["summary"]["fixed"] >= 1 and data["summary"]["new"] == 0
    assert {f["policy"] for f in data["fixed"]} >= {"WA-SEC-001"}
    assert all(f["focusLabel"] and f["component"] for f in data["fixed"])
