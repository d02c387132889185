"""Two files that give the same workload id stay two workloads in the estate (issue #24)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.estate import store as E
from engine.estate.portfolio import WorkloadSummary, run_portfolio, shared_ids
from tests.scale.conftest import mlwa
from tests.scale.test_queries import doc_queries


def shared_id_portfolio(root: Path) -> Path:
    """team-a/model.yaml and team-b/model.yaml, both ``id: fraud-model``, each with its own
    endpoint; and a third workload with an id that starts like theirs."""
    for team, endpoint, kind in (("team-a", "scoring-a", "real-time"),
                                 ("team-b", "scoring-b", "serverless")):
        (root / team).mkdir(parents=True, exist_ok=True)
        (root / team / "model.yaml").write_text(
            f"id: fraud-model\nname: Fraud model of {team}\nlifecycle_stage: production\n"
            f"owner:\n  team: {team}\nendpoints:\n  - name: {endpoint}\n    type: {kind}\n",
            encoding="utf-8")
    (root / "fraud-model-2.yaml").write_text(
        "id: fraud-model-2\nname: Another\nlifecycle_stage: pilot\nendpoints:\n"
        "  - name: scoring-2\n    type: asynchronous\n", encoding="utf-8")
    return root


def _query(text: str, store: Path) -> list[list[str]]:
    r = mlwa("query", text, "--store", str(store), "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    names = data["head"]["vars"]
    return [[b.get(n, {}).get("value", "") for n in names] for b in data["results"]["bindings"]]


def test_query_gives_each_file_its_own_endpoints_and_reruns_line_up(tmp_path: Path) -> None:
    root = shared_id_portfolio(tmp_path / "estate-files")
    store = tmp_path / "store"
    for _ in range(2):  # the same files twice: the same workloads, not new ones
        r = mlwa("portfolio", str(root), "--root", str(root), "--store", str(store),
                 "--fail-on", "none", "--workers", "1")
        assert r.returncode == 0, r.stderr
    rows = _query(doc_queries()["endpoints"], store)
    assert rows == [["fraud-model", "team-a/model.yaml", "scoring-a", "real-time"],
                    ["fraud-model", "team-b/model.yaml", "scoring-b", "serverless"],
                    ["fraud-model-2", "fraud-model-2.yaml", "scoring-2", "asynchronous"]]
    # one result per workload and run: 3 workloads, 2 runs; findings point into each file's nodes
    rows = _query("SELECT ?w (COUNT(?r) AS ?runs) WHERE { ?r a mlwa:WorkloadResult ; "
                  "mlwa:workload ?w } GROUP BY ?w ORDER BY ?w", store)
    assert sorted(rows) == sorted([[E.workload_root_iri("fraud-model", "team-a/model.yaml"), "2"],
                                   [E.workload_root_iri("fraud-model", "team-b/model.yaml"), "2"],
                                   [E.workload_root_iri("fraud-model-2", "fraud-model-2.yaml"), "2"]])
    rows = _query("SELECT DISTINCT ?w ?focus WHERE { ?f a mlwa:Finding ; mlwa:workload ?w ; "
                  "mlwa:focus ?focus }", store)
    assert rows and all(focus == w or focus.startswith(w + "/") for w, focus in rows)
    # no node is left under the file's own IRIs, which would merge the two
    rows = _query('SELECT ?s WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?s), '
                  '"urn:mlwa:workload:fraud-model/") || STR(?s) = "urn:mlwa:workload:fraud-model") }',
                  store)
    assert rows == []


def test_summary_lists_both_and_full_reports_refuse_in_one_line(tmp_path: Path) -> None:
    root = shared_id_portfolio(tmp_path / "p")
    r = mlwa("portfolio", str(root), "--no-store", "--format", "json", "--fail-on", "none",
             "--workers", "1")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)["data"]["workloads"]
    assert sorted((w["workload"], Path(w["file"]).relative_to(root).as_posix()) for w in rows) == [
        ("fraud-model", "team-a/model.yaml"), ("fraud-model", "team-b/model.yaml"),
        ("fraud-model-2", "fraud-model-2.yaml")]
    a, b = root / "team-a" / "model.yaml", root / "team-b" / "model.yaml"
    for extra in (["--format", "sarif"], ["--format", "html"], ["--record"]):
        r = mlwa("portfolio", str(root), "--no-store", "--fail-on", "none", "--workers", "1",
                 *extra)
        assert r.returncode == 2, (extra, r.stderr)
        assert r.stdout == ""
        assert r.stderr.splitlines() == [
            f"mlwa: workload id 'fraud-model' is given by two files, {a} and {b}; a report and "
            "the history name workloads by id: give one of them another id, or use --format "
            "text or json without --record"]
    assert not (tmp_path / "history").exists()  # nothing recorded


def test_source_key_and_renaming(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert E.source_key("team-a/w.yaml") == "team-a/w.yaml"
    assert E.source_key(str(tmp_path / "team-a" / "w.yaml")) == "team-a/w.yaml"
    assert E.source_key("/elsewhere/w.yaml") == "/elsewhere/w.yaml"
    assert E.source_key("w.yaml", root=tmp_path / "sub") == str((tmp_path / "w.yaml").as_posix())
    assert E.source_key(None) is None
    rename = E.estate_renamer("fraud", "a/w@1.yaml")
    assert rename("urn:mlwa:workload:fraud") == "urn:mlwa:workload:fraud@a%2Fw%401.yaml"
    assert rename("urn:mlwa:workload:fraud/endpoints/x") == \
        "urn:mlwa:workload:fraud@a%2Fw%401.yaml/endpoints/x"
    for other in ("urn:mlwa:workload:fraud-detection/endpoints/x", "https://example.org/fraud",
                  "urn:mlwa:workload:fraudx"):
        assert rename(other) == other
    assert E.estate_renamer("fraud", None)("urn:mlwa:workload:fraud") == "urn:mlwa:workload:fraud"
    # the graph and the results of two files never share an IRI
    assert E.workload_graph_iri("x", "00", "a/w.yaml") != E.workload_graph_iri("x", "00", "b/w.yaml")


def test_shared_ids_names_both_files_and_counts_the_rest() -> None:
    def s(wid: str, file: str) -> WorkloadSummary:
        return WorkloadSummary(wid, wid, file, 0, 0, 0, 0, ())

    assert shared_ids([s("a", "1.yaml"), s("b", "2.yaml")]) is None
    line = shared_ids([s("a", "1.yaml"), s("b", "2.yaml"), s("a", "3.yaml"), s("a", "4.yaml"),
                       s("b", "5.yaml")])
    assert line is not None and "\n" not in line
    assert line.startswith("workload id 'a' is given by two files, 1.yaml and 3.yaml and 1 more;")
    assert line.endswith("(1 more id is shared)")


def test_record_through_the_api_refuses_too(tmp_path: Path) -> None:
    from engine.errors import InputError

    root = shared_id_portfolio(tmp_path / "p")
    with pytest.raises(InputError, match="is given by two files"):
        run_portfolio([str(root)], workers=1, record=True)


def test_validate_record_refuses_two_files_sharing_an_id(tmp_path: Path) -> None:
    root = shared_id_portfolio(tmp_path / "p")
    a, b = root / "team-a" / "model.yaml", root / "team-b" / "model.yaml"
    r = mlwa("validate", str(a), str(b), "--record", "--fail-on", "none")
    assert r.returncode == 2
    assert r.stderr.splitlines() == [
        f"mlwa: workload id 'fraud-model' is given by two files, {a} and {b}; a report and the "
        "history name workloads by id: give one of them another id"]
    assert not (tmp_path / "history").exists() and not (tmp_path / "estate").exists()
