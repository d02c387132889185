"""Shared fixtures for the scale tests: an isolated estate and history, small portfolios."""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import generate


@pytest.fixture(autouse=True)
def isolated_stores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MLWA_ESTATE", str(tmp_path / "estate"))
    monkeypatch.setenv("MLWA_HISTORY", str(tmp_path / "history"))
    yield


def template(name: str = "fraud-detection") -> dict[str, Any]:
    return copy.deepcopy(generate.load_templates()[name])


def fault(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """Apply one of the generator's named faults; fail loudly when it changes nothing."""
    spec = {f[0]: f for f in generate.FAULTS}[name]
    assert generate._apply(doc, spec[1], spec[2]), f"fault {name} changed nothing"
    return doc


def write_doc(folder: Path, doc: dict[str, Any], stem: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem or doc['id']}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def small_portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten generated workloads with injected faults, and one broken file."""
    folder = tmp_path_factory.mktemp("portfolio")
    for stem, doc, _ in generate.generate(10, seed=3, faults=3):
        write_doc(folder, doc, stem)
    (folder / "zz-broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    return folder


def mlwa(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True, text=True,
                          cwd=REPO, check=False, timeout=300, env={**os.environ, **(env or {})})
