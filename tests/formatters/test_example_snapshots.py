"""Every text format, rendered from a real validation of each example workload, equals
its reviewed snapshot (``snapshots/examples/<example>.<suffix>``).

The examples change when policies or the format grow; then rerun with
MLWA_UPDATE_SNAPSHOTS=1 and review the diff like code: it shows what a user will see.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine.formatters import FORMATS, SUFFIXES, render
from engine.validate.report import Report
from engine.validate.validator import validate_paths

from .conftest import check_snapshot

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p.name for p in (ROOT / "examples").glob("*.yaml"))
AS_OF = dt.date(2026, 12, 1)
_CACHE: dict[str, Report] = {}


def example_report(name: str, monkeypatch: pytest.MonkeyPatch) -> Report:
    if name not in _CACHE:
        monkeypatch.chdir(ROOT)  # the report names the file as given: examples/<name>
        _CACHE[name] = validate_paths([Path("examples") / name], engine="auto", as_of=AS_OF,
                                      keep_going=True)
    return _CACHE[name]


# The large formats are kept for the examples with gaps only, and SARIF without its rule
# catalogue (the sample report's snapshot covers rules): the snapshots stay reviewable.
LARGE = ("html", "json", "sarif")
WITH_GAPS = ("churn-batch.yaml", "genai-rag.yaml")
CASES = [(name, fmt) for name in EXAMPLES for fmt in FORMATS
         if fmt not in LARGE or name in WITH_GAPS]


@pytest.mark.parametrize(("name", "fmt"), CASES)
def test_example_matches_snapshot(name: str, fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    report = example_report(name, monkeypatch)
    stem = name.rsplit(".", 1)[0]
    text = render(report, fmt)
    if fmt == "sarif":
        run = json.loads(text)["runs"][0]
        text = json.dumps({"results": run["results"]}, indent=2, ensure_ascii=False) + "\n"
    check_snapshot(f"examples/{stem}{SUFFIXES[fmt]}", text)


def test_every_example_has_a_case() -> None:
    assert EXAMPLES and set(WITH_GAPS) <= set(EXAMPLES)
