"""Hostile-input harness: run the CLI as a user would, with a wall-time bound, and a
127.0.0.1 listener that counts every connection made to it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO

ACME = REPO / "examples" / "governance" / "acme-pack"
BOUND_SECONDS = 90.0


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    seconds: float


def mlwa(*args: str, env: dict[str, str] | None = None,
         timeout: float = BOUND_SECONDS) -> Outcome:
    full = {**os.environ, **(env or {})}
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True,
                          text=True, cwd=REPO, check=False, timeout=timeout, env=full)
    return Outcome(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)


def assert_refused(out: Outcome, *needles: str) -> None:
    """Exit 2, one ``mlwa:`` line on stderr, no traceback, within the bound."""
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    assert out.code == 2, (out.code, out.stderr[-2000:])
    assert "Traceback" not in out.stderr
    assert len(lines) == 1 and lines[0].startswith("mlwa: "), out.stderr[-2000:]
    assert out.seconds < BOUND_SECONDS
    for needle in needles:
        assert needle in lines[0], lines[0]


class Listener:
    """Accepts on 127.0.0.1 and counts connections (answers each with an HTTP 200 and a
    SPARQL JSON result, so a client that got through would be served)."""

    BODY = b'{"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"literal","value":"leaked"}}]}}'

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            try:
                conn.settimeout(1)
                conn.recv(65536)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json"
                             b"\r\nContent-Length: " + str(len(self.BODY)).encode() +
                             b"\r\nConnection: close\r\n\r\n" + self.BODY)
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture()
def listener() -> Iterator[Listener]:
    srv = Listener()
    try:
        yield srv
    finally:
        srv.close()


def copy_acme(root: Path) -> Path:
    dest = root / "acme-pack"
    shutil.copytree(ACME, dest)
    return dest
