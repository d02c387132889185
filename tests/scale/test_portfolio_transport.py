"""What a portfolio worker sends back: summaries always, reports and N-Triples only when asked.

The parent shares the cores with the workers, so it must not unpickle reports it does not
read, nor pickle again the reports it spools."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import engine.estate.portfolio as P
from engine.estate.portfolio import (
    ChunkResult,
    PortfolioOptions,
    ReportSpool,
    Ship,
    run_portfolio,
    summarise,
    validate_chunk,
)
from engine.validate.report import WorkloadReport

OPTIONS = PortfolioOptions(engine="fast", as_of="2026-11-30")


def workload_files(folder: Path, n: int | None = None) -> list[str]:
    return [str(p) for p in sorted(folder.glob("wl-*.yaml"))[:n]]


def direct_reports(files: list[str]) -> list[WorkloadReport]:
    """The same files validated without the portfolio runner."""
    from engine.policies.catalog import builtin_catalog
    from engine.validate.validator import Validator
    from engine.workload import load_workload

    when = dt.date.fromisoformat(OPTIONS.as_of)
    validator = Validator(builtin_catalog().select(codes=[]), engine=OPTIONS.engine,
                          edition=OPTIONS.edition, as_of=when)
    return validator.validate_many([load_workload(Path(f), as_of=when) for f in files])


def report(name: str) -> WorkloadReport:
    return WorkloadReport(name, name.upper(), f"{name}.yaml", "h-" + name, [], {}, {})


@pytest.fixture
def chunks(monkeypatch: pytest.MonkeyPatch) -> list[ChunkResult]:
    """Every ChunkResult the parent receives from the process pool."""
    seen: list[ChunkResult] = []
    pool = P.run_pool

    def recording(*args: Any, **kwargs: Any) -> Iterator[ChunkResult]:
        for res in pool(*args, **kwargs):
            seen.append(res)
            yield res

    monkeypatch.setattr(P, "run_pool", recording)
    return seen


def test_add_bytes_spools_what_it_is_given_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    pickled = {name: pickle.dumps(report(name), protocol=pickle.HIGHEST_PROTOCOL)
               for name in ("a1", "a2", "b")}
    spool = ReportSpool()
    try:
        with monkeypatch.context() as m:  # the bytes go to the file as they are
            m.setattr(P.pickle, "dumps", lambda *a, **k: pytest.fail("add_bytes pickled again"))
            spool.add_bytes((1, 0), pickled["b"])
            spool.add_bytes((0, 1), pickled["a2"])
        spool.add((0, 0), report("a1"))  # add() still takes a report, and mixes with bytes
        assert [w.workload for w in spool] == ["a1", "a2", "b"]
        assert spool[1] == report("a2") and spool[-1] == report("b") and len(spool) == 3
        spool._fh.seek(0)
        assert spool._fh.read() == pickled["b"] + pickled["a2"] + pickled["a1"]
    finally:
        spool.close()


@pytest.mark.parametrize("workers", [1, 2])
def test_kept_reports_equal_validating_the_files_directly(small_portfolio: Path,
                                                          workers: int) -> None:
    files = workload_files(small_portfolio)
    res = run_portfolio(files, OPTIONS, workers=workers, chunk_size=3, keep_reports=True)
    try:
        kept = list(res.report().workloads)
        direct = direct_reports(files)
        assert [w.workload for w in kept] == [f"wl-{i:06d}" for i in range(10)]
        # every field, findings included and in the same order, whatever process made them
        assert kept == direct
        assert [w.to_json() for w in kept] == [w.to_json() for w in direct]
        assert res.summaries == [summarise(w) for w in direct]  # in input order
        assert res.policy_counts == Counter(f.policy for w in direct for f in w.findings
                                            if f.waived_by is None)
        assert sum(res.policy_counts.values()) > 10
    finally:
        res.close()


def test_plain_run_ships_no_reports(small_portfolio: Path, chunks: list[ChunkResult]) -> None:
    res = run_portfolio([small_portfolio], OPTIONS, workers=2, chunk_size=3)
    assert len(chunks) > 1 and len(res.summaries) == 10 and res.reports is None
    for chunk in chunks:
        assert chunk.reports is None and chunk.results is None and chunk.graphs == {}
        # what crossed the process boundary: no report or finding objects at all
        data = pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)
        assert b"WorkloadReport" not in data and b"Finding" not in data
    # tallied without reports (Validator.tally_many), yet what the reports would say
    direct = direct_reports(workload_files(small_portfolio))
    assert res.summaries == [summarise(w) for w in direct]
    assert res.policy_counts == Counter(f.policy for w in direct for f in w.findings
                                        if f.waived_by is None)


def test_spooling_run_ships_pickled_reports_and_never_pickles_again(
        small_portfolio: Path, chunks: list[ChunkResult], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ReportSpool, "add", lambda *a: pytest.fail("the parent pickled a report"))
    res = run_portfolio([small_portfolio], OPTIONS, workers=2, chunk_size=3, keep_reports=True)
    try:
        assert chunks and all(isinstance(c.reports, list) and len(c.reports) == len(c.summaries)
                              and all(isinstance(b, bytes) for b in c.reports) for c in chunks)
        # summaries come in the order chunks finish, the spool gives input order
        assert [summarise(w) for w in res.report().workloads] == \
            sorted(res.summaries, key=lambda s: s.workload)
    finally:
        res.close()


def test_worker_summaries_and_counts_match_the_reports(small_portfolio: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.validate.validator import Validator

    validate_many = Validator.validate_many

    def waive_every_other(self: Validator, workloads: Any) -> list[WorkloadReport]:
        reports = validate_many(self, workloads)
        for w in reports:
            w.findings = [dataclasses.replace(f, waived_by="W-1") if i % 2 else f
                          for i, f in enumerate(w.findings)]
        return reports

    monkeypatch.setattr(Validator, "validate_many", waive_every_other)
    res = validate_chunk(OPTIONS, 0, workload_files(small_portfolio, 5), Ship.REPORTS)
    assert res.reports is not None
    reports = [pickle.loads(b) for b in res.reports]
    assert len(reports) == 5
    assert res.summaries == [summarise(w) for w in reports]
    assert res.policy_counts == Counter(f.policy for w in reports for f in w.findings
                                        if f.waived_by is None)
    assert all(s.waived > 0 for s in res.summaries)  # the waived findings were left out


def test_results_need_the_run_id(small_portfolio: Path) -> None:
    with pytest.raises(ValueError, match="run id"):
        validate_chunk(OPTIONS, 0, workload_files(small_portfolio, 1), Ship.RESULTS)


@pytest.mark.parametrize(("workers", "keep_reports"), [(1, False), (2, True)])
def test_estate_holds_the_run_as_rendered_from_the_reports(small_portfolio: Path, tmp_path: Path,
                                                           workers: int, keep_reports: bool) -> None:
    import pyoxigraph as ox

    from engine.estate.store import result_ntriples, run_graph_iri, run_iri

    files = workload_files(small_portfolio)
    store = tmp_path / "estate"
    res = run_portfolio(files, OPTIONS, workers=workers, chunk_size=3, use_store=True,
                        store=store, keep_reports=keep_reports)
    assert res.run_id is not None
    # the finding IRIs number each workload's findings in report order, which is the same in
    # every process
    reports = direct_reports(files)
    if keep_reports:
        assert list(res.report().workloads) == reports
    res.close()
    want = {q.triple for q in ox.parse(result_ntriples(res.run_id, reports),
                                       format=ox.RdfFormat.N_TRIPLES)}
    db = ox.Store.read_only(str(store))
    got = {q.triple for q in db.quads_for_pattern(None, None, None,
                                                  ox.NamedNode(run_graph_iri(res.run_id)))}
    header = {t for t in got if t.subject == ox.NamedNode(run_iri(res.run_id))}
    assert header and got - header == want
    assert len(want) > 100


def test_young_collections_rarer_while_a_chunk_is_validated_then_as_they_were(
        small_portfolio: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from engine.estate.portfolio import GC_YOUNG
    from engine.validate.validator import Validator

    tally_many = Validator.tally_many
    during: list[tuple[int, ...]] = []

    def recording(self: Validator, workloads: Any) -> list[Any]:
        during.append(gc.get_threshold())
        return tally_many(self, workloads)

    monkeypatch.setattr(Validator, "tally_many", recording)
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        validate_chunk(OPTIONS, 0, workload_files(small_portfolio, 1))
        assert during == [(GC_YOUNG, 10, 10)] and gc.get_threshold() == (700, 10, 10)
        assert gc.isenabled()  # never switched off: the reference engine leaves cycles
    finally:
        gc.set_threshold(*before)


def test_a_pool_run_prints_and_writes_what_an_inline_run_does(small_portfolio: Path) -> None:
    """Chunks of one file on two workers finish in any order; summaries, input errors, the
    text summary and the JSON come out in input order all the same."""
    from engine.estate.portfolio import render_summary, summary_json

    inline = run_portfolio([small_portfolio], OPTIONS, workers=1)
    want_json = {**summary_json(inline), "runId": None}
    want_text = render_summary(inline)
    assert inline.errors and inline.summaries
    for _ in range(3):
        pooled = run_portfolio([small_portfolio], OPTIONS, workers=2, chunk_size=1)
        assert pooled.summaries == inline.summaries
        assert pooled.errors == inline.errors
        assert {**summary_json(pooled), "runId": None} == want_json
        assert list(summary_json(pooled)["policies_violated"]) == list(want_json["policies_violated"])
        assert render_summary(pooled) == want_text


def test_most_violated_breaks_ties_by_policy_code() -> None:
    res = P.PortfolioResult([], [], [], "fast", "2025", "2026-11-30", {}, 0, 0)
    res.policy_counts.update({"WA-SEC-002": 3, "WA-OPS-001": 5, "WA-COST-001": 3})
    assert res.most_violated() == [("WA-OPS-001", 5), ("WA-COST-001", 3), ("WA-SEC-002", 3)]
    assert res.most_violated(1) == [("WA-OPS-001", 5)]
    assert list(P.summary_json(res)["policies_violated"]) == ["WA-OPS-001", "WA-COST-001",
                                                              "WA-SEC-002"]
