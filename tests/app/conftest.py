"""AppTest fixtures: the app with a local identity and a private governance store."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import require

require(importlib.util.find_spec("streamlit") is not None,
        "streamlit (the app extra) is not installed")

from streamlit.testing.v1 import AppTest  # noqa: E402 - only once streamlit is known to be there

REPO = Path(__file__).resolve().parents[2]
# app.py wraps the entry script in an ASGI app (st.App), which AppTest cannot run
APP = REPO / "engine" / "ui" / "entry.py"
VIEWS = "views"  # page files, relative to the entry script


def write_config(path: Path, role: str, name: str = "tester") -> Path:
    path.write_text(f'[user]\nname = "{name}"\nrole = "{role}"\n', encoding="utf-8")
    return path


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def make_app(tmp_path: Path, store_dir: Path, monkeypatch: pytest.MonkeyPatch
             ) -> Callable[..., AppTest]:
    """``make_app(role)`` -> an AppTest of the app's entry script for a local user with that role."""

    def make(role: str = "architect", name: str = "tester") -> AppTest:
        cfg = write_config(tmp_path / f"app-{role}.toml", role, name)
        monkeypatch.setenv("MLWA_APP_CONFIG", str(cfg))
        monkeypatch.setenv("MLWA_STORE", str(store_dir))
        monkeypatch.delenv("MLWA_APP_ROLE", raising=False)
        # a local governance user needs `mlwa app --local-governance` (issue 16)
        monkeypatch.setenv("MLWA_APP_LOCAL_GOVERNANCE", "1")
        return AppTest.from_file(str(APP), default_timeout=120)

    return make


def texts(at: AppTest) -> str:
    """Everything the run wrote as text (titles, markdown, captions, alerts)."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "success", "info",
                 "warning", "error"):
        parts.extend(str(e.value) for e in getattr(at, kind))
    return "\n".join(parts)
