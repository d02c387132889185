"""The improvement plan (engine.validate.plan) on the real examples and on the smallest workload:
every finding has a fix naming a key path, actions group findings, the text report's
summary fits a screen and shows at most ten actions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from engine.formatters import render
from engine.validate.plan import build_actions, fix_for, snippet_text
from engine.validate.report import Report
from engine.validate.validator import validate_paths

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
AS_OF = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def minimal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "minimal.yaml"
    path.write_text("id: minimal\nname: Only an id and a name\n", encoding="utf-8")
    return path


_REPORTS: dict[Path, Report] = {}


def report_for(path: Path) -> Report:
    if path not in _REPORTS:
        _REPORTS[path] = validate_paths([path], engine="auto", as_of=AS_OF, keep_going=True)
    return _REPORTS[path]


@pytest.mark.parametrize("name", [p.name for p in EXAMPLES] + ["minimal"])
def test_summary_fits_a_screen_and_plan_shows_at_most_ten(name: str, minimal: Path) -> None:
    path = minimal if name == "minimal" else ROOT / "examples" / name
    report = report_for(path)
    text = render(report, "text")
    block = text.split("\n\n")
    summary = block[0].splitlines()
    assert 3 <= len(summary) <= 20, summary
    ranks = [line for line in text.splitlines() if line[:6].strip().rstrip(".").isdigit()
             and line.startswith("  ") and ". [" in line[:10]]
    assert len(ranks) <= 10
    actions = report.workloads[0].actions(report.policy_index)
    assert len(ranks) == min(10, len(actions))
    if len(actions) > 10:
        assert f"… and {len(actions) - 10} more action" in text


@pytest.mark.parametrize("name", [p.name for p in EXAMPLES] + ["minimal"])
def test_every_finding_in_json_and_sarif_has_a_fix(name: str, minimal: Path) -> None:
    path = minimal if name == "minimal" else ROOT / "examples" / name
    report = report_for(path)
    doc = json.loads(render(report, "json"))
    findings = [f for w in doc["workloads"] for f in w["findings"]]
    assert findings or name not in ("churn-batch.yaml", "minimal")
    for f in findings:
        fix = f["fix"]
        assert fix["keyPath"] and fix["keyPath"] != "(document)", f
        assert fix["snippet"].strip(), f
    sarif = json.loads(render(report, "sarif"))
    for result in sarif["runs"][0]["results"]:
        assert result["properties"]["fix"]["keyPath"]
    # every open finding is in exactly one action
    w = report.workloads[0]
    acted = [id(f) for a in w.actions(report.policy_index) for f in a.findings]
    assert sorted(acted) == sorted(id(f) for f in w.open_findings)


def test_snippets_are_yaml_that_nests_at_the_key_path() -> None:
    import yaml

    churn = report_for(ROOT / "examples" / "churn-batch.yaml")
    w = churn.workloads[0]
    for a in w.actions(churn.policy_index):
        doc = yaml.safe_load(a.snippet)
        assert isinstance(doc, dict) and doc, a.snippet
        top = a.anchor.split("[", 1)[0].split(".", 1)[0]
        assert top in doc, (a.anchor, a.snippet)


def test_fix_names_nested_item_and_grouped_key() -> None:
    churn = report_for(ROOT / "examples" / "churn-batch.yaml")
    w = churn.workloads[0]
    paths = {fix_for(f, churn.policy_index.get(f.policy)).key_path for f in w.findings}
    assert "model_registries[churn-xgb].versions[7].model_card.exists" in paths
    assert "business.estimated_annual_cost" in paths
    assert "iam_roles[churn-sagemaker-role].permissions[0]" in paths
    assert any(p.startswith("attestations[") for p in paths)


def test_policy_shape_decides_the_value_a_snippet_writes() -> None:
    churn = report_for(ROOT / "examples" / "churn-batch.yaml")
    w = churn.workloads[0]
    notebook = [f for f in w.findings if f.focus_label == "notebooks/churn-notebook"
                and f.path == "mlwa:rootAccess"]
    assert notebook, "the example's notebook allows root access"
    fix = fix_for(notebook[0], churn.policy_index.get(notebook[0].policy))
    assert "root_access: false" in fix.snippet


def test_actions_are_ordered_by_risk_then_questions_closed() -> None:
    churn = report_for(ROOT / "examples" / "churn-batch.yaml")
    actions = build_actions(churn.workloads[0], churn.policy_index)
    order = {"high": 0, "medium": 1, "low": 2}
    keys = [(order[a.risk], -len(a.questions_closed), -len(a.practices_closed)) for a in actions]
    assert keys == sorted(keys)
    assert [a.rank for a in actions] == list(range(1, len(actions) + 1))
    assert len(actions) < len(churn.workloads[0].findings) / 2


def test_snippet_merges_shared_parents() -> None:
    text = snippet_text([
        ((("key", "endpoints"), ("item", "name", "api"), ("key", "encryption"),
          ("key", "kms_key")), "TODO", "KMS key"),
        ((("key", "endpoints"), ("item", "name", "api"), ("key", "encryption"),
          ("key", "at_rest")), "true", ""),
    ])
    assert text == ("endpoints:\n  - name: api\n    encryption:\n      kms_key: TODO  # KMS key\n"
                    "      at_rest: true\n")


def test_summary_says_what_changed_since_the_baseline(tmp_path: Path) -> None:
    from dataclasses import replace

    from engine.estate.history import apply_baseline

    churn = report_for(ROOT / "examples" / "churn-batch.yaml")
    base = tmp_path / "before.json"
    base.write_text(render(churn, "json"), encoding="utf-8")
    w = churn.workloads[0]
    fewer = replace(churn, workloads=[replace(w, findings=w.findings[3:])])
    compared = apply_baseline(fewer, str(base))
    kept = {f.key() for f in w.findings[3:]}
    fixed = len({f.key() for f in w.findings[:3]} - kept)
    assert fixed >= 1
    text = render(compared, "text")
    assert f"since baseline {base}: 0 new, {fixed} fixed, {len(kept)} unchanged" in text
    doc = json.loads(render(compared, "json"))
    assert doc["baseline"] == {"baseline": str(base), "new": 0, "fixed": fixed,
                               "unchanged": len(kept)}
    assert "Since baseline" in render(compared, "markdown")
