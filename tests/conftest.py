"""Shared fixtures. Third-party data the tests read lives in tests/data (each set with its
licence); the practice table is project data in ontology/src."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_configure(config: pytest.Config) -> None:
    """The compiled-policy cache (engine.cache) of this test session lives in a folder of its
    own, so tests never read or fill the user's cache; CLI tests inherit it."""
    import tempfile

    if not os.environ.get("MLWA_CACHE_DIR"):
        os.environ["MLWA_CACHE_DIR"] = tempfile.mkdtemp(prefix="mlwa-test-cache-")


def require(condition: bool, reason: str) -> None:
    """Skip with ``reason`` when ``condition`` is false; under CI=true fail instead."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}")
    pytest.skip(reason, allow_module_level=True)


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def test_data() -> Path:
    """tests/data: the W3C SHACL suite, the SARIF 2.1.0 schema, published custom lenses."""
    return REPO / "tests" / "data"


@pytest.fixture(scope="session")
def practice_table() -> Path:
    """The lens's 105 practices in both editions (project data, read by ontology/tools)."""
    return REPO / "ontology" / "src" / "ml-lens-practices.csv"
