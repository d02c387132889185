"""Reviews reach the report: validate_paths fills WorkloadReport.reviews, the JSON form
carries them, bad answers are input errors of the file, and `mlwa validate` shows them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.validate.validator import validate_paths, validate_workload
from engine.workload import load_workload

REPO = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 30)
LENS = Path(__file__).parent / "fixtures" / "lenses" / "team-lens.json"
WORKLOAD = """\
id: platform-model
name: Platform model
reviews:
  - lens: lenses/team-lens.json
    answers:
      OPS_1: [OPS_1_rollback]
      SEC_1: [SEC_1_kms, SEC_1_vpc]
"""
CODES = ["WA-SEC-001"]  # one policy keeps the run short; reviews do not depend on policies


@pytest.fixture
def workload_file(tmp_path: Path) -> Path:
    (tmp_path / "lenses").mkdir()
    shutil.copy(LENS, tmp_path / "lenses" / "team-lens.json")
    path = tmp_path / "workload.yaml"
    path.write_text(WORKLOAD, encoding="utf-8")
    return path


def test_validate_paths_reports_the_reviews(workload_file: Path) -> None:
    report = validate_paths([workload_file], codes=CODES, as_of=AS_OF)
    [w] = report.workloads
    [r] = w.reviews
    assert {q.id: q.risk for q in r.questions} == {
        "OPS_1": "HIGH_RISK", "OPS_2": "UNANSWERED", "SEC_1": "NO_RISK"}
    doc = report.to_json()["workloads"][0]["reviews"][0]
    assert doc["summary"] == {"HIGH_RISK": 1, "MEDIUM_RISK": 0, "NO_RISK": 1, "UNANSWERED": 1}
    assert doc["questions"][0] == {"id": "OPS_1", "title": "How do you roll out new model "
                                   "versions?", "pillar": "Operations",
                                   "selected": ["OPS_1_rollback"], "risk": "HIGH_RISK"}


def test_a_bad_answer_is_an_input_error_of_the_file(workload_file: Path) -> None:
    workload_file.write_text(WORKLOAD.replace("SEC_1_vpc", "SEC_1_vnp"), encoding="utf-8")
    with pytest.raises(InputError) as info:
        validate_paths([workload_file], codes=CODES, as_of=AS_OF)
    assert info.value.lines()[0].startswith(f"{workload_file}:7:")
    report = validate_paths([workload_file], codes=CODES, as_of=AS_OF, keep_going=True)
    assert report.workloads == [] and "SEC_1_vnp" in report.errors[0]


def test_the_app_entry_point_says_reviews_were_not_evaluated(workload_file: Path) -> None:
    from engine.policies.catalog import builtin_catalog

    wl = load_workload(workload_file, as_of=AS_OF)
    catalog = builtin_catalog()
    report = validate_workload(wl, catalog=catalog, as_of=AS_OF)
    [w] = report.workloads
    assert w.reviews == [] and any("custom-lens reviews" in n for n in w.notes)


def test_mlwa_validate_shows_the_reviews(workload_file: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "engine", "validate", str(workload_file),
                          "--policy", CODES[0], "--fail-on", "none", "--format", "json"],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    assert run.returncode == 0, run.stderr
    reviews = json.loads(run.stdout)["workloads"][0]["reviews"]
    assert [q["risk"] for q in reviews[0]["questions"]] == ["HIGH_RISK", "UNANSWERED",
                                                            "NO_RISK"]
