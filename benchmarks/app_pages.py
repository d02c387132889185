"""Page speed of the web app: each page's first render from a direct URL.

Starts ``streamlit run app.py`` on a free loopback port (a cold server: nothing cached),
then for every page opens a new browser context (Debian's chromium through Playwright,
no shared cache) at the page's URL and measures until the page's title is drawn and
Streamlit is idle (no running-script indicator, no skeleton, no spinner). The first page
pays the server's cold start (the lens and the catalogue load once per server); it is
reported apart and then measured again warm like the others.

    python benchmarks/app_pages.py [--rounds 3] [--json out.json]

Prints a table (median of the rounds, seconds) and the machine's load average before
and after; targets: 1.5 s per page, 2 s for the Graph tab. Exit code 1 when a target is
missed, so CI can keep it honest on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("MLWA_CHROMIUM", "/usr/bin/chromium")
TARGET_PAGE_S = 1.5
TARGET_GRAPH_S = 2.0
PAGES = ("explore", "practice", "analytics", "describe", "validate", "review", "portfolio",
         "history", "policies", "waivers")
IDLE = """() => !document.querySelector('[data-testid="stStatusWidget"]') &&
  document.querySelectorAll('[data-testid="stSkeleton"],[data-testid="stSpinner"]').length === 0"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    cfg = tmp / "app.toml"
    cfg.write_text('[user]\nname = "bench"\nrole = "governance"\n', encoding="utf-8")
    port = _port()
    env = {**os.environ, "MLWA_APP_CONFIG": str(cfg), "MLWA_STORE": str(tmp / "store"),
           "MLWA_HISTORY": str(tmp / "history"), "MLWA_ESTATE": str(tmp / "estate"),
           "PYTHONPATH": str(REPO)}
    env.pop("MLWA_APP_ROLE", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"),
         "--server.address", "127.0.0.1", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return proc, url
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("streamlit did not start within 90 s")


def first_render(browser: Any, url: str, *, graph: bool = False) -> tuple[float, list[str]]:
    """Seconds from navigation to an idle page with its title; problems seen on the way."""
    from urllib.parse import urlparse

    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    page.on("request", lambda r: problems.append(f"outside request {r.url}")
            if urlparse(r.url).hostname not in (None, "127.0.0.1") and
            not r.url.startswith(("data:", "blob:")) else None)
    start = time.perf_counter()
    page.goto(url)
    page.wait_for_selector("h1", timeout=120_000)
    page.wait_for_timeout(150)  # let a rerun start if one is coming
    page.wait_for_function(IDLE, timeout=120_000)
    if graph:
        page.get_by_role("tab", name="Graph").click()
        frame = page.wait_for_selector('iframe[title*="cytoscape"]', timeout=120_000).content_frame()
        frame.wait_for_selector("#cy canvas", timeout=120_000)
        page.wait_for_function(IDLE, timeout=120_000)
    elapsed = time.perf_counter() - start
    context.close()
    return elapsed, problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    load_before = os.getloadavg()
    results: dict[str, list[float]] = {}
    problems: dict[str, list[str]] = {}
    with tempfile.TemporaryDirectory(prefix="mlwa-bench-") as tmp, sync_playwright() as p:
        proc, url = start_server(Path(tmp))
        try:
            browser = p.chromium.launch(executable_path=CHROMIUM,
                                        args=["--no-sandbox", "--disable-gpu"])
            cold, seen = first_render(browser, f"{url}/explore")
            problems["cold"] = seen
            for _ in range(args.rounds):
                for name in PAGES:
                    t, seen = first_render(browser, f"{url}/{name}")
                    results.setdefault(name, []).append(t)
                    problems.setdefault(name, []).extend(seen)
                t, seen = first_render(browser, f"{url}/explore", graph=True)
                results.setdefault("explore + Graph tab", []).append(t)
                problems.setdefault("graph", []).extend(seen)
            browser.close()
        finally:
            proc.terminate()
            proc.wait(timeout=15)
    load_after = os.getloadavg()
    rows = {name: statistics.median(ts) for name, ts in results.items()}
    missed = [n for n, t in rows.items()
              if t > (TARGET_GRAPH_S if "Graph" in n else TARGET_PAGE_S)]
    print(f"cores {os.cpu_count()} · load average before {load_before[0]:.2f}, after "
          f"{load_after[0]:.2f} · rounds {args.rounds}")
    print(f"cold server, first page (/explore): {cold:.2f} s")
    print("| page | first render, median (s) | target (s) |")
    print("| --- | --- | --- |")
    for name, t in rows.items():
        print(f"| {name} | {t:.2f} | {TARGET_GRAPH_S if 'Graph' in name else TARGET_PAGE_S} |")
    bad = {k: v for k, v in problems.items() if v}
    if bad:
        print("problems:", json.dumps(bad, indent=1))
    if args.json:
        args.json.write_text(json.dumps({"load_before": load_before, "load_after": load_after,
                                         "cold_s": cold, "median_s": rows,
                                         "problems": bad}, indent=2) + "\n")
    return 1 if missed or bad else 0


if __name__ == "__main__":
    sys.exit(main())
