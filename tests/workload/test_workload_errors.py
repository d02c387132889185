"""Input errors say where (file:line:column and path) and what, in plain words."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.workload import check_structure, load_workload_text

AS_OF = dt.date(2026, 11, 30)
REPO = Path(__file__).resolve().parents[2]

BASE = """\
id: demo
name: Demo
data_stores:
  - name: raw
    type: s3
model_registries:
  - name: m
    versions:
      - version: 1
"""


def errors(text: str) -> list[str]:
    with pytest.raises(InputError) as info:
        load_workload_text(text, filename="w.yaml", as_of=AS_OF)
    return info.value.lines()


def test_wrong_type_names_path_line_and_value() -> None:
    text = BASE + "endpoints:\n  - name: ep\n    instances: two\n"
    assert errors(text) == ['w.yaml:12:16: endpoints[0].instances: must be an integer, '
                            'got "two"']


def test_unknown_key_suggests_the_right_one() -> None:
    text = BASE + "endpoints:\n  - name: ep\n    instnces: 2\n"
    (line,) = errors(text)
    assert line.startswith("w.yaml:12:5: endpoints[0].instnces: unknown key")
    assert "did you mean `instances`" in line


def test_enum_lists_the_choices_and_suggests() -> None:
    text = BASE + "endpoints:\n  - name: ep\n    type: realtime\n"
    (line,) = errors(text)
    assert "must be one of real-time, serverless" in line and "did you mean `real-time`" in line


def test_missing_required_key() -> None:
    text = BASE + "endpoints:\n  - type: real-time\n"
    assert errors(text) == ["w.yaml:11:5: endpoints[0]: the required key `name` is missing"]


def test_all_problems_are_reported_in_file_order() -> None:
    text = BASE + "endpoints:\n  - name: ep\n    instances: -1\n    type: nope\n"
    lines = errors(text)
    assert [ln.split(":")[1] for ln in lines] == ["12", "13"]
    assert "must be at least 0, got -1" in lines[0]


def test_dangling_reference_is_located() -> None:
    text = BASE + "training_jobs:\n  - name: t\n    input_data: [raw, rawdata]\n"
    (line,) = errors(text)
    assert line.startswith("w.yaml:12:23: training_jobs[0].input_data[1]: refers to "
                           '"rawdata"')
    assert 'did you mean "raw"' in line


def test_nested_reference_syntax() -> None:
    ok = BASE + "endpoints:\n  - name: ep\n    model: m/1\n"
    load_workload_text(ok, filename="w.yaml", as_of=AS_OF)
    (line,) = errors(BASE + "endpoints:\n  - name: ep\n    model: '1'\n")
    assert "<parent>/<name>" in line


def test_ambiguous_reference() -> None:
    text = BASE + ("data_sources:\n  - name: raw\ntraining_jobs:\n  - name: t\n"
                   "    input_data: [raw]\n")
    (line,) = errors(text)
    assert "ambiguous" in line and "`data_stores`" in line and "`data_sources`" in line


def test_duplicate_names() -> None:
    text = BASE + "endpoints:\n  - name: ep\n  - name: ep\n"
    (line,) = errors(text)
    assert line.startswith("w.yaml:12:11: endpoints[1].name:") and "used twice" in line


def test_bad_pattern_is_explained() -> None:
    text = BASE + "endpoints:\n  - name: my endpoint\n"
    (line,) = errors(text)
    assert "no spaces or slashes" in line
    (line,) = errors(BASE + "accounts:\n  - name: a\n    account_id: '123'\n")
    assert "12-digit AWS account id" in line


def test_attestation_problems() -> None:
    att = "attestations:\n  - {practice: %s, status: implemented, owner: me, date: %s}\n"
    (line,) = errors(BASE + att % ("MLOPS01-BP99", "2026-01-01"))
    assert 'unknown practice id "MLOPS01-BP99"' in line and "MLOPS01-BP01" in line
    (line,) = errors(BASE + att % ("MLOE-01", "2027-01-01"))
    assert "after the assessment date" in line
    (line,) = errors(BASE + att % ("MLOE-01", "01/02/2026"))
    assert "must be a date written YYYY-MM-DD" in line


def test_comma_in_flow_mapping_hint() -> None:
    text = BASE + "team_roles:\n  - {name: a, responsibilities: x, y and z}\n"
    (line,) = errors(text)
    assert "quote text that contains commas" in line


def test_yaml_syntax_error_is_located() -> None:
    (line,) = errors("id: x\nname: [unclosed\n")
    assert line.startswith("w.yaml:") and "not valid YAML" in line


def test_yes_and_no_stay_text() -> None:
    # YAML 1.2 core schema: `no` is text, so a boolean key given `no` is a type error
    (line,) = errors(BASE + "notebooks:\n  - name: n\n    root_access: no\n")
    assert 'must be true or false, got "no"' in line


def test_check_structure_returns_problems_without_lifting() -> None:
    problems = check_structure(b"id: x\nname: y\nendpoints: [{name: e, instances: x}]\n",
                               filename="w.yaml")
    assert len(problems) == 1 and problems[0].location.line == 3
    assert check_structure(b"id: x\nname: y\nendpoints: [{name: e, model: nope/1}]\n",
                           filename="w.yaml") == []


def test_cli_prints_one_line_per_problem_and_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(BASE + "endpoints:\n  - name: ep\n    instances: two\n    type: x\n")
    proc = subprocess.run([sys.executable, "-m", "engine", "workload", "check", str(path)],
                          capture_output=True, text=True, timeout=60, cwd=REPO, check=False)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2 and all(ln.startswith(f"mlwa: {path}:1") for ln in lines)
    assert "Traceback" not in proc.stderr
