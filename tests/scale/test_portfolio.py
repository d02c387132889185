"""mlwa portfolio: inputs, chunks, the process pool, input errors, formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.estate.portfolio import PortfolioOptions, ReportSpool, expand_inputs, run_portfolio
from engine.validate.validator import validate_paths
from tests.scale.conftest import mlwa

OPTIONS = PortfolioOptions(engine="fast", as_of="2026-11-30")


def keys(result: object) -> list[tuple[object, ...]]:
    report = result.report()  # type: ignore[attr-defined]
    return sorted(f.key() for f in report.findings)


def test_expand_inputs_folders_globs_files_and_missing(small_portfolio: Path) -> None:
    files, errors = expand_inputs([small_portfolio, str(small_portfolio / "wl-00000*.yaml"),
                                   str(small_portfolio / "wl-000001.yaml"),
                                   str(small_portfolio / "nope.yaml"), str(small_portfolio / "*.ttl")])
    assert len(files) == 11  # 10 workloads + the broken file, each once
    assert files == sorted(files)
    assert errors == [f"{small_portfolio / 'nope.yaml'}: no such file or folder",
                      f"{small_portfolio / '*.ttl'}: the pattern matches no file"]


def test_chunks_cover_every_file_once_in_order_and_shrink_at_the_end() -> None:
    from engine.estate.portfolio import TAIL_CHUNK, _jobs

    files = [f"wl-{i:05d}.yaml" for i in range(10_000)]
    jobs = list(_jobs(files, 200, 2))
    assert [i for i, _ in jobs] == list(range(len(jobs)))
    assert [f for _, chunk in jobs for f in chunk] == files
    sizes = [len(chunk) for _, chunk in jobs]
    assert sizes[0] == 200 and max(sizes) == 200
    assert sizes == sorted(sizes, reverse=True)  # never grows again
    assert sizes[-2] == TAIL_CHUNK and sizes[-1] <= TAIL_CHUNK  # the tail is small
    assert sizes.count(200) >= 40  # most of the work still in full chunks
    # one process, or chunks smaller than the tail size: cut as asked
    assert [len(c) for _, c in _jobs(files[:450], 200, 1)] == [200, 200, 50]
    assert {len(c) for _, c in _jobs(files[:30], 3, 2)} == {3}


def test_pool_equals_in_process_and_input_errors_do_not_stop(small_portfolio: Path) -> None:
    inline = run_portfolio([small_portfolio], OPTIONS, workers=1, keep_reports=True)
    pooled = run_portfolio([small_portfolio], OPTIONS, workers=2, chunk_size=3, keep_reports=True)
    try:
        assert len(inline.summaries) == len(pooled.summaries) == 10
        assert inline.worst_first() == pooled.worst_first()
        assert keys(inline) == keys(pooled)
        assert len(keys(inline)) > 10  # the injected faults were found
        for res in (inline, pooled):
            assert len(res.errors) == 1 and res.errors[0].startswith(str(small_portfolio / "zz-broken.yaml"))
            assert res.bugs == []
        # the spool gives the reports back in input order
        assert [w.workload for w in pooled.report().workloads] == [f"wl-{i:06d}" for i in range(10)]
    finally:
        inline.close()
        pooled.close()


def test_same_findings_as_mlwa_validate(small_portfolio: Path) -> None:
    files = sorted(str(p) for p in small_portfolio.glob("wl-*.yaml"))[:4]
    res = run_portfolio(files, OPTIONS, workers=1, keep_reports=True)
    try:
        direct = validate_paths(files, engine="fast", as_of=__import__("datetime").date(2026, 11, 30))
        assert keys(res) == sorted(f.key() for f in direct.findings)
        assert [w.to_json() for w in res.report().workloads] == [w.to_json() for w in direct.workloads]
    finally:
        res.close()


def test_worst_first_orders_by_high_findings(small_portfolio: Path) -> None:
    res = run_portfolio([small_portfolio], OPTIONS, workers=1)
    highs = [s.high for s in res.worst_first()]
    assert highs == sorted(highs, reverse=True)
    assert res.reports is None  # nothing spooled for the summary alone


def test_spool_is_a_sequence() -> None:
    from engine.validate.report import WorkloadReport

    spool = ReportSpool()
    try:
        for order, name in (((1, 0), "b"), ((0, 1), "a2"), ((0, 0), "a1")):
            spool.add(order, WorkloadReport(name, name, None, "h", [], {}, {}))
        assert [w.workload for w in spool] == ["a1", "a2", "b"]
        assert spool[-1].workload == "b" and len(spool) == 3
        assert [w.workload for w in spool[0:2]] == ["a1", "a2"]
        with pytest.raises(IndexError):
            spool[3]
    finally:
        spool.close()


def test_cli_exit_codes_and_strict(small_portfolio: Path) -> None:
    r = mlwa("portfolio", str(small_portfolio), "--engine", "fast", "--no-store", "--workers", "1")
    assert r.returncode == 1, r.stderr
    assert "Workloads, worst first" in r.stdout and "zz-broken.yaml" in r.stdout
    r = mlwa("portfolio", str(small_portfolio), "--engine", "fast", "--no-store", "--workers", "1",
             "--fail-on", "none")
    assert r.returncode == 0, r.stderr
    r = mlwa("portfolio", str(small_portfolio), "--engine", "fast", "--no-store", "--workers", "1",
             "--fail-on", "none", "--strict")
    assert r.returncode == 2, r.stderr


def test_cli_json_summary_and_sarif(small_portfolio: Path, tmp_path: Path) -> None:
    r = mlwa("portfolio", str(small_portfolio / "wl-*.yaml"), "--engine", "fast", "--no-store",
             "--format", "json", "--fail-on", "none", "--workers", "1", "--progress")
    assert r.returncode == 0, r.stderr
    assert "validating" in r.stderr and "10/10" in r.stderr  # the progress bar, on stderr only
    data = json.loads(r.stdout)
    assert data["schema"] == "mlwa/portfolio"
    rows = data["data"]["workloads"]
    assert len(rows) == 10 and data["data"]["errors"] == []
    assert [w["findings"]["high"] for w in rows] == sorted((w["findings"]["high"] for w in rows), reverse=True)
    out = tmp_path / "p.sarif"
    r = mlwa("portfolio", str(small_portfolio / "wl-00000[0-2].yaml"), "--engine", "fast",
             "--no-store", "--format", "sarif", "--output", str(out), "--fail-on", "none")
    assert r.returncode == 0, r.stderr
    sarif = json.loads(out.read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    assert results and {Path(x["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]).name
                        for x in results} <= {"wl-000000.yaml", "wl-000001.yaml", "wl-000002.yaml"}


def test_cli_writes_the_estate_and_refuses_store_and_no_store(small_portfolio: Path, tmp_path: Path) -> None:
    store = tmp_path / "my-estate"
    r = mlwa("portfolio", str(small_portfolio / "wl-00000[0-2].yaml"), "--engine", "fast",
             "--store", str(store), "--fail-on", "none")
    assert r.returncode == 0, r.stderr
    assert "stored as run" in r.stdout
    q = mlwa("query", "SELECT (COUNT(DISTINCT ?w) AS ?n) WHERE { ?r a mlwa:WorkloadResult ; mlwa:workload ?w }",
             "--store", str(store), "--format", "csv")
    assert q.returncode == 0, q.stderr
    assert q.stdout.splitlines() == ["n", "3"]
    r = mlwa("portfolio", str(small_portfolio), "--store", str(store), "--no-store")
    assert r.returncode == 2 and "exclude each other" in r.stderr


def test_each_worker_builds_its_validator_once(small_portfolio: Path) -> None:
    from engine.estate.portfolio import Ship, validate_chunk, worker_validator

    first = worker_validator(OPTIONS)
    files = [str(p) for p in sorted(small_portfolio.glob("wl-*.yaml"))[:2]]
    a = validate_chunk(OPTIONS, 0, files[:1])
    b = validate_chunk(OPTIONS, 1, files[1:], Ship.GRAPHS)
    assert worker_validator(OPTIONS)[0] is first[0]
    assert a.policies == b.policies == len(first[0].policies) and a.graphs == {}
    (iri, text), = b.graphs.items()
    from engine.estate.store import source_key, workload_key

    # a workload in the estate is its id and its file (changed deliberately, issue #24)
    assert iri.startswith(f"urn:mlwa:graph:workload:{workload_key('wl-000001', source_key(files[1]))}:")
    assert "@" in iri and text.count(" .\n") > 100


def test_folders_skip_files_that_are_not_workloads(tmp_path: Path) -> None:
    """examples/ holds a policy pack, a profile and a waivers file beside the workloads:
    each is skipped with a note, never reported as a broken workload."""
    import shutil

    from engine.estate.portfolio import classify_input

    repo = Path(__file__).resolve().parents[2]
    shutil.copytree(repo / "examples", tmp_path / "examples")
    notes: list[str] = []
    files, errors = expand_inputs([tmp_path / "examples"], notes)
    assert sorted(Path(f).name for f in files) == sorted(
        p.name for p in (repo / "examples").glob("*.yaml"))
    assert not errors
    assert any("acme-pack: a policy pack folder" in n for n in notes)
    assert any("prod-profile.yaml: a tailoring profile" in n for n in notes)
    assert any("waivers.yaml: a waivers file" in n for n in notes)
    gov = tmp_path / "examples" / "governance" / "acme-pack"
    assert classify_input(str(gov / "ACME-REL-001.cases.yaml")) == "a policy cases file"
    assert classify_input(str(gov / "ACME-REL-002.ttl")) == "SHACL shapes (a policy)"
    # a workload that happens to use a marker key is still a workload
    odd = tmp_path / "odd.yaml"
    odd.write_text("id: odd\nname: Odd\nwaivers: []\nendpoints: []\n", encoding="utf-8")
    assert classify_input(str(odd)) is None
    # a file named on its own is validated as given
    assert expand_inputs([tmp_path / "examples" / "governance" / "waivers.yaml"], [])[0]
    result = run_portfolio([tmp_path / "examples"], PortfolioOptions(engine="fast",
                                                                     as_of="2026-11-30"),
                           workers=1)
    assert not result.errors and len(result.summaries) == len(files)
    assert any("not a workload description" in n for n in result.notes)
