"""Custom lenses as the Well-Architected Tool reads them (issue 22): risk when no rule
matches, the "no default" warning only for answers really left uncovered, strict JSON, the
tool's id limits, and the CLI around them (export a custom lens, choice-id practice ids,
usage lines, no library noise)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from engine.errors import InputError
from engine.interop import walens
from engine.interop.conditions import first_uncovered, parse_condition

REPO = Path(__file__).resolve().parents[2]
LENSES = REPO / "tests" / "data" / "lenses"


def mlwa(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", *args], capture_output=True,
                          text=True, cwd=cwd, check=False, timeout=120)


def _question(choices: list[str], rules: list[tuple[str, str]]) -> dict[str, Any]:
    return {"id": "cache_1", "title": "How do you run the cache?",
            "choices": [{"id": c, "title": c, "improvementPlan": {"displayText": "Do it."}}
                        for c in choices],
            "riskRules": [{"condition": c, "risk": r} for c, r in rules]}


def _lens(question: dict[str, Any], pillar_id: str = "ops") -> dict[str, Any]:
    return {"schemaVersion": "2021-11-01", "name": "Cache lens", "description": "For tests.",
            "pillars": [{"id": pillar_id, "name": "Operations", "questions": [question]}]}


def _import(tmp_path: Path, doc: dict[str, Any] | str) -> walens.ImportedLens:
    path = tmp_path / "lens.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, indent=1), encoding="utf-8")
    return walens.import_lens_json(path)


EIGHT = [f"c_{i}" for i in range(1, 9)]


def test_best_answer_matching_no_rule_is_not_high_risk(tmp_path: Path) -> None:
    """Rules for the risky answers only: all eight practices chosen matches no rule and
    has no risk (mlwa said HIGH_RISK), and the warning shows such an answer."""
    lens = _import(tmp_path, _lens(_question([*EIGHT, "c_no"], [
        ("c_no", "HIGH_RISK"), ("!c_1 || !c_2", "MEDIUM_RISK")])))
    q = lens.question("cache_1")
    assert walens.evaluate_risk(q, EIGHT) == "NO_RISK"
    assert walens.evaluate_risk(q, ["c_no"]) == "HIGH_RISK"
    assert walens.evaluate_risk(q, ["c_3"]) == "MEDIUM_RISK"
    warnings = [w for w in lens.warnings if "default" in w]
    assert len(warnings) == 1 and "e.g. [c_1, c_2]" in warnings[0]


def test_no_warning_when_rules_cover_every_answer(tmp_path: Path) -> None:
    lens = _import(tmp_path, _lens(_question([*EIGHT, "c_no"], [
        ("c_1 && c_2", "NO_RISK"), ("c_1 || c_2", "MEDIUM_RISK"),
        ("!c_1 && !c_2", "HIGH_RISK")])))
    assert not [w for w in lens.warnings if "default" in w]


def test_ecs_lens_warns_once_with_the_uncovered_answer() -> None:
    ecs = walens.import_lens_json(LENSES / "Amazon_ECS_Lens.json")
    warnings = [w for w in ecs.warnings if "default" in w]
    assert len(warnings) == 1 and "[NET3_4_no]" in warnings[0]


def test_fifteen_choices_are_enumerated_quickly() -> None:
    """2^15 - 1 answers, only the full set uncovered: found, in well under a second."""
    choices = [f"x_{i}" for i in range(15)]
    conditions = [parse_condition(f"!{c}") for c in choices]
    start = time.perf_counter()
    assert first_uncovered(choices, [], conditions) == choices
    assert time.perf_counter() - start < 2.0
    assert first_uncovered(choices, [], [parse_condition("default")]) is None


def test_bare_nan_is_not_strict_json_with_line_and_column(tmp_path: Path) -> None:
    text = json.dumps(_lens(_question(["c_1", "c_2"], [("c_1", "NO_RISK"),
                                                      ("default", "HIGH_RISK")])), indent=1)
    text = text.replace('"description": "For tests."', '"description": NaN')
    with pytest.raises(InputError) as err:
        _import(tmp_path, text)
    line = err.value.lines()[0]
    assert "not strict JSON" in line and "NaN" in line and "lens.json:4:" in line
    assert "expected a string" not in line


def test_duplicate_keys_are_named_in_a_warning(tmp_path: Path) -> None:
    """Warned, not refused: published lenses must keep importing as they did."""
    text = json.dumps(_lens(_question(["c_1", "c_2"], [("c_1", "NO_RISK"),
                                                      ("default", "HIGH_RISK")])), indent=1)
    text = text.replace('"title": "How do you run the cache?"',
                        '"title": "How do you run the cache?", "title": "Something else"')
    lens = _import(tmp_path, text)
    assert lens.question("cache_1").title == "Something else"
    assert any('duplicate key "title" in the object with id "cache_1"' in w
               for w in lens.warnings), lens.warnings


def test_pillar_ids_follow_the_tool_limits(tmp_path: Path) -> None:
    q = _question(["c_1", "c_2"], [("c_1", "NO_RISK"), ("default", "HIGH_RISK")])
    with pytest.raises(InputError, match="needs at least 3"):
        _import(tmp_path, _lens(q, pillar_id="op"))
    assert _import(tmp_path, _lens(q, pillar_id="o" * 128)).pillars[0].id == "o" * 128
    with pytest.raises(InputError, match="128"):
        _import(tmp_path, _lens(q, pillar_id="o" * 129))


def test_lens_export_writes_an_imported_lens_back_as_custom_lens_json(tmp_path: Path) -> None:
    source = LENSES / "custom-lens-personalize-v1.0.json"
    ttl = tmp_path / "personalize.ttl"
    assert mlwa("lens", "import", str(source), "-o", str(ttl)).returncode == 0
    for ref in (str(source), str(ttl)):
        out = mlwa("lens", "export", "--lens", ref, "--format", "wa-lens-json")
        assert out.returncode == 0, out.stderr
        assert walens.normalise(json.loads(out.stdout)) == \
            walens.normalise(json.loads(source.read_text(encoding="utf-8")))
    bad = mlwa("lens", "export", "--lens", str(ttl), "--format", "graphml")
    assert bad.returncode == 2 and "exports the ML Lens only" in bad.stderr


def test_lens_map_accepts_the_choice_id_form() -> None:
    out = mlwa("lens", "map", "MLCOST06_BP04", "--format", "json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)["data"]
    assert data["given"] == "2025" and data["other"]["id"] == "MLCOST-23"


def test_lens_diff_without_arguments_prints_a_usage_line() -> None:
    out = mlwa("lens", "diff")
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert lines[0] == "Usage: mlwa lens diff [OPTIONS] OLD NEW"
    assert lines[1].startswith("mlwa: Missing argument 'OLD'") and len(lines) == 2


def test_owl_export_prints_no_library_warning() -> None:
    out = mlwa("lens", "export", "--format", "owl")
    assert out.returncode == 0 and out.stderr == ""
    assert out.stdout.lstrip().startswith("<?xml")
