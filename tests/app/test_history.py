"""History page: the trend of a workload over recorded runs and the diff between two runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.estate.history import record_run
from engine.validate.validator import validate_paths
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


def test_waiver_changes_explain_the_trend_drop() -> None:
    # a finding waived between two runs leaves the open count without being "fixed"
    from engine.ui.views.history import trend_figure, waiver_changes

    f = {"workload": "w", "policy": "WA-SEC-001", "focusLabel": "data_stores/raw",
         "path": "mlwa:encryptedAtRest", "value": None, "severity": "high"}
    g = {**f, "focusLabel": "data_stores/other"}
    a = {"findings": [f, g]}
    b = {"findings": [{**f, "waived": True}, g]}
    waived, ended = waiver_changes(a, b)
    assert [x["focusLabel"] for x in waived] == ["data_stores/raw"] and ended == []
    assert waiver_changes(b, a)[1] and not waiver_changes(b, a)[0]
    one = [{"id": "r1", "timestamp": "2026-12-01T10:00:00.123456Z", "milestone": None,
            "findings": {"high": 3, "medium": 1, "low": 0}}]
    fig = trend_figure(one)
    assert fig.layout.xaxis.type == "category"  # one run: one labelled tick, no milliseconds
    assert list(fig.data[0].x) == ["2026-12-01 10:00:00"]
