"""Browser tests: the app served on 127.0.0.1 and driven by Debian's chromium.

Each role gets its own server (identity comes from a local config file named by
MLWA_APP_CONFIG in the server's environment); both share one governance store. Every
request to a host other than 127.0.0.1 is blocked and fails the test, as does any console
error. Screenshots go to test-output/screenshots/, timings to test-output/ui-timings.json.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from tests.conftest import REPO, require

CHROMIUM = Path(os.environ.get("MLWA_CHROMIUM", "/usr/bin/chromium"))
OUT = REPO / "test-output"
SHOTS = OUT / "screenshots"
TIMINGS_FILE = OUT / "ui-timings.json"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--disable-default-apps", "--disable-extensions"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path


def start_server(tmp: Path, role: str, store: Path) -> Server:
    cfg = tmp / f"app-{role}.toml"
    cfg.write_text(f'[user]\nname = "{role}-user"\nrole = "{role}"\n', encoding="utf-8")
    port = _free_port()
    env = {**os.environ, "MLWA_APP_CONFIG": str(cfg), "MLWA_STORE": str(store),
           "MLWA_HISTORY": str(store.parent / "history"), "MLWA_ESTATE": str(store.parent / "estate")}
    env.pop("MLWA_APP_ROLE", None)
    env["MLWA_APP_LOCAL_GOVERNANCE"] = "1"  # a local governance user needs the flag (issue 16)
    log = tmp / f"server-{role}.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return Server(url, proc, log)
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not become healthy within 90 s")


def stop_server(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()


@pytest.fixture(scope="session")
def browser_ok() -> None:
    require(CHROMIUM.exists(), f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        require(False, "playwright is not installed (pip install playwright)")


@pytest.fixture(scope="session")
def e2e_tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def servers(browser_ok: None, e2e_tmp: Path) -> Iterator[dict[str, Server]]:
    store = e2e_tmp / "store"
    started: dict[str, Server] = {}
    try:
        for role in ("governance", "architect"):
            started[role] = start_server(e2e_tmp, role, store)
        yield started
    finally:
        for s in started.values():
            stop_server(s)


def record_timing(name: str, seconds: float) -> None:
    """Add a measured time to test-output/ui-timings.json (not asserted)."""
    OUT.mkdir(exist_ok=True)
    data: dict[str, Any] = {}
    if TIMINGS_FILE.exists():
        data = json.loads(TIMINGS_FILE.read_text())
    data.setdefault("targets_s", {"explore_first_render_s": 2.0, "validation_round_trip_s": 1.0})
    data.setdefault("meaning", {
        "explore_*_title_s": "navigation until the Explore title is drawn",
        "explore_*_render_s": "navigation until the heatmap and the practice table are drawn",
        "validation_round_trip_s": "file chosen in the uploader until its findings are shown"})
    data["note"] = "measured by tests/e2e, not asserted; the machine may be shared"
    data[name] = round(seconds, 3)
    TIMINGS_FILE.write_text(json.dumps(data, indent=2) + "\n")


@pytest.fixture(scope="session")
def playwright_browser(browser_ok: None) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@dataclass
class Guard:
    """What a page did that a test must fail on."""

    outside: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    allowed: list[str] = field(default_factory=list)  # console substrings a test expects

    def problems(self) -> list[str]:
        errs = [c for c in self.console if not any(a in c for a in self.allowed)]
        return [f"request to another host: {u}" for u in self.outside] + \
               [f"console error: {c}" for c in errs]


@pytest.fixture
def page(playwright_browser: Any) -> Iterator[Any]:
    context = playwright_browser.new_context(viewport={"width": 1440, "height": 1800},
                                             accept_downloads=True)
    pg = context.new_page()
    guard = Guard()

    def route(r: Any) -> None:
        url = r.request.url
        host = urlparse(url).hostname
        if url.startswith(("data:", "blob:", "about:")) or host == "127.0.0.1":
            r.continue_()
        else:
            guard.outside.append(url)
            r.abort()

    pg.route("**/*", route)
    pg.on("console", lambda m: guard.console.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: guard.console.append(f"page error: {e}"))
    pg.guard = guard  # type: ignore[attr-defined]
    yield pg
    context.close()
    problems = guard.problems()
    assert not problems, "\n".join(problems)


def settle(pg: Any, timeout: float = 90_000) -> None:
    """Wait until the script run is over and nothing is still loading."""
    pg.wait_for_selector('[data-testid="stApp"]')
    pg.wait_for_timeout(300)
    pg.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidget"]') &&
           document.querySelectorAll('[data-testid="stSkeleton"],[data-testid="stSpinner"]').length === 0""",
        timeout=timeout)


def open_page(pg: Any, title: str) -> None:
    pg.locator(f'[data-testid="stSidebarNav"] a:has-text("{title}")').first.click()
    settle(pg)


def no_exception(pg: Any) -> None:
    exc = pg.locator('[data-testid="stException"]')
    assert exc.count() == 0, exc.first.inner_text()


def screenshot(pg: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.wait_for_timeout(400)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
