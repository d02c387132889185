"""Shared fixtures. Tests that need ../shared/reference skip with a reason where it is
absent, except under CI=true, where its absence fails the test."""

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
    # The store's audit key (engine.store.load_audit_key) likewise: never the user's own.
    if not os.environ.get("MLWA_AUDIT_KEY_FILE"):
        key_dir = tempfile.mkdtemp(prefix="mlwa-test-key-")
        os.environ["MLWA_AUDIT_KEY_FILE"] = os.path.join(key_dir, "audit.key")


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
def reference_dir() -> Path:
    path = REPO.parent / "shared" / "reference"
    require(path.is_dir(), f"reference data not found at {path}")
    return path
