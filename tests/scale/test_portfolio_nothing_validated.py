"""A portfolio in which no workload was validated is never a success (exit 2, one line)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.estate.portfolio import run_portfolio
from tests.scale.conftest import mlwa


def _broken(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "a.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    (folder / "b.json").write_text('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}',
                                   encoding="utf-8")
    (folder / "notes.txt").write_text("not picked up", encoding="utf-8")
    return folder


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_empty_folder_exits_2_with_one_line(tmp_path: Path, strict: bool, fmt: str) -> None:
    empty = tmp_path / "empty"
    (empty / "sub").mkdir(parents=True)
    (empty / "README.md").write_text("no workloads here", encoding="utf-8")
    r = mlwa("portfolio", str(empty), "--format", fmt, *(["--strict"] if strict else []))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    assert r.stderr.splitlines() == [
        f"mlwa: no workload validated: {empty}: no workload file (.yaml, .yml, .json, .ttl, "
        ".jsonld) found"]
    assert not (tmp_path / "estate").exists()  # nothing was stored (MLWA_ESTATE points there)


@pytest.mark.parametrize("strict", [False, True])
def test_folder_of_broken_files_exits_2_with_one_line(tmp_path: Path, strict: bool) -> None:
    folder = _broken(tmp_path / "broken")
    r = mlwa("portfolio", str(folder), "--no-store", "--workers", "1",
             *(["--strict"] if strict else []))
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stdout == ""
    [line] = r.stderr.splitlines()
    assert line.startswith(f"mlwa: no workload validated: all 2 files have errors; the first: "
                           f"{folder / 'a.yaml'}:")


def test_missing_folder_and_unmatched_glob(tmp_path: Path) -> None:
    r = mlwa("portfolio", str(tmp_path / "nope"), str(tmp_path / "*.yaml"), "--no-store")
    assert r.returncode == 2
    assert r.stderr.splitlines() == [f"mlwa: no workload validated: {tmp_path / 'nope'}: no such "
                                     "file or folder (and 1 more)"]


def test_one_good_file_among_broken_ones_follows_the_findings(tmp_path: Path) -> None:
    folder = _broken(tmp_path / "mixed")
    (folder / "ok.yaml").write_text("id: ok\nname: OK\nlifecycle_stage: experimentation\n",
                                    encoding="utf-8")
    r = mlwa("portfolio", str(folder), "--no-store", "--workers", "1", "--fail-on", "none")
    assert r.returncode == 0, r.stderr
    assert "no workload validated" not in r.stdout + r.stderr


def test_the_api_says_why_too(tmp_path: Path) -> None:
    res = run_portfolio([str(_broken(tmp_path / "b"))], workers=1)
    assert res.summaries == [] and len(res.errors) == 2
    line = res.nothing_validated([str(tmp_path / "b")])
    assert line is not None and "all 2 files have errors" in line
    assert "not a workload description" in res.errors[1]
