"""``mlwa app`` starts Streamlit on 127.0.0.1, offline, with the store and role it is given."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from engine.commands.app import app_script, streamlit_argv


def test_argv_is_loopback_headless_and_offline() -> None:
    argv = streamlit_argv(app_script(), 8765)
    pairs = dict(zip(argv[5::2], argv[6::2], strict=True))
    assert pairs["--server.address"] == "127.0.0.1"
    assert pairs["--server.port"] == "8765"
    assert pairs["--server.headless"] == "true"
    assert pairs["--browser.gatherUsageStats"] == "false"


def test_config_toml_keeps_the_app_local() -> None:
    import tomllib

    cfg = tomllib.loads((app_script().parent / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["address"] == "127.0.0.1" and cfg["server"]["headless"] is True
    assert cfg["browser"]["gatherUsageStats"] is False
    assert 1 <= cfg["server"]["maxUploadSize"] <= 16


def test_mlwa_app_serves_and_passes_store_and_role(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "MLWA_APP_CONFIG": str(tmp_path / "none.toml")}
    proc = subprocess.Popen([sys.executable, "-m", "engine", "app", "--port", str(port),
                             "--store", str(tmp_path / "store"), "--role", "governance"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "mlwa app did not start"
                time.sleep(0.3)
        environ = Path(f"/proc/{proc.pid}/environ")
        if environ.exists():  # the server process itself carries the store and the role
            items = dict(e.split("=", 1) for e in environ.read_text().split("\0") if "=" in e)
            assert items["MLWA_APP_ROLE"] == "governance"
            assert items["MLWA_STORE"] == str((tmp_path / "store").resolve())
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_unknown_role_is_a_usage_error() -> None:
    out = subprocess.run([sys.executable, "-m", "engine", "app", "--role", "admin"],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "admin" in out.stderr
