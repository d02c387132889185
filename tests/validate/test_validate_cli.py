"""`mlwa validate` for people and CI: exit codes, formats, selection, bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

EXAMPLES = REPO / "examples"


def mlwa(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True,
                          cwd=cwd, check=False, timeout=120)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


GOOD = """id: demo
name: Demo
data_stores:
  - name: features
    type: s3
    encryption: {at_rest: true, in_transit: true}
"""
BAD = GOOD.replace("at_rest: true", "at_rest: false")


def test_exit_0_when_clean(tmp_path: Path) -> None:
    r = mlwa("validate", str(write(tmp_path, "good.yaml", GOOD)), "--policy", "WA-SEC-001")
    assert r.returncode == 0, r.stdout + r.stderr


def test_exit_1_on_findings_with_file_line(tmp_path: Path) -> None:
    f = write(tmp_path, "bad.yaml", BAD)
    r = mlwa("validate", str(f), "--policy", "WA-SEC-001")
    assert r.returncode == 1
    assert f"{f}:6: WA-SEC-001 high" in r.stdout


def test_fail_on_threshold(tmp_path: Path) -> None:
    f = write(tmp_path, "bad.yaml", BAD)
    assert mlwa("validate", str(f), "--policy", "WA-SEC-001", "--fail-on", "none").returncode == 0
    assert mlwa("validate", str(f), "--policy", "WA-SEC-001", "--fail-on", "medium").returncode == 1


@pytest.mark.parametrize("args,needle", [
    (["validate", "missing.yaml"], "missing.yaml"),
    (["validate", "{tmp}/broken.yaml"], "broken.yaml:3"),
    (["validate", "{tmp}/good.yaml", "--policy", "WA-NOPE-001"], "unknown policy"),
    (["validate", "{tmp}/good.yaml", "--as-of", "yesterday"], "--as-of"),
    (["validate", "{tmp}/good.yaml", "--format", "docx"], "docx"),
    (["validate"], "Missing argument"),
])
def test_exit_2_on_bad_input(tmp_path: Path, args: list[str], needle: str) -> None:
    write(tmp_path, "good.yaml", GOOD)
    write(tmp_path, "broken.yaml", "id: x\nname: [unclosed\n")
    r = mlwa(*[a.replace("{tmp}", str(tmp_path)) for a in args], "--format", "json") \
        if "--format" not in args and len(args) > 1 else mlwa(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
    assert needle in r.stdout + r.stderr
    assert "Traceback" not in r.stderr


def test_one_bad_file_does_not_hide_the_others(tmp_path: Path) -> None:
    good = write(tmp_path, "bad.yaml", BAD)
    broken = write(tmp_path, "broken.yaml", "id: x\nname: [unclosed\n")
    r = mlwa("validate", str(good), str(broken), "--policy", "WA-SEC-001", "--format", "json")
    assert r.returncode == 2
    data = json.loads(r.stdout)
    assert len(data["workloads"]) == 1 and data["workloads"][0]["summary"]["findings"]["high"] == 1
    assert any("broken.yaml" in e for e in data["errors"])


def test_output_file_and_formats(tmp_path: Path) -> None:
    f = write(tmp_path, "bad.yaml", BAD)
    for fmt, probe in (("json", '"schema"'), ("sarif", '"2.1.0"'), ("junit", "<testsuites"),
                       ("markdown", "WA-SEC-001"), ("html", "<html")):
        out = tmp_path / f"report.{fmt}"
        r = mlwa("validate", str(f), "--policy", "WA-SEC-001", "--format", fmt, "--output", str(out))
        assert r.returncode == 1 and r.stdout == ""
        assert probe in out.read_text(encoding="utf-8")


def test_engines_agree_on_examples() -> None:
    outs = {}
    for engine in ("reference", "fast"):
        r = mlwa("validate", *(str(p) for p in sorted(EXAMPLES.glob("*.yaml"))), "--engine", engine,
                 "--format", "json", "--fail-on", "none", "--as-of", "2026-11-30")
        assert r.returncode == 0, r.stderr
        data = json.loads(r.stdout)
        outs[engine] = [[(f["policy"], f["focusLabel"], f["path"], f["value"]) for f in w["findings"]]
                        for w in data["workloads"]]
    assert outs["reference"] == outs["fast"]


def test_edition_2023_ids_in_report(tmp_path: Path) -> None:
    f = write(tmp_path, "bad.yaml", BAD)
    r = mlwa("validate", str(f), "--policy", "WA-SEC-001", "--edition", "2023")
    assert "(MLSEC-02)" in r.stdout or "MLSEC-0" in r.stdout
