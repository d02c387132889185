"""Hostile input is refused cleanly: InputError (exit 2), quickly, in bounded memory, and
without a single network request (a recording HTTP server on 127.0.0.1 proves it)."""

from __future__ import annotations

import http.server
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from engine.errors import InputError
from engine.workload import load_workload
from tests.workload.hostile import CASES, OVERSIZE

REPO = Path(__file__).resolve().parents[2]


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        _Recorder.hits.append(self.path)
        body = b'{"@context": {"x": "urn:x#"}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/ld+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    _Recorder.hits.clear()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _materialise(data: bytes, url: str) -> bytes:
    return data.replace(b"{url}", url.encode())


def test_the_recording_server_works(server: str) -> None:
    import urllib.request

    with urllib.request.urlopen(server + "/probe", timeout=5) as resp:
        assert resp.status == 200
    assert "/probe" in _Recorder.hits
    _Recorder.hits.clear()


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_input_is_refused(case: str, server: str) -> None:
    filename, raw = CASES[case]
    data = _materialise(raw, server)
    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        load_workload(data, filename=filename)
    assert time.perf_counter() - start < 5
    lines = info.value.lines()
    assert lines and all(line.startswith(filename) for line in lines)
    assert all("\n" not in line and "Traceback" not in line for line in lines)
    assert _Recorder.hits == [], f"the loader made requests: {_Recorder.hits}"


def test_file_on_disk_is_refused_the_same_way(tmp_path: Path, server: str) -> None:
    filename, raw = CASES["jsonld-remote-context"]
    path = tmp_path / filename
    path.write_bytes(_materialise(raw, server))
    with pytest.raises(InputError, match="never fetches"):
        load_workload(path)
    assert _Recorder.hits == []


def test_size_cap_names_the_cap_and_how_to_raise_it(tmp_path: Path) -> None:
    filename, data = OVERSIZE
    path = tmp_path / filename
    path.write_bytes(data)
    with pytest.raises(InputError) as info:
        load_workload(path, max_bytes=10_000)
    msg = str(info.value)
    assert "10,000-byte limit" in msg and "--max-bytes" in msg and "max_bytes=" in msg
    with pytest.raises(InputError, match="10,000-byte"):
        load_workload(data, filename=filename, max_bytes=10_000)
    assert load_workload(path, max_bytes=len(data)).id == "x"


def test_a_directory_or_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not a regular file"):
        load_workload(tmp_path)
    with pytest.raises(InputError, match="no such file"):
        load_workload(tmp_path / "missing.yaml")


def _limit_memory() -> None:
    cap = 1024 * 1024 * 1024  # 1 GiB of address space for the child
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def test_cli_refuses_every_hostile_file_with_exit_2(tmp_path: Path, server: str) -> None:
    paths = []
    for case, (filename, raw) in sorted(CASES.items()):
        path = tmp_path / f"{case}{Path(filename).suffix}"
        path.write_bytes(_materialise(raw, server))
        paths.append(str(path))
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "engine", "workload", "check", *paths],
        capture_output=True, text=True, timeout=60, cwd=REPO, preexec_fn=_limit_memory,
        env={**os.environ, "NO_PROXY": "*"}, check=False,
    )
    elapsed = time.perf_counter() - start
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert all(ln.startswith("mlwa: ") for ln in lines), lines[:5]
    for path in paths:  # one clear line for every file
        assert any(ln.startswith(f"mlwa: {path}") for ln in lines), path
    assert elapsed < 30
    assert _Recorder.hits == []


def test_cli_size_cap_option(tmp_path: Path) -> None:
    filename, data = OVERSIZE
    path = tmp_path / filename
    path.write_bytes(data)
    small = subprocess.run([sys.executable, "-m", "engine", "workload", "check",
                            "--max-bytes", "1000", str(path)], capture_output=True, text=True,
                           timeout=60, cwd=REPO, check=False)
    assert small.returncode == 2 and "--max-bytes" in small.stderr
    big = subprocess.run([sys.executable, "-m", "engine", "workload", "check",
                          "--max-bytes", str(len(data)), str(path)], capture_output=True,
                         text=True, timeout=60, cwd=REPO, check=False)
    assert big.returncode == 0, big.stderr


def test_sparql_cannot_load_remote_graphs() -> None:
    import rdflib.plugins.sparql as sparql

    import engine.workload  # noqa: F401 - importing sets the switch

    assert sparql.SPARQL_LOAD_GRAPHS is False
