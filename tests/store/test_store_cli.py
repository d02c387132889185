"""``mlwa store``: log, show, rollback (role-checked), verify, through the real entry point."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.governance.store import Store

REPO = Path(__file__).resolve().parents[2]


def mlwa(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k not in ("MLWA_ROLE", "MLWA_STORE")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "engine", *args], cwd=REPO, env=full_env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    store = Store(tmp_path / "store")
    gov = {"actor": "gina", "role": "governance"}
    store.write("waivers", "waivers.yaml", "waivers: []\n", reason="start", **gov)
    store.write("waivers", "waivers.yaml", "waivers: [W1]\n", reason="grant W1", **gov)
    return store.root


def test_log_text_and_json(root: Path) -> None:
    out = mlwa("store", "--store", str(root), "log")
    assert out.returncode == 0, out.stderr
    assert "grant W1" in out.stdout and out.stdout.count("waivers/waivers.yaml") == 2
    out = mlwa("store", "--store", str(root), "log", "--collection", "waivers", "--format",
               "json")
    data = json.loads(out.stdout)
    assert data["schema"] == "mlwa/store-log"
    assert [e["seq"] for e in data["data"]] == [1, 2]
    assert mlwa("store", "--store", str(root), "log", "--collection", "policies").stdout == ""


def test_show_current_and_old_version(root: Path) -> None:
    assert mlwa("store", "--store", str(root), "show", "waivers", "waivers.yaml").stdout == \
        "waivers: [W1]\n"
    first = Store(root).history("waivers", "waivers.yaml")[0].version
    assert first is not None
    out = mlwa("store", "--store", str(root), "show", "waivers", "waivers.yaml", "--version",
               first[:8])
    assert out.stdout == "waivers: []\n"
    missing = mlwa("store", "--store", str(root), "show", "waivers", "nope.yaml")
    assert missing.returncode == 2 and "no document waivers/nope.yaml" in missing.stderr


def test_rollback_needs_governance_role(root: Path) -> None:
    first = Store(root).history("waivers", "waivers.yaml")[0].version
    assert first is not None
    args = ["store", "--store", str(root), "rollback", "waivers", "waivers.yaml", first[:10],
            "--reason", "W1 was granted by mistake", "--actor", "rob"]
    refused = mlwa(*args)
    assert refused.returncode == 2
    assert "role 'architect' may not change the governance store" in refused.stderr
    assert len(Store(root).log()) == 2
    done = mlwa(*args, env={"MLWA_ROLE": "governance"})
    assert done.returncode == 0, done.stderr
    assert "is current again (audit entry 3)" in done.stdout
    store = Store(root)
    assert store.read("waivers", "waivers.yaml").text == "waivers: []\n"
    assert store.log()[-1].actor == "rob" and store.log()[-1].action == "rollback"


def test_verify_ok_and_broken(root: Path) -> None:
    ok = mlwa("store", "--store", str(root), "verify")
    assert ok.returncode == 0 and "2 audit entries" in ok.stdout and ": ok" in ok.stdout
    log = root / "audit.log"
    lines = log.read_text().splitlines()
    lines[0] = lines[0].replace('"start"', '"tampered"')
    log.write_text("\n".join(lines) + "\n")
    broken = mlwa("store", "--store", str(root), "verify")
    assert broken.returncode == 2
    assert "audit.log:2: audit log chain broken at line 2" in broken.stderr


def test_verify_reports_damaged_object(root: Path) -> None:
    current = Store(root).read("waivers", "waivers.yaml").version
    (root / "objects" / current[:2] / current).write_bytes(b"rot")
    out = mlwa("store", "--store", str(root), "verify", "--format", "json")
    assert out.returncode == 2
    data = json.loads(out.stdout)["data"]
    assert not data["ok"] and current[:12] in data["problems"][0]
    shown = mlwa("store", "--store", str(root), "show", "waivers", "waivers.yaml")
    assert shown.stdout == "waivers: []\n" and "damaged" in shown.stderr


def test_store_from_env(root: Path) -> None:
    out = mlwa("store", "log", env={"MLWA_STORE": str(root)})
    assert out.returncode == 0 and "grant W1" in out.stdout
