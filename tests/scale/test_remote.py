"""--store URL: the same estate on a SPARQL 1.1 endpoint (the oxigraph server, on 127.0.0.1)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.estate.store import RemoteEstate, run_query, source_key, workload_graph_iri
from tests.conftest import require
from tests.scale.conftest import mlwa
from tests.scale.test_queries import doc_queries


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    exe = shutil.which("oxigraph")
    require(exe is not None, "the oxigraph server (pip install oxigraph) is not installed")
    assert exe is not None
    port = free_port()
    location = tmp_path_factory.mktemp("oxigraph")
    proc = subprocess.Popen([exe, "serve", "--location", str(location), "--bind",
                             f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(url + "/query?query=ASK%7B%7D", timeout=1):
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the oxigraph server did not start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_portfolio_and_queries_on_a_sparql_endpoint(server: str, small_portfolio: Path) -> None:
    r = mlwa("portfolio", str(small_portfolio / "wl-00000[0-3].yaml"), "--engine", "fast",
             "--store", server, "--fail-on", "none", "--workers", "1")
    assert r.returncode == 0, r.stderr
    assert f"in the estate ({server})" in r.stdout
    est = RemoteEstate(server)
    from engine.workload import load_workload

    wl = load_workload(small_portfolio / "wl-000000.yaml")
    key = source_key(str(small_portfolio / "wl-000000.yaml"))  # id and file (issue #24)
    assert est.has_graph(workload_graph_iri(wl.id, wl.content_hash, key))
    res = run_query("SELECT (COUNT(DISTINCT ?w) AS ?n) WHERE { ?r a mlwa:WorkloadResult ; mlwa:workload ?w }",
                    store=server)
    assert res.plain_rows() == [["4"]]
    top = run_query(doc_queries()["top-policies"], store=server)
    assert top.rows and all(int(r[1] or 0) >= 1 for r in top.plain_rows())
    q = mlwa("query", "SELECT ?id WHERE { ?r a mlwa:Run ; mlwa:runId ?id }", "--store", server,
             "--format", "csv")
    assert q.returncode == 0 and len(q.stdout.splitlines()) == 2, q.stderr


def test_refusals_reach_no_endpoint(server: str) -> None:
    r = mlwa("query", "CLEAR ALL", "--store", server)
    assert r.returncode == 2 and "refused" in r.stderr
    res = run_query("ASK { ?s ?p ?o }", store=server)
    assert res.boolean is True  # CLEAR ALL never ran


def test_unreachable_endpoint_is_an_input_error() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(InputError, match="cannot reach"):
        RemoteEstate(f"http://127.0.0.1:{port}").query("ASK {}")
