"""History page: the trend of a workload over recorded runs and the diff between two runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.history import record_run
from engine.validate import validate_paths
from tests.app.conftest import VIEWS, texts

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def history_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "history"
    monkeypatch.setenv("MLWA_HISTORY", str(root))
    monkeypatch.setenv("MLWA_ESTATE", str(tmp_path / "estate"))
    return root


def test_empty_history_explains_how_to_record(make_app, history_dir: Path) -> None:
    at = make_app("architect")
    at.switch_page(f"{VIEWS}/history.py").run()
    assert not at.exception
    assert "No runs recorded yet" in texts(at)


def test_trend_and_diff_show_the_fixed_findings(make_app, history_dir: Path, tmp_path: Path) -> None:
    before = (REPO / "examples" / "starter.yaml").read_text(encoding="utf-8")
    path = tmp_path / "starter.yaml"
    path.write_text(before, encoding="utf-8")
    as_of = dt.date(2026, 11, 30)
    first = validate_paths([path], codes=("WA-SEC-001", "WA-SUS-003"), as_of=as_of)
    record_run(first, milestone="before-fix", root=history_dir, use_estate=False)
    path.write_text(before.replace("    versioning: true\n",
                                   "    versioning: true\n    retention: {days: 365, lifecycle_policy: true}\n", 1),
                    encoding="utf-8")
    second = validate_paths([path], codes=("WA-SEC-001", "WA-SUS-003"), as_of=as_of)
    record_run(second, root=history_dir, use_estate=False)
    fixed = {f.key() for f in first.findings} - {f.key() for f in second.findings}
    assert fixed  # the edit really fixes something

    at = make_app("architect")
    at.switch_page(f"{VIEWS}/history.py").run()
    assert not at.exception
    metrics = {m.label: int(m.value) for m in at.metric}
    assert metrics["Fixed findings"] == len(fixed)
    assert metrics["New findings"] == 0
    assert len(at.dataframe[0].value) == 2  # both runs of the workload are listed
